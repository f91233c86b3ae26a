import { useTranslation } from 'react-i18next';
import type { Action, Participant } from '@amphi/protocol';
import { ConfirmButton } from '../ui/ConfirmButton.js';
import { MediaButtons } from './MediaButtons.js';
import type { MediaActions } from './mediaActions.js';

export interface OwnActions {
  toggleHand(): void;
  leave(): void;
  endSession(): void;
}

interface Props {
  you: Participant;
  allowed: ReadonlySet<Action>;
  actions: OwnActions;
  /** Null for a lecture's viewers, who send nothing (no microphone, camera or screen buttons). */
  media: MediaActions | null;
  /** One's microphone track, if started. */
  micTrack: MediaStreamTrack | undefined;
  /** Whether one shares a screen now. */
  sharing: boolean;
}

/** One's own controls: hand, microphone, camera, screen (unless one sends nothing), leave, end for all. */
export function OwnControls({ you, allowed, actions, media, micTrack, sharing }: Props) {
  const { t } = useTranslation();
  return (
    <section className="card controls" aria-labelledby="controls-heading">
      <h2 id="controls-heading">{t('room.yourControls')}</h2>
      {media && <MediaButtons you={you} allowed={allowed} media={media} micTrack={micTrack} sharing={sharing} />}
      <div className="actions">
        <button type="button" disabled={!you.handRaised && !allowed.has('hand.raise')} onClick={actions.toggleHand}>
          {you.handRaised ? t('room.lowerHand') : t('room.raiseHand')}
        </button>
        <button type="button" className="secondary" onClick={actions.leave}>
          {t('room.leave')}
        </button>
      </div>
      {allowed.has('session.end') && (
        <ConfirmButton label={t('room.endSession')} question={t('room.endConfirm')} confirmLabel={t('room.endForEveryone')} onConfirm={actions.endSession} />
      )}
    </section>
  );
}
