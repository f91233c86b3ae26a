import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api.js';
import { RoomSession } from '../room/RoomSession.js';
import { NotFoundPage } from '../ui/NotFoundPage.js';
import { useLoad } from '../ui/useLoad.js';
import { PreJoin } from './PreJoin.js';
import { useJoin } from './useJoin.js';

/** `/rooms/:id`: owners and co-hosts enter their room as moderators (this starts the session). */
export function OwnerJoinPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [room] = useLoad(() => api.getRoom(id), id);
  const { client, resuming, join, reset } = useJoin(id);

  if (client) return <RoomSession key={client.participantId} client={client} onRejoin={reset} />;
  if (resuming) return <p role="status">{t('app.loading')}</p>;
  if (room.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (room.status === 'error') return <NotFoundPage code={room.code} />;
  return (
    <PreJoin
      title={room.data.title}
      kind={room.data.kind}
      role="moderator"
      needsName={false}
      lobby={false}
      liveCount={room.data.liveCount}
      onJoin={() => join({ roomId: id })}
    />
  );
}
