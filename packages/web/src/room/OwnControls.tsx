import { useTranslation } from 'react-i18next';
import type { Action, Participant } from '@amphi/protocol';
import { ConfirmButton } from '../ui/ConfirmButton.js';

export interface OwnActions {
  toggleHand(): void;
  setMedia(change: { mic?: boolean; cam?: boolean }): void;
  leave(): void;
  endSession(): void;
}

/** One's own controls: hand, microphone and camera (state placeholders), leave, end for all. */
export function OwnControls({ you, allowed, actions }: { you: Participant; allowed: ReadonlySet<Action>; actions: OwnActions }) {
  const { t } = useTranslation();
  // Turning off is always possible; turning on needs the permission.
  const canUnmute = you.mic || allowed.has('media.unmute');
  const canCam = you.cam || allowed.has('media.camera');
  return (
    <section className="card controls" aria-labelledby="controls-heading">
      <h2 id="controls-heading">{t('room.yourControls')}</h2>
      <div className="actions">
        <button type="button" disabled={!you.handRaised && !allowed.has('hand.raise')} onClick={actions.toggleHand}>
          {you.handRaised ? t('room.lowerHand') : t('room.raiseHand')}
        </button>
        <button type="button" className="secondary" disabled={!canUnmute} onClick={() => actions.setMedia({ mic: !you.mic })}>
          {you.mic ? t('room.micTurnOff') : t('room.micTurnOn')}
        </button>
        <button type="button" className="secondary" disabled={!canCam} onClick={() => actions.setMedia({ cam: !you.cam })}>
          {you.cam ? t('room.camTurnOff') : t('room.camTurnOn')}
        </button>
        <button type="button" className="secondary" onClick={actions.leave}>
          {t('room.leave')}
        </button>
      </div>
      <p className="hint">{t('room.mediaPlaceholder')}</p>
      {allowed.has('session.end') && (
        <ConfirmButton label={t('room.endSession')} question={t('room.endConfirm')} confirmLabel={t('room.endForEveryone')} onConfirm={actions.endSession} />
      )}
    </section>
  );
}
