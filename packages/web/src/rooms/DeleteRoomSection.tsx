import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Room } from '@amphi/protocol';
import { api } from '../api.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { useAction } from '../ui/useAction.js';

/** Deleting asks for a second, explicit confirmation. */
export function DeleteRoomSection({ room }: { room: Room }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
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
      {confirming ? (
        <div role="group" aria-labelledby="delete-confirm">
          <p id="delete-confirm">{t('editor.deleteConfirm', { title: room.title })}</p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
              {t('editor.deleteForGood')}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('app.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          {t('editor.deleteButton')}
        </button>
      )}
    </section>
  );
}
