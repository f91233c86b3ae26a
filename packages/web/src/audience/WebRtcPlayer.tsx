import { useEffect, useRef } from 'react';
import type { RoomClient } from '@amphi/client';
import { iceGathered } from '@amphi/client/media';
import { errorCodeOf } from '../api.js';
import { PlayerSurface } from './PlayerSurface.js';
import { noFramesYet, type FallbackReason } from './playerTier.js';
import { liveProgramClock, type ProgramClock } from './programClock.js';

interface Props {
  client: RoomClient;
  /** Called once when this tier gives up: the audience player switches to HLS. */
  onFallback: (reason: FallbackReason) => void;
  /** Receives the program clock while this player plays (null once it stops). */
  onClock?: (clock: ProgramClock | null) => void;
}

/** How long to wait for ICE gathering before answering with what was gathered (ms), as MediaSession does. */
const ICE_GATHERING_TIMEOUT_MS = 2000;

const gathered = (pc: RTCPeerConnection) => iceGathered(pc, ICE_GATHERING_TIMEOUT_MS);

async function framesDecoded(pc: RTCPeerConnection): Promise<number> {
  let frames = 0;
  const stats = await pc.getStats();
  stats.forEach((report: { type?: string; kind?: string; framesDecoded?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
  });
  return frames;
}

const reasonOf = (err: unknown): FallbackReason => (errorCodeOf(err) === 'AUDIENCE_FULL' ? 'full' : 'failed');

/**
 * The sub-second player: one receive-only peer connection to the server's program (the
 * server offers, we answer without trickle, like the stage's MediaSession). Gives up — and
 * the audience player falls back to HLS — when the audience is full, the request or the
 * connection fails, or no frame arrives within NO_FRAMES_TIMEOUT_MS. Leaves the audience
 * when unmounted.
 */
export function WebRtcPlayer({ client, onFallback, onClock }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const listeners = useRef({ onFallback, onClock });
  useEffect(() => {
    listeners.current = { onFallback, onClock };
  });

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    let closed = false;
    let gaveUp = false;
    const giveUp = (reason: FallbackReason) => {
      if (closed || gaveUp) return;
      gaveUp = true;
      listeners.current.onFallback(reason);
    };

    const pc = new RTCPeerConnection({ iceServers: client.iceServers, bundlePolicy: 'max-bundle' });
    const stream = new MediaStream();
    pc.ontrack = ({ track }) => {
      stream.addTrack(track);
      element.srcObject = stream;
    };
    pc.onconnectionstatechange = () => {
      // "disconnected" may come back by itself; "failed" does not.
      if (pc.connectionState === 'failed') giveUp('failed');
    };
    // Offers are answered one at a time (a renegotiation may follow the first).
    let answering = Promise.resolve();
    const answer = async (sdp: string) => {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      if (closed) return;
      await client.answerAudience(pc.localDescription!.sdp);
    };
    // Listen before asking: the offer may arrive before the request's acknowledgement.
    const offOffer = client.on('audienceOffer', (sdp) => {
      answering = answering.then(() => answer(sdp)).catch((err: unknown) => giveUp(reasonOf(err)));
    });
    // Asked a tick later: StrictMode's immediate unmount and remount (and any quick remount)
    // then sends one watch, not watch, leave, watch.
    let watching = false;
    const watch = setTimeout(() => {
      watching = true;
      client.watchAudience().catch((err: unknown) => giveUp(reasonOf(err)));
    }, 0);

    const since = Date.now();
    const poll = setInterval(() => {
      framesDecoded(pc).then(
        (frames) => {
          if (frames > 0) clearInterval(poll);
          else if (noFramesYet({ since, now: Date.now(), framesDecoded: frames })) giveUp('noFrames');
        },
        () => undefined,
      );
    }, 1000);
    listeners.current.onClock?.(liveProgramClock);

    return () => {
      closed = true;
      clearTimeout(watch);
      offOffer();
      clearInterval(poll);
      pc.close();
      element.srcObject = null;
      if (watching) client.leaveAudience().catch(() => undefined);
      listeners.current.onClock?.(null);
    };
  }, [client]);

  return <PlayerSurface tier="webrtc" video={video} />;
}
