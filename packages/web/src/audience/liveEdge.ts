/** Behind the live edge by more than this (seconds), the player offers "Back to live". */
export const BACK_TO_LIVE_SHOW_S = 3;
/**
 * Once shown, the button stays until the player is this close again (seconds): the distance
 * wobbles by a fraction of a second with each part, and a button that flickers is unusable.
 */
export const BACK_TO_LIVE_HIDE_S = 2;
/**
 * How far behind the edge "live" is, as the player is configured (`liveSyncDuration`, seconds):
 * the playlists' PART-HOLD-BACK (three parts of 1/3 s; a passthrough rung's parts are a frame longer).
 */
export const LIVE_SYNC_S = 1.1;

/** hls.js settings of the player (HlsPlayer.tsx), shared with `npm run bench -- broadcast`. */
export const HLS_PLAYER_CONFIG = {
  lowLatencyMode: true,
  // Three parts behind the edge (the playlists' PART-HOLD-BACK): the broadcast benchmark measured
  // ~1.9 s glass to glass from an OBS-like encoder (2.2 s with 1.5 s here).
  liveSyncDuration: LIVE_SYNC_S,
  liveMaxLatencyDuration: 5,
  maxLiveSyncPlaybackRate: 1.5,
  // A live program needs little behind the play head; keeps memory flat over a long lecture.
  backBufferLength: 30,
  // The CSP allows no blob: workers, and fMP4 segments need no transmuxing: stay on the main thread.
  enableWorker: false,
} as const;

/**
 * How many seconds the picture is behind the live edge, or null when unknown.
 *
 * @param latency hls.js's estimate (`hls.latency`, seconds; 0 or not finite when it has none)
 * @param currentTime the media element's position (seconds)
 * @param seekableEnd the end of the last seekable range (native HLS), null when none
 */
export function secondsBehindLive({ latency, currentTime, seekableEnd }: { latency: number | null; currentTime: number; seekableEnd: number | null }): number | null {
  if (latency !== null && Number.isFinite(latency) && latency > 0) return latency;
  if (seekableEnd !== null && Number.isFinite(seekableEnd)) return Math.max(0, seekableEnd - currentTime);
  return null;
}

/** Whether "Back to live" shows now, given whether it showed before (with hysteresis). */
export function backToLiveVisible(wasVisible: boolean, behind: number | null): boolean {
  if (behind === null) return false;
  return wasVisible ? behind > BACK_TO_LIVE_HIDE_S : behind > BACK_TO_LIVE_SHOW_S;
}

/**
 * Where "Back to live" seeks: hls.js's live sync position when it has one, else the end of
 * the seekable range minus the usual live distance; null when there is no live edge yet.
 */
export function liveSeekTarget({ liveSyncPosition, seekableEnd }: { liveSyncPosition: number | null; seekableEnd: number | null }): number | null {
  if (liveSyncPosition !== null && Number.isFinite(liveSyncPosition)) return liveSyncPosition;
  if (seekableEnd !== null && Number.isFinite(seekableEnd)) return Math.max(0, seekableEnd - LIVE_SYNC_S);
  return null;
}
