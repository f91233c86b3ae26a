/**
 * Seconds of media in fragmented MP4 bytes (init segment first), read with the server's own
 * parser: how the ladder benchmarks tell whether ffmpeg kept up with real time.
 */
import { Fmp4Parser } from '../../packages/server/src/broadcast/index.js';

/** Counts the media seconds of the fragments pushed into it. */
export class MediaClock {
  readonly #parser = new Fmp4Parser();
  seconds = 0;

  push(bytes: Uint8Array): void {
    for (const event of this.#parser.push(bytes)) if (event.type === 'fragment') this.seconds += event.fragment.duration;
  }
}

/** Media seconds in a whole fMP4 file's bytes. */
export function mediaSeconds(bytes: Uint8Array): number {
  const clock = new MediaClock();
  clock.push(bytes);
  return clock.seconds;
}
