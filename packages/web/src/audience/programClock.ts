import { useCallback, useRef } from 'react';

/**
 * The program's clock: the wall-clock time (ms since epoch) at which the picture shown now
 * was captured, or null while unknown. The interaction panel (chat, Q&A, polls — to come)
 * will release events stamped with their media time only once the player reaches that time,
 * so an HLS viewer a few seconds behind sees the poll when the teacher's voice announces it.
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
 * Keeps the clock of whichever player is in use. Pass `onClock` to AudiencePlayer; read
 * `programTime()` when needed (e.g. each animation frame or each event), it never re-renders.
 */
export function useProgramClock(): { programTime: () => number | null; onClock: (clock: ProgramClock | null) => void } {
  const clock = useRef<ProgramClock | null>(null);
  const onClock = useCallback((next: ProgramClock | null) => {
    clock.current = next;
  }, []);
  const programTime = useCallback(() => clock.current?.now() ?? null, []);
  return { programTime, onClock };
}
