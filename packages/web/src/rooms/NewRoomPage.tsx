import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { DEFAULT_ROOM_SETTINGS } from '@amphi/protocol';
import { api } from '../api.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { RoomForm } from './RoomForm.js';

/** Creates a room, then opens its editor (where the join links are). */
export function NewRoomPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  usePageTitle(t('editor.newTitle'));
  return (
    <section className="card">
      <h1>{t('editor.newTitle')}</h1>
      <RoomForm
        initial={{ title: '', kind: 'classroom', settings: { ...DEFAULT_ROOM_SETTINGS } }}
        submitLabel={t('editor.createButton')}
        onSubmit={async (draft) => {
          const room = await api.createRoom(draft);
          void navigate(`/rooms/${room.id}/edit`);
        }}
      />
    </section>
  );
}
