import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Action } from '@amphi/protocol';

export interface RoomModerationActions {
  /** Resolves once the server muted everyone (but the moderators). */
  muteAll(): Promise<void>;
  lock(locked: boolean): void;
}

/** For moderators, what acts on the whole room: mute everyone, lock or unlock the room. */
export function RoomModeration({ allowed, locked, actions }: { allowed: ReadonlySet<Action>; locked: boolean; actions: RoomModerationActions }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) return;
    const timer = setTimeout(() => setDone(false), 5000);
    return () => clearTimeout(timer);
  }, [done]);
  const muteAll = () => {
    setDone(false);
    actions.muteAll().then(
      () => setDone(true),
      () => undefined,
    );
  };
  return (
    <section className="card" aria-labelledby="room-moderation-heading">
      <h2 id="room-moderation-heading">{t('room.moderationTitle')}</h2>
      <div className="actions">
        {allowed.has('media.moderate') && (
          <button type="button" className="secondary" onClick={muteAll}>
            {t('media.muteEveryone')}
          </button>
        )}
        {allowed.has('session.lock') && (
          <button type="button" className="secondary" onClick={() => actions.lock(!locked)}>
            {locked ? t('room.unlockRoom') : t('room.lockRoom')}
          </button>
        )}
      </div>
      {allowed.has('session.lock') && <p className="hint">{locked ? t('room.lockedHint') : t('room.unlockedHint')}</p>}
      <p role="status" className={done ? 'status' : undefined}>
        {done ? t('media.everyoneMuted') : null}
      </p>
    </section>
  );
}
