/**
 * What Amphi remembers between the login initiation and the launch: the nonce it asked the
 * platform to put in the id_token, and which registration the login was for.
 */
export interface LoginState {
  readonly nonce: string;
  /** The issuer the login was initiated for: the id_token's `iss` must equal it. */
  readonly iss: string;
  /** The client id of the registration used: the id_token's `aud` must contain it. */
  readonly clientId: string;
  /** Epoch milliseconds after which the state is refused. */
  readonly expiresAt: number;
  /** The platform storage frame named at login (LTI client-side postMessage storage), if any. */
  readonly storageTarget?: string;
}

/**
 * Where login states wait for their launch. `take` returns a state once and forgets it, so a
 * state (and the nonce bound to it) can never serve two launches. Implementations may drop
 * expired states early; the launch verifier checks `expiresAt` anyway. Shared storage
 * (database, Redis) is needed when several instances answer launches.
 */
export interface LoginStateStore {
  put(state: string, value: LoginState): Promise<void>;
  take(state: string): Promise<LoginState | undefined>;
}

/**
 * Login states in this process's memory: for tests and a single instance. Expired states at
 * the front are swept on every `put`, and the number kept is capped (the oldest go first), so a flood of
 * login initiations cannot grow memory without bound.
 */
export class MemoryLoginStateStore implements LoginStateStore {
  readonly #states = new Map<string, LoginState>();
  readonly #now: () => number;
  readonly #capacity: number;

  /**
   * @param now clock in epoch milliseconds (default `Date.now`).
   * @param capacity most states kept at once (default 10,000).
   */
  constructor(options: { now?: () => number; capacity?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#capacity = options.capacity ?? 10_000;
  }

  get size(): number {
    return this.#states.size;
  }

  put(state: string, value: LoginState): Promise<void> {
    const now = this.#now();
    // States are put with the same lifetime, so insertion order is expiry order: sweep from the front.
    for (const [key, entry] of this.#states) {
      if (entry.expiresAt > now) break;
      this.#states.delete(key);
    }
    this.#states.delete(state);
    this.#states.set(state, { ...value });
    // A Map iterates in insertion order: the first key is the oldest state.
    while (this.#states.size > this.#capacity) {
      const oldest = this.#states.keys().next();
      if (oldest.done) break;
      this.#states.delete(oldest.value);
    }
    return Promise.resolve();
  }

  take(state: string): Promise<LoginState | undefined> {
    const entry = this.#states.get(state);
    this.#states.delete(state);
    return Promise.resolve(entry);
  }
}
