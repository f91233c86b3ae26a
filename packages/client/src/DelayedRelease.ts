/**
 * Media-time release: a viewer who watches behind the live edge (HLS, several seconds late)
 * sees each event when their own playback reaches the media time at which it happened — the
 * poll opens when the teacher's voice says so, not 3 s before.
 *
 * Pure and dependency-free on purpose: the same code runs in the browser (packages/client),
 * fed with the player's program time (HLS EXT-X-PROGRAM-DATE-TIME mapped to the live
 * session's media clock).
 *
 * Order is never changed: an event waits until every earlier held event is released, so an
 * event without media time (null: no media clock was running) behind a held one waits too.
 * Release is presentation only: the position a client resumes from (`since`) is the last
 * event it received, not the last it released.
 */

/** The part of an event the release needs (an `InteractionEvent` fits). */
export interface Timed {
  readonly seq: number;
  readonly mediaTime: number | null;
}

/** Whether an event is due at this playback position. */
export function isDue(event: Timed, playbackMediaTime: number | null): boolean {
  return event.mediaTime === null || (playbackMediaTime !== null && event.mediaTime <= playbackMediaTime);
}

/**
 * Splits events (in seq order) into those due at `playbackMediaTime` and those held back: the
 * longest due prefix is released, the rest keeps its order.
 */
export function releaseAt<E extends Timed>(events: readonly E[], playbackMediaTime: number | null): { released: E[]; held: E[] } {
  let i = 0;
  while (i < events.length && isDue(events[i]!, playbackMediaTime)) i += 1;
  return { released: events.slice(0, i), held: events.slice(i) };
}

export interface DelayedReleaseOptions<E extends Timed> {
  /**
   * Which events follow the video (default: all). Others are released on arrival, in their
   * own order — e.g. a viewer's own chat messages, or all chat if the room prefers it live.
   */
  synced?: (event: E) => boolean;
}

/** A viewer's queue of received events, released as their playback advances. */
export class DelayedRelease<E extends Timed> {
  readonly #synced: (event: E) => boolean;
  #held: E[] = [];
  #playback: number | null = null;
  #lastSeq = -Infinity;

  constructor(options: DelayedReleaseOptions<E> = {}) {
    this.#synced = options.synced ?? (() => true);
  }

  /** Events received from the server (in seq order); returns those already due. */
  push(events: readonly E[]): E[] {
    const released: E[] = [];
    for (const event of events) {
      // A resume can overlap what was already received: keep each seq once.
      if (event.seq <= this.#lastSeq) continue;
      this.#lastSeq = event.seq;
      if (!this.#synced(event)) released.push(event);
      else this.#held.push(event);
    }
    return released.concat(this.#release());
  }

  /**
   * The viewer's playback reached `playbackMediaTime` (ms of the live session's media clock);
   * returns the events now due. A position that moves backwards (seeking) releases nothing
   * new and takes nothing back.
   */
  advance(playbackMediaTime: number): E[] {
    if (this.#playback === null || playbackMediaTime > this.#playback) this.#playback = playbackMediaTime;
    return this.#release();
  }

  /** Releases everything held (the viewer jumped to the live edge or left delayed playback). */
  flush(): E[] {
    const all = this.#held;
    this.#held = [];
    return all;
  }

  /** Media time at which the next held event is due (null: nothing held), to schedule a timer. */
  get nextDueAt(): number | null {
    return this.#held[0]?.mediaTime ?? null;
  }

  /** Number of events held back. */
  get held(): number {
    return this.#held.length;
  }

  /** Playback position last reported (null before the player reports one: synced events wait). */
  get playback(): number | null {
    return this.#playback;
  }

  #release(): E[] {
    const { released, held } = releaseAt(this.#held, this.#playback);
    this.#held = held;
    return released;
  }
}
