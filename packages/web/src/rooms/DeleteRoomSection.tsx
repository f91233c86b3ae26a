import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Room } from '@amphi/protocol';
import { api } from '../api.js';
import { ConfirmButton } from '../ui/ConfirmButton.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { useAction } from '../ui/useAction.js';

/** Deleting asks for a second, explicit confirmation. */
export function DeleteRoomSection({ room }: { room: Room }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // Stays busy once deleted: the page goes home.
  const { busy, error, run } = useAction({ keepBusyOnSuccess: true });

  const remove = () =>
    run(async () => {
      await api.deleteRoom(room.id);
      void navigate('/', { replace: true });
    });

  return (
    <section className="card danger-zone" aria-labelledby="delete-room">
      <h2 id="delete-room">{t('editor.danger')}</h2>
      <ErrorAlert code={error} />
      <ConfirmButton
        label={t('editor.deleteButton')}
        question={t('editor.deleteConfirm', { title: room.title })}
        confirmLabel={t('editor.deleteForGood')}
        busy={busy}
        onConfirm={() => void remove()}
      />
    </section>
  );
}
