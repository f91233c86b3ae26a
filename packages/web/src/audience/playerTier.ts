import type { BroadcastInfo } from '@amphi/protocol';

/** The two ways a viewer receives the program: sub-second WebRTC, or HLS a few seconds behind. */
export type PlayerTier = 'webrtc' | 'hls';

/** Why the low-latency tier was given up for HLS. */
export type FallbackReason =
  /** The server has no room left in the WebRTC audience (AUDIENCE_FULL). */
  | 'full'
  /** The request was refused, or the connection failed. */
  | 'failed'
  /** Connected (or not), but no picture within NO_FRAMES_TIMEOUT_MS. */
  | 'noFrames';

/** How long WebRTC may take to show a first frame before the player falls back to HLS (ms). */
export const NO_FRAMES_TIMEOUT_MS = 8000;

/** What the player needs to know of the broadcast to choose a tier. */
export type Program = Pick<BroadcastInfo, 'webrtc' | 'hls' | 'startedAt'>;

export interface TierState {
  /** The player in use; null while nothing is playable yet (the program is starting). */
  tier: PlayerTier | null;
  /**
   * Set once WebRTC failed during this broadcast: it is not tried again until the next one
   * (a full audience stays full, and flapping between players is worse than a few seconds).
   */
  fallback: FallbackReason | null;
  program: Program;
}

export type TierEvent =
  /** The broadcast changed (session update). */
  | { type: 'program'; program: Program }
  /** The WebRTC player gave up. */
  | { type: 'webrtcFailed'; reason: FallbackReason };

function choose(program: Program, fallback: FallbackReason | null): PlayerTier | null {
  if (program.webrtc && fallback === null) return 'webrtc';
  if (program.hls !== null) return 'hls';
  return null;
}

/** The first choice: WebRTC when the server feeds it, else HLS once its playlist exists. */
export function initialTier(program: Program): TierState {
  return { tier: choose(program, null), fallback: null, program };
}

/**
 * The tier after an event. WebRTC is preferred while available and not failed; a failure
 * falls back to HLS (or to "starting" until HLS is playable). A new broadcast (another
 * `startedAt`) forgets an earlier failure.
 */
export function nextTier(state: TierState, event: TierEvent): TierState {
  switch (event.type) {
    case 'program': {
      const fallback = event.program.startedAt !== state.program.startedAt ? null : state.fallback;
      return { tier: choose(event.program, fallback), fallback, program: event.program };
    }
    case 'webrtcFailed': {
      // A late report from a WebRTC player already replaced changes nothing.
      if (state.tier !== 'webrtc') return state;
      return { tier: choose(state.program, event.reason), fallback: event.reason, program: state.program };
    }
  }
}

/** Whether WebRTC has shown nothing for too long: no frame decoded since it started. */
export function noFramesYet({ since, now, framesDecoded, timeoutMs = NO_FRAMES_TIMEOUT_MS }: { since: number; now: number; framesDecoded: number; timeoutMs?: number }): boolean {
  return framesDecoded === 0 && now - since >= timeoutMs;
}
