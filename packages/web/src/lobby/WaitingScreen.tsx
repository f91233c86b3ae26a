import { useTranslation } from 'react-i18next';
import { FocusHeading } from '../room/FocusHeading.js';

/** Before one is in: waiting for a moderator to start, or held in the lobby. */
export function WaitingScreen({ kind, roomTitle, onLeave }: { kind: 'waiting' | 'lobby'; roomTitle: string | undefined; onLeave: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="card narrow waiting">
      <FocusHeading>{kind === 'lobby' ? t('room.lobbyTitle') : t('room.waitingTitle')}</FocusHeading>
      {roomTitle && <p className="room-subtitle">{roomTitle}</p>}
      <p role="status" className="status">
        {kind === 'lobby' ? t('room.lobbyText') : t('room.waitingText')}
      </p>
      <button type="button" className="secondary" onClick={onLeave}>
        {t('room.leave')}
      </button>
    </section>
  );
}
