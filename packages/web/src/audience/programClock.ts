import type { PlaybackClock } from '@amphi/client';

/**
 * The program's clock: the wall-clock time (ms since epoch) at which the picture shown now
 * was captured, or null while unknown. The interaction panel (chat, Q&A, polls) releases
 * events stamped with their media time only once the player reaches that time (see
 * `playbackClock`), so an HLS viewer a few seconds behind sees the poll when the teacher's
 * voice announces it.
 *
 * - HLS: `hls.playingDate` (from the playlist's EXT-X-PROGRAM-DATE-TIME), or Safari's
 *   `video.getStartDate()` plus the position for native HLS;
 * - WebRTC: now (sub-second behind; close enough for events).
 */
export interface ProgramClock {
  now(): number | null;
}

/** WebRTC plays the program as it happens. */
export const liveProgramClock: ProgramClock = { now: () => Date.now() };

/**
 * The interaction layer's playback clock for the player in use (`client.interaction
 * .setPlaybackClock`): events' media time is the server's wall clock when they happened, the
 * same clock the HLS program dates are stamped with. Null while live (WebRTC, sub-second
 * behind) or without a player: events show on arrival.
 */
export function playbackClock(clock: ProgramClock | null): PlaybackClock | null {
  if (clock === null || clock === liveProgramClock) return null;
  return () => clock.now();
}
