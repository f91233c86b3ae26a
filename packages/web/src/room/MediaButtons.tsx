import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Action, Participant } from '@amphi/protocol';
import type { MediaActions } from './mediaActions.js';
import { mediaErrorMessage } from './mediaErrors.js';
import { useSpeakingWhileMuted } from './useSpeakingWhileMuted.js';

interface Props {
  you: Participant;
  allowed: ReadonlySet<Action>;
  media: MediaActions;
  /** One's microphone track, if started (listened to for "you are muted"). */
  micTrack: MediaStreamTrack | undefined;
  /** Whether one shares a screen now (as the browser knows it). */
  sharing: boolean;
}

type Source = 'mic' | 'camera' | 'screen';

const canShareScreen = () => typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';

/**
 * Microphone, camera and screen-share buttons. A button one may not use stays focusable
 * (aria-disabled) with the reason beside it; a refusal or a device problem is shown as an
 * alert. While muted, speaking into the microphone shows "You are muted".
 */
export function MediaButtons({ you, allowed, media, micTrack, sharing }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const speakingMuted = useSpeakingWhileMuted(micTrack, !you.mic);

  const [busy, setBusy] = useState<ReadonlySet<Source>>(new Set());
  const run = (which: Source, action: () => Promise<void>) => {
    if (busy.has(which)) return;
    const change = (on: boolean) => setBusy((current) => new Set([...current].filter((s) => s !== which).concat(on ? [which] : [])));
    change(true);
    setError(null);
    action()
      .catch((err: unknown) => setError(mediaErrorMessage(err, t, { screen: which === 'screen' })))
      .finally(() => change(false));
  };

  // Turning off is always possible; turning on needs the permission (and an unlocked microphone).
  const micReason = you.mic ? null : you.micLocked ? t('media.micLocked') : allowed.has('media.unmute') ? null : t('media.micNotAllowed');
  const camReason = you.cam || allowed.has('media.camera') ? null : t('media.camNotAllowed');
  const showScreen = sharing || you.screen || (allowed.has('media.shareScreen') && canShareScreen());
  const screenOn = sharing || you.screen;

  return (
    <>
      <div className="actions media-buttons">
        <button
          type="button"
          className="secondary"
          aria-disabled={micReason !== null || busy.has('mic') || undefined}
          aria-describedby={micReason ? `${id}-mic` : undefined}
          onClick={() => micReason === null && run('mic', () => media.setMic(!you.mic))}
        >
          {you.mic ? t('media.mute') : t('media.unmute')}
        </button>
        <button
          type="button"
          className="secondary"
          aria-disabled={camReason !== null || busy.has('camera') || undefined}
          aria-describedby={camReason ? `${id}-cam` : undefined}
          onClick={() => camReason === null && run('camera', () => media.setCamera(!you.cam))}
        >
          {you.cam ? t('room.camTurnOff') : t('room.camTurnOn')}
        </button>
        {showScreen && (
          <button type="button" className="secondary" aria-disabled={busy.has('screen') || undefined} onClick={() => run('screen', () => (screenOn ? media.stopScreen() : media.shareScreen()))}>
            {screenOn ? t('media.stopSharing') : t('media.shareScreen')}
          </button>
        )}
      </div>
      {micReason && (
        <p className="hint" id={`${id}-mic`}>
          {micReason}
        </p>
      )}
      {camReason && (
        <p className="hint" id={`${id}-cam`}>
          {camReason}
        </p>
      )}
      <p role="status" className={speakingMuted ? 'notice' : undefined}>
        {speakingMuted ? t('media.youAreMuted') : null}
      </p>
      <div role="alert" className={error ? 'alert alert-error' : undefined}>
        {error}
      </div>
    </>
  );
}
