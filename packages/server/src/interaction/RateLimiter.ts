import { AmphiError } from '@amphi/protocol';

/** How a bucket fills: `capacity` tokens at most (the burst), refilled at `refillPerSecond`. */
export interface RateLimit {
  /** Largest burst: how many actions a rested person may do at once. */
  readonly capacity: number;
  /** Tokens added per second (a fraction is fine: 0.5 = one action every 2 s). */
  readonly refillPerSecond: number;
}

/** Chat: a burst of 5 messages, then one per second (5 messages in 5 s, sustained 1/s). */
export const CHAT_RATE: RateLimit = Object.freeze({ capacity: 5, refillPerSecond: 1 });
/** Reactions: a burst of 10, then 2 per second; beyond that they are dropped, not queued. */
export const REACTION_RATE: RateLimit = Object.freeze({ capacity: 10, refillPerSecond: 2 });
/** Poll votes and Q&A upvotes (changing one's mind included): a burst of 10, then 2 per second. */
export const VOTE_RATE: RateLimit = Object.freeze({ capacity: 10, refillPerSecond: 2 });
/** Asking or rewording a question: a burst of 5, then one every 5 s. */
export const QUESTION_RATE: RateLimit = Object.freeze({ capacity: 5, refillPerSecond: 0.2 });

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface RateLimiterOptions extends RateLimit {
  /** Milliseconds since epoch (injected so tests control time). */
  now?: () => number;
  /** Prune rested buckets when more than this many keys are tracked (default 10,000). */
  pruneAbove?: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last computed (ms). */
  at: number;
}

/**
 * Per-key token buckets (a key is usually a participant id). `take` never throws and never
 * waits: it answers "yes" or "retry after N ms", so callers degrade gracefully — chat tells
 * the sender when to try again, reactions are silently dropped.
 *
 * Memory stays bounded: a bucket that has refilled to capacity is the same as no bucket, so
 * such buckets are forgotten when the map grows (a room of 10,000 viewers who reacted once
 * does not keep 10,000 buckets forever).
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #pruneAbove: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError('a rate limit needs capacity >= 1 and refillPerSecond > 0');
    }
    this.#capacity = options.capacity;
    this.#perMs = options.refillPerSecond / 1000;
    this.#now = options.now ?? Date.now;
    this.#pruneAbove = options.pruneAbove ?? 10_000;
  }

  /** Spends `cost` tokens of `key` if it has them; otherwise says how long until it will. */
  take(key: string, cost = 1): TakeResult {
    if (cost > this.#capacity) throw new RangeError(`cost ${cost} exceeds the capacity ${this.#capacity}`);
    const now = this.#now();
    const bucket = this.#refilled(key, now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      this.#buckets.set(key, bucket);
      if (this.#buckets.size > this.#pruneAbove) this.#prune(now);
      return { ok: true };
    }
    // Round up: retrying after exactly this delay succeeds.
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil((cost - bucket.tokens) / this.#perMs)) };
  }

  /** Like `take`, but throws `RateLimitedError` (code RATE_LIMITED) when refused. */
  consume(key: string, cost = 1): void {
    const result = this.take(key, cost);
    if (!result.ok) throw new RateLimitedError(result.retryAfterMs);
  }

  /** Tokens `key` has now (capacity for an unknown key). */
  available(key: string): number {
    return this.#refilled(key, this.#now()).tokens;
  }

  /** Number of keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  #refilled(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key);
    if (!bucket) return { tokens: this.#capacity, at: now };
    // A clock that steps backwards must not mint tokens nor take them away.
    const elapsed = Math.max(0, now - bucket.at);
    return { tokens: Math.min(this.#capacity, bucket.tokens + elapsed * this.#perMs), at: Math.max(now, bucket.at) };
  }

  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }
}

/** A refused action, with the delay after which the same action would be accepted. */
export class RateLimitedError extends AmphiError {
  /** Milliseconds to wait before retrying. */
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED', `Too many requests; try again in ${Math.ceil(retryAfterMs / 1000)} s.`);
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}
