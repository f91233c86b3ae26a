import { AmphiError, REACTIONS, type Reaction } from '@amphi/protocol';
import { REACTION_RATE, RateLimiter, type RateLimit } from './RateLimiter.js';

/**
 * The fixed set of reactions, by name: declared once in @amphi/protocol (the wire's `Reaction`
 * enum). The server deals in names only; how each is drawn is the web's concern
 * (packages/web/src/reactions/reactionFloats.ts).
 */
export { REACTIONS, type Reaction };

const NAMES: ReadonlySet<string> = new Set(REACTIONS);

export function isReaction(value: unknown): value is Reaction {
  return typeof value === 'string' && NAMES.has(value);
}

/** How many of each reaction arrived during one window [from, to) (kinds with none are omitted). */
export interface ReactionTally {
  /** Window start, ms since epoch. */
  readonly from: number;
  /** Window end, ms since epoch. */
  readonly to: number;
  readonly counts: Readonly<Partial<Record<Reaction, number>>>;
  readonly total: number;
}

export type ReactResult = { readonly accepted: true } | { readonly accepted: false; readonly retryAfterMs: number };

export interface ReactionsOptions {
  /** Milliseconds since epoch (injected so tests control time). */
  now?: () => number;
  /** Per-person limit (default REACTION_RATE: a burst of 10, then 2/s). */
  rate?: RateLimit;
}

/**
 * Reactions of a live session, counted rather than relayed: a room of 10,000 that applauds
 * sends one tally per window (the caller calls `flush()` every second, say) instead of one
 * message per clap. Reactions are ephemeral — shown briefly, not written to the event log, not
 * replayed on reconnect.
 *
 * Over-limit reactions are dropped with a `retryAfterMs` (no error: a reaction is not worth
 * one). Several instances each count their own sockets' reactions and publish their tallies;
 * `mergeTallies` adds them up.
 */
export class Reactions {
  readonly #now: () => number;
  readonly #limiter: RateLimiter;
  #from: number;
  #counts: Partial<Record<Reaction, number>> = {};
  #total = 0;

  constructor(options: ReactionsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#limiter = new RateLimiter({ ...(options.rate ?? REACTION_RATE), now: this.#now });
    this.#from = this.#now();
  }

  /** Counts a reaction of this person. Throws VALIDATION_FAILED for a name outside the set. */
  react(participantId: string, reaction: unknown): ReactResult {
    if (!isReaction(reaction)) throw new AmphiError('VALIDATION_FAILED', 'Unknown reaction.');
    const taken = this.#limiter.take(participantId);
    if (!taken.ok) return { accepted: false, retryAfterMs: taken.retryAfterMs };
    this.#counts[reaction] = (this.#counts[reaction] ?? 0) + 1;
    this.#total += 1;
    return { accepted: true };
  }

  /** Reactions not yet flushed. */
  get pending(): number {
    return this.#total;
  }

  /** Closes the current window: its tally, or null when nobody reacted (nothing to send). */
  flush(): ReactionTally | null {
    const to = this.#now();
    const tally: ReactionTally = { from: this.#from, to, counts: this.#counts, total: this.#total };
    this.#from = to;
    this.#counts = {};
    this.#total = 0;
    return tally.total === 0 ? null : tally;
  }
}

/** The sum of tallies of the same period (one per instance); null when there are none. */
export function mergeTallies(tallies: readonly (ReactionTally | null)[]): ReactionTally | null {
  const present = tallies.filter((t): t is ReactionTally => t !== null);
  if (present.length === 0) return null;
  const counts: Partial<Record<Reaction, number>> = {};
  let total = 0;
  for (const tally of present) {
    for (const reaction of REACTIONS) {
      const n = tally.counts[reaction];
      if (n) counts[reaction] = (counts[reaction] ?? 0) + n;
    }
    total += tally.total;
  }
  return { from: Math.min(...present.map((t) => t.from)), to: Math.max(...present.map((t) => t.to)), counts, total };
}
