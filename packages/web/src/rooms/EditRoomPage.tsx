import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api.js';
import { useAuth } from '../auth/AuthContext.js';
import { NotFoundPage } from '../ui/NotFoundPage.js';
import { useLoad } from '../ui/useLoad.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { CohostsSection } from './CohostsSection.js';
import { DeleteRoomSection } from './DeleteRoomSection.js';
import { JoinLinksSection } from './JoinLinksSection.js';
import { RoomForm } from './RoomForm.js';
import { StreamKeySection } from './StreamKeySection.js';

/** Settings, join links, stream key (lectures), co-hosts and deletion of one room. */
export function EditRoomPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { user } = useAuth();
  const [room, setRoom] = useLoad(() => api.getRoom(id), id);
  usePageTitle(room.status === 'ready' ? t('editor.editTitle', { title: room.data.title }) : t('app.loading'));

  if (room.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (room.status === 'error') return <NotFoundPage code={room.code} />;
  const data = room.data;
  const isOwner = user !== null && (user.id === data.ownerId || user.role === 'admin');
  return (
    <>
      <div className="page-head">
        <h1>{t('editor.editTitle', { title: data.title })}</h1>
        <Link className="button" to={`/rooms/${data.id}`}>
          {t('editor.enterRoom')}
        </Link>
      </div>
      <div className="grid">
        <section className="card" aria-labelledby="room-details">
          <h2 id="room-details">{t('editor.details')}</h2>
          <RoomForm
            key={data.id}
            initial={{ title: data.title, kind: data.kind, settings: data.settings }}
            submitLabel={t('editor.saveButton')}
            onSubmit={async (draft) => setRoom(await api.updateRoom(data.id, draft))}
          />
        </section>
        <div className="stack">
          <JoinLinksSection roomId={data.id} />
          {data.kind === 'lecture' && <StreamKeySection roomId={data.id} />}
          <CohostsSection room={data} canEdit={isOwner} onChange={setRoom} />
          {isOwner && <DeleteRoomSection room={data} />}
        </div>
      </div>
    </>
  );
}
