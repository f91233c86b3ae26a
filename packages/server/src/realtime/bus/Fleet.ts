import type { Bus } from './Bus.js';

interface Logger {
  warn(obj: object, msg?: string): void;
}

export interface FleetOptions {
  bus: Bus;
  instanceId: string;
  /**
   * A fingerprint of the token signing key (never the key): instances that share rooms must
   * verify each other's tickets and resume tokens, so they must sign with the same key.
   */
  tokenKeyFingerprint: string;
  /** How long (ms) an instance's membership lasts unless renewed (default 15000). */
  leaseMs?: number;
  log: Logger;
}

const FLEET_KEY = 'fleet';

/** Thrown by `join` when the instances already on the bus sign tokens with another key. */
export class FleetKeyMismatchError extends Error {
  constructor() {
    super(
      'The Amphi instances already running with this Redis (and AMPHI_REDIS_PREFIX) sign tokens with another secret: ' +
        'give every instance the same AMPHI_SECRET, or tickets issued by one are refused by the others.',
    );
    this.name = 'FleetKeyMismatchError';
  }
}

/**
 * This instance's membership of the fleet sharing the bus: a shared lease whose value is the
 * token key's fingerprint, held by every running instance. An instance signing with another
 * key cannot join (with the in-process bus the fleet is this process alone).
 *
 * Lifecycle: `join()` once, `leave()` on shutdown (safe to call twice).
 */
export class Fleet {
  readonly #options: FleetOptions;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | null = null;
  #left = false;

  constructor(options: FleetOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseMs ?? 15_000;
  }

  async join(): Promise<void> {
    const { bus, instanceId, tokenKeyFingerprint } = this.#options;
    const value = await bus.hold(FLEET_KEY, instanceId, this.#leaseMs, { value: tokenKeyFingerprint, create: true });
    if (value !== tokenKeyFingerprint) throw new FleetKeyMismatchError();
    this.#timer = setInterval(() => {
      bus.hold(FLEET_KEY, instanceId, this.#leaseMs, { value: tokenKeyFingerprint, create: true }).then(
        (current) => {
          if (current !== tokenKeyFingerprint) this.#options.log.warn({}, new FleetKeyMismatchError().message);
        },
        (err: unknown) => this.#options.log.warn({ err }, 'could not renew fleet membership'),
      );
    }, Math.floor(this.#leaseMs / 3));
    this.#timer.unref();
  }

  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    if (this.#timer) clearInterval(this.#timer);
    if (!this.#options.bus.isClosed) await this.#options.bus.unhold(FLEET_KEY, this.#options.instanceId);
  }
}
