import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ClosedReason } from '@amphi/client';
import { useAuth } from '../auth/AuthContext.js';
import { FocusHeading } from './FocusHeading.js';

/** Why one is no longer in the room: left, removed or denied (with the moderator's reason), ended, or an error. */
export function ClosedScreen({ reason, roomTitle, onRejoin }: { reason: ClosedReason | null; roomTitle: string | undefined; onRejoin: (() => void) | undefined }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const kind = reason?.kind ?? 'error';
  const title =
    kind === 'removed' ? t('closed.removedTitle') : kind === 'denied' ? t('closed.deniedTitle') : kind === 'ended' ? t('closed.endedTitle') : kind === 'left' ? t('closed.leftTitle') : t('closed.errorTitle');
  let detail: string | null = null;
  if (reason?.kind === 'removed' || reason?.kind === 'denied') detail = reason.message ? t('closed.removedReason', { reason: reason.message }) : t('closed.noReason');
  else if (reason?.kind === 'ended') detail = t('closed.endedText');
  else if (reason?.kind === 'error') detail = t(`errors.${reason.code}`);
  // Removed and denied people do not get a button to walk straight back in.
  const mayRejoin = onRejoin && kind !== 'removed' && kind !== 'denied';
  return (
    <section className="card narrow closed">
      <FocusHeading>{title}</FocusHeading>
      {roomTitle && <p className="room-subtitle">{roomTitle}</p>}
      {detail && <p className="closed-detail">{detail}</p>}
      <div className="actions">
        {mayRejoin && (
          <button type="button" onClick={onRejoin}>
            {t('closed.rejoin')}
          </button>
        )}
        {user && (
          <Link className="button secondary" to="/">
            {t('closed.home')}
          </Link>
        )}
      </div>
    </section>
  );
}
