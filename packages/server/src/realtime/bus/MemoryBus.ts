import { TypedEmitter } from '@amphi/protocol';
import { BusClosedError, checkTtl, type Bus, type BusEvents, type BusListener, type Subscription } from './Bus.js';

export interface MemoryBusOptions {
  /** Milliseconds since epoch (injected so tests control expiry). */
  now?: () => number;
}

interface Entry {
  value: string;
  /** When the value expires (ms since epoch). */
  expiresAt: number;
}

/** What the connections to one in-process bus share (what Redis keeps, for RedisBus). */
interface Medium {
  now: () => number;
  channels: Map<string, Set<BusListener>>;
  values: Map<string, Entry>;
  /** Holders of each shared lease, with the time each one's hold expires. */
  holders: Map<string, Map<string, number>>;
  nextSweep: number;
}

/** How often (ms) expired entries nobody asked about are swept away. */
const SWEEP_EVERY_MS = 60_000;
/** Lets `connect` hand its medium to the new connection (not part of the public options). */
const MEDIUM = Symbol('medium');

/**
 * The in-process bus (the default): the same contract as RedisBus, within one process.
 * `connect()` gives another connection to it, as a second process's RedisBus is to the same
 * Redis: hubs built in one process (tests) share rooms exactly as processes share Redis.
 * Closing a connection ends its own subscriptions; the leases live on for the others.
 */
export class MemoryBus extends TypedEmitter<BusEvents> implements Bus {
  readonly #medium: Medium;
  /** This connection's subscriptions (each one's own listener) and their channels. */
  readonly #own = new Map<BusListener, string>();
  #closed = false;

  constructor(options: MemoryBusOptions & { [MEDIUM]?: Medium } = {}) {
    super();
    const now = options.now ?? Date.now;
    this.#medium = options[MEDIUM] ?? { now, channels: new Map(), values: new Map(), holders: new Map(), nextSweep: now() + SWEEP_EVERY_MS };
  }

  /** Another connection to this bus (as another process's connection to the same Redis). */
  connect(): MemoryBus {
    return new MemoryBus({ [MEDIUM]: this.#medium });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#assertOpen();
    const listeners = this.#medium.channels.get(channel);
    if (!listeners) return;
    // One microtask per listener, queued in publishing order: deliveries keep the order.
    for (const listener of listeners) {
      queueMicrotask(() => {
        if (this.#medium.channels.get(channel)?.has(listener)) listener(message);
      });
    }
  }

  async subscribe(channel: string, listener: BusListener): Promise<Subscription> {
    this.#assertOpen();
    const channels = this.#medium.channels;
    let listeners = channels.get(channel);
    if (!listeners) channels.set(channel, (listeners = new Set()));
    // Each subscription has its own function (the same listener subscribed twice is called twice).
    const own: BusListener = (message) => {
      try {
        listener(message);
      } catch (error) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
      }
    };
    listeners.add(own);
    this.#own.set(own, channel);
    return { unsubscribe: async () => this.#unsubscribe(own) };
  }

  async claim(key: string, holder: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    checkTtl(ttlMs);
    const entry = this.#entry(key);
    if (entry && entry.value !== holder) return false;
    this.#medium.values.set(key, { value: holder, expiresAt: this.#medium.now() + ttlMs });
    return true;
  }

  async release(key: string, holder: string): Promise<boolean> {
    this.#assertOpen();
    if (this.#entry(key)?.value !== holder) return false;
    this.#medium.values.delete(key);
    return true;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    checkTtl(ttlMs);
    this.#medium.values.set(key, { value, expiresAt: this.#medium.now() + ttlMs });
  }

  async get(key: string): Promise<string | null> {
    this.#assertOpen();
    return this.#entry(key)?.value ?? null;
  }

  async hold(key: string, holder: string, ttlMs: number, options: { value?: string; create?: boolean } = {}): Promise<string | null> {
    this.#assertOpen();
    checkTtl(ttlMs);
    const now = this.#medium.now();
    const holders = this.#liveHolders(key, now);
    let entry = this.#entry(key);
    if (entry && holders.size === 0) {
      // A value nobody holds is stale.
      this.#medium.values.delete(key);
      entry = undefined;
    }
    if (!entry) {
      if (options.value === undefined || !options.create) return null;
      entry = { value: options.value, expiresAt: 0 };
      this.#medium.values.set(key, entry);
    } else if (options.value !== undefined && entry.value !== options.value) {
      return entry.value;
    }
    holders.set(holder, now + ttlMs);
    this.#medium.holders.set(key, holders);
    entry.expiresAt = Math.max(...holders.values());
    return entry.value;
  }

  async unhold(key: string, holder: string): Promise<number> {
    this.#assertOpen();
    const holders = this.#liveHolders(key, this.#medium.now());
    holders.delete(holder);
    const entry = this.#entry(key);
    if (holders.size === 0 || !entry) {
      this.#medium.holders.delete(key);
      this.#medium.values.delete(key);
      return 0;
    }
    entry.expiresAt = Math.max(...holders.values());
    return holders.size;
  }

  async revoke(key: string, value: string): Promise<boolean> {
    this.#assertOpen();
    if (this.#entry(key)?.value !== value) return false;
    this.#medium.values.delete(key);
    this.#medium.holders.delete(key);
    return true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const own of [...this.#own.keys()]) this.#unsubscribe(own);
    this.emit('closed');
    this.removeAllListeners();
  }

  #unsubscribe(own: BusListener): void {
    const channel = this.#own.get(own);
    if (channel === undefined) return;
    this.#own.delete(own);
    const listeners = this.#medium.channels.get(channel);
    listeners?.delete(own);
    if (listeners?.size === 0) this.#medium.channels.delete(channel);
  }

  /** The live entry under `key` (an expired one is deleted). */
  #entry(key: string): Entry | undefined {
    const now = this.#medium.now();
    this.#sweep(now);
    const entry = this.#medium.values.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#medium.values.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The holders of a shared lease whose hold has not expired (a new map when none). */
  #liveHolders(key: string, now: number): Map<string, number> {
    const holders = this.#medium.holders.get(key) ?? new Map<string, number>();
    for (const [holder, expiresAt] of holders) if (expiresAt <= now) holders.delete(holder);
    if (holders.size === 0) this.#medium.holders.delete(key);
    return holders;
  }

  /** Forgets expired entries now and then, so keys nobody reads again do not pile up. */
  #sweep(now: number): void {
    const medium = this.#medium;
    if (now < medium.nextSweep) return;
    medium.nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, entry] of medium.values) if (entry.expiresAt <= now) medium.values.delete(key);
    for (const key of [...medium.holders.keys()]) this.#liveHolders(key, now);
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusClosedError();
  }
}
