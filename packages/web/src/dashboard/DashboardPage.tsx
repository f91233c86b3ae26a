import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Room } from '@amphi/protocol';
import { api } from '../api.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { useLoad } from '../ui/useLoad.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { useVisibleInterval } from '../ui/useVisibleInterval.js';

/** How often the live counts are refreshed while the page is visible, in milliseconds. */
const REFRESH_MS = 15_000;

function RoomRow({ room }: { room: Room }) {
  const { t } = useTranslation();
  return (
    <li className="room-row">
      <div>
        <h2 className="room-title">{room.title}</h2>
        <p className="meta">
          <span className="badge">{t(`kinds.${room.kind}`)}</span>{' '}
          {room.liveCount > 0 ? <strong className="live">{t('dashboard.live', { count: room.liveCount })}</strong> : <span>{t('dashboard.notLive')}</span>}
        </p>
      </div>
      <div className="actions">
        <Link className="button" to={`/rooms/${room.id}`} aria-label={t('dashboard.enter', { title: room.title })}>
          {t('dashboard.enterShort')}
        </Link>
        <Link className="button secondary" to={`/rooms/${room.id}/edit`} aria-label={t('dashboard.edit', { title: room.title })}>
          {t('dashboard.editShort')}
        </Link>
      </div>
    </li>
  );
}

/** The rooms I own or co-host, with their live counts kept fresh. */
export function DashboardPage() {
  const { t } = useTranslation();
  const [rooms, , reload] = useLoad(() => api.listRooms(), 'rooms');
  // A quiet background reload: the list stays in place and nothing is announced.
  useVisibleInterval(reload, REFRESH_MS);
  usePageTitle(t('dashboard.title'));
  return (
    <section>
      <div className="page-head">
        <h1>{t('dashboard.title')}</h1>
        <Link className="button" to="/rooms/new">
          {t('dashboard.create')}
        </Link>
      </div>
      {rooms.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {rooms.status === 'error' && <ErrorAlert code={rooms.code} />}
      {rooms.status === 'ready' &&
        (rooms.data.length === 0 ? (
          <p>{t('dashboard.empty')}</p>
        ) : (
          <ul className="room-list">
            {rooms.data.map((room) => (
              <RoomRow key={room.id} room={room} />
            ))}
          </ul>
        ))}
    </section>
  );
}
