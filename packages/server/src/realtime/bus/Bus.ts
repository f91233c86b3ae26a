/**
 * The fan-out bus that Amphi instances share: channels (publish / subscribe) and leases
 * (short-lived keys kept alive by whoever holds them). `MemoryBus` serves one process;
 * `RedisBus` lets several processes with the same Redis and key prefix share rooms.
 *
 * Guarantees (both implementations):
 * - A channel delivers messages in the order they were published through one bus, to every
 *   subscriber of every bus connected to it. Delivery is asynchronous (never inside
 *   `publish`), and at most once: a bus that loses its connection misses what was published
 *   meanwhile, so what needs every message carries sequence numbers and can catch up.
 * - Lease operations are atomic. A key is used with one kind of lease only:
 *   - an exclusive lease (`claim` / `release`): one holder at a time, e.g. a room's leader;
 *   - a shared lease (`hold` / `unhold` / `revoke`): a value kept alive while any of its
 *     holders renews it, e.g. the identity of a room's live session;
 *   - a plain value with an expiry (`put`).
 *   `get` reads the value of any of them. Expiry times use the bus's clock (Redis's own
 *   clock for RedisBus), never the instances' clocks.
 *
 * Lifecycle: `close()` is safe to call twice, stops every delivery and emits `closed` once;
 * calls after it reject with BusClosedError.
 */
export interface Bus {
  /** Publishes a message on a channel (resolves once the bus accepted it). */
  publish(channel: string, message: string): Promise<void>;
  /** Listens to a channel; resolves once the subscription is active (messages published afterwards arrive). */
  subscribe(channel: string, listener: BusListener): Promise<Subscription>;

  /**
   * Takes the exclusive lease `key` for `holder` for ttlMs milliseconds when it is free, or
   * extends it when `holder` already has it. Resolves with whether `holder` has it now.
   */
  claim(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the exclusive lease up if `holder` has it; resolves with whether it did. */
  release(key: string, holder: string): Promise<boolean>;
  /** Stores a plain value that expires after ttlMs milliseconds (replacing any value). */
  put(key: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `key` (a lease's holder, a shared lease's value, a put value), or null. */
  get(key: string): Promise<string | null>;

  /**
   * Joins (or renews) the shared lease `key` as `holder` for ttlMs milliseconds. Without
   * `value`, joins whatever lease is there. With `value`, joins only a lease with that value,
   * and with `create` makes the lease with that value when there is none. Resolves with the
   * lease's value (null: none); `holder` holds it when the lease exists and matched.
   */
  hold(key: string, holder: string, ttlMs: number, options?: { value?: string; create?: boolean }): Promise<string | null>;
  /** Leaves the shared lease; resolves with how many holders remain (0: the lease is gone). */
  unhold(key: string, holder: string): Promise<number>;
  /** Ends the shared lease for every holder if it still has this value; resolves with whether it did. */
  revoke(key: string, value: string): Promise<boolean>;

  /** `closed` once; `error`: trouble the bus survives (a lost connection, which RedisBus re-establishes by itself; a listener that threw). */
  on<K extends keyof BusEvents>(event: K, listener: (...args: BusEvents[K]) => void): () => void;
  readonly isClosed: boolean;
  close(): Promise<void>;
}

/** Receives one message of a channel. A listener that throws does not stop the others (the bus emits `error`). */
export type BusListener = (message: string) => void;

export interface Subscription {
  /** Stops this listener (safe to call twice). */
  unsubscribe(): Promise<void>;
}

// A type, not an interface: its keys are exactly these two (an interface would need an index signature).
export type BusEvents = {
  closed: [];
  error: [error: Error];
};

export class BusClosedError extends Error {
  constructor() {
    super('The bus is closed.');
    this.name = 'BusClosedError';
  }
}

/** Lease durations are whole, positive milliseconds. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`A lease lasts a positive whole number of milliseconds, got ${ttlMs}`);
}
