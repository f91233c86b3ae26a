/** The kind of a fatal hls.js error (its `ErrorTypes`, reduced to what recovery tells apart). */
export type FatalKind = 'network' | 'manifest' | 'media' | 'other';

export type RecoveryStep =
  /** `hls.recoverMediaError()` (detach and re-attach the media source). */
  | { action: 'recoverMedia' }
  /** The same media error again soon: `hls.swapAudioCodec()` then `hls.recoverMediaError()`. */
  | { action: 'swapAudioCodec' }
  /** `hls.startLoad()` after the delay: segments or a media playlist failed to load. */
  | { action: 'startLoad'; delayMs: number }
  /** A new hls.js instance after the delay: the master playlist failed, or an unknown error. */
  | { action: 'reload'; delayMs: number }
  /** Nothing more to try: the player offers "Try again". */
  | { action: 'giveUp' };

/** Two media errors within this time (ms) mean the first recovery did not help. */
export const MEDIA_ERROR_WINDOW_MS = 3000;
/** Waits between network retries (ms), doubling up to the last. */
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
/** Reloads without playback in between before giving up on a broken program. */
export const MAX_RELOADS = 5;

/**
 * What to do about each fatal hls.js error, as hls.js recommends: media errors are
 * recovered in place (then with the audio codec swapped), network errors are retried with a
 * growing delay — a live program comes back after a network drop, so they never give up —
 * and anything else rebuilds the player a few times. Playing again resets everything.
 */
export class HlsRecovery {
  readonly #now: () => number;
  #lastMediaError = -Infinity;
  #swapped = false;
  #networkRetries = 0;
  #reloads = 0;

  constructor(now: () => number = () => Date.now()) {
    this.#now = now;
  }

  onFatal(kind: FatalKind): RecoveryStep {
    switch (kind) {
      case 'media': {
        const now = this.#now();
        const again = now - this.#lastMediaError < MEDIA_ERROR_WINDOW_MS;
        this.#lastMediaError = now;
        if (!again) return { action: 'recoverMedia' };
        if (!this.#swapped) {
          this.#swapped = true;
          return { action: 'swapAudioCodec' };
        }
        return this.#reload();
      }
      case 'network':
        return { action: 'startLoad', delayMs: this.#networkDelay() };
      case 'manifest':
        return { action: 'reload', delayMs: this.#networkDelay() };
      case 'other':
        return this.#reload();
    }
  }

  /** Playback is running again: the next error starts from scratch. */
  onPlaying(): void {
    this.#lastMediaError = -Infinity;
    this.#swapped = false;
    this.#networkRetries = 0;
    this.#reloads = 0;
  }

  #networkDelay(): number {
    const delay = RETRY_DELAYS_MS[Math.min(this.#networkRetries, RETRY_DELAYS_MS.length - 1)]!;
    this.#networkRetries++;
    return delay;
  }

  #reload(): RecoveryStep {
    if (this.#reloads >= MAX_RELOADS) return { action: 'giveUp' };
    this.#reloads++;
    return { action: 'reload', delayMs: RETRY_DELAYS_MS[Math.min(this.#reloads - 1, RETRY_DELAYS_MS.length - 1)]! };
  }
}

/** Sorts an hls.js error into a FatalKind from its `type` and `details` strings. */
export function fatalKindOf(type: string, details: string): FatalKind {
  if (type === 'mediaError') return 'media';
  if (type === 'networkError') return details.startsWith('manifest') ? 'manifest' : 'network';
  return 'other';
}
