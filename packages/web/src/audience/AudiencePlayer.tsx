import { useEffect, useReducer } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomClient } from '@amphi/client';
import type { BroadcastInfo } from '@amphi/protocol';
import { HlsPlayer } from './HlsPlayer.js';
import { initialTier, nextTier, type FallbackReason } from './playerTier.js';
import type { ProgramClock } from './programClock.js';
import { WebRtcPlayer } from './WebRtcPlayer.js';

interface Props {
  client: RoomClient;
  /** The live broadcast (state `live`). */
  broadcast: BroadcastInfo;
  /** Receives the clock of the player in use, for events released at media time (see ProgramClock). */
  onClock?: (clock: ProgramClock | null) => void;
}

/**
 * Plays the live program: WebRTC first when the server feeds that tier, HLS otherwise or
 * once WebRTC gave up (full, failed, no picture), until the next broadcast. Says which one
 * plays, as text in the control bar.
 */
export function AudiencePlayer({ client, broadcast, onClock }: Props) {
  const { t } = useTranslation();
  const { webrtc, hls, startedAt } = broadcast;
  const [state, dispatch] = useReducer(nextTier, { webrtc, hls, startedAt }, initialTier);
  useEffect(() => {
    dispatch({ type: 'program', program: { webrtc, hls, startedAt } });
  }, [webrtc, hls, startedAt]);
  const fallBack = (reason: FallbackReason) => dispatch({ type: 'webrtcFailed', reason });

  if (state.tier === 'webrtc') return <WebRtcPlayer key={`webrtc-${startedAt ?? ''}`} client={client} onFallback={fallBack} onClock={onClock} />;
  if (state.tier === 'hls' && hls !== null) {
    const notice = state.fallback === 'full' ? t('errors.AUDIENCE_FULL') : state.fallback ? t('audience.webrtcFailed') : null;
    return <HlsPlayer src={hls} notice={notice} onClock={onClock} />;
  }
  return (
    <p role="status" className="status player-starting">
      {t('audience.starting')}
    </p>
  );
}
