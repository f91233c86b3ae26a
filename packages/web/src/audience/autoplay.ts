/** The part of a media element that starting playback uses. */
export interface Playable {
  muted: boolean;
  play(): Promise<void>;
}

/**
 * How playback started: with sound; muted because the browser refused sound without a click
 * (the player then shows "Turn on sound"); not at all (the player shows "Play"); or aborted by
 * a new source meanwhile (nothing to show).
 */
export type PlaybackStart = 'playing' | 'muted' | 'blocked' | 'aborted';

function nameOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : '';
}

/**
 * Starts playback as browsers allow it: with sound if permitted, else muted (autoplay
 * policies let muted video play). A person who muted the player stays muted.
 */
export async function startPlayback(media: Playable): Promise<PlaybackStart> {
  try {
    await media.play();
    return 'playing';
  } catch (err) {
    if (nameOf(err) === 'AbortError') return 'aborted';
    if (nameOf(err) !== 'NotAllowedError' || media.muted) return 'blocked';
  }
  media.muted = true;
  try {
    await media.play();
    return 'muted';
  } catch (err) {
    return nameOf(err) === 'AbortError' ? 'aborted' : 'blocked';
  }
}
