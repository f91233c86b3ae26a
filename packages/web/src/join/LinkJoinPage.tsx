import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { ErrorCode } from '@amphi/protocol';
import { api } from '../api.js';
import { useAuth } from '../auth/AuthContext.js';
import { RoomSession } from '../room/RoomSession.js';
import { useLoad } from '../ui/useLoad.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { PreJoin } from './PreJoin.js';
import { useJoin } from './useJoin.js';

/** A link that cannot be used (revoked, expired, invalid, guests not allowed…), explained. */
function JoinErrorPage({ code, token }: { code: ErrorCode; token: string }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  usePageTitle(t('join.cannotJoinTitle'));
  return (
    <section className="card narrow">
      <h1>{t('join.cannotJoinTitle')}</h1>
      <p className="error-text">{t(`errors.${code}`)}</p>
      {code === 'GUESTS_NOT_ALLOWED' && !user ? (
        <p>
          <Link to={`/signin?next=${encodeURIComponent(`/j/${token}`)}`}>{t('join.signInInstead')}</Link>
        </p>
      ) : (
        <p>{t('join.askForNewLink')}</p>
      )}
    </section>
  );
}

/** `/j/:token`: the pre-join page of a join link, then the room. */
export function LinkJoinPage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const { user } = useAuth();
  // Signing in changes the role the link gives: load the preview again then.
  const [preview] = useLoad(() => api.joinPreview(token), `${token}|${user?.id ?? ''}`);
  const { client, resuming, join, reset } = useJoin(token);

  if (client) return <RoomSession key={client.participantId} client={client} onRejoin={reset} />;
  if (resuming) return <p role="status">{t('app.loading')}</p>;
  if (preview.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (preview.status === 'error') return <JoinErrorPage code={preview.code} token={token} />;
  const { room, role, needsName, lobby, liveCount } = preview.data;
  return (
    <PreJoin
      title={room.title}
      kind={room.kind}
      role={role}
      needsName={needsName}
      lobby={lobby}
      liveCount={liveCount}
      onJoin={(displayName) => join({ token, ...(displayName !== undefined ? { displayName } : {}) })}
    />
  );
}
