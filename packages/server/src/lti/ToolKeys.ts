import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { Sealer } from './sealing.js';

/** A stored signing key, as ToolKeys needs it (storage/LtiStore.ts keeps them). */
export interface StoredToolKey {
  readonly kid: string;
  readonly privateJwkSealed: string;
  readonly publicJwk: unknown;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
}

/** Where tool keys are kept (LtiStore in production, a list in unit tests). */
export interface ToolKeyStore {
  currentKey(): Promise<StoredToolKey | null>;
  publishedKeys(retiredAfter: Date): Promise<StoredToolKey[]>;
  addCurrentKey(key: Omit<StoredToolKey, 'retiredAt'>, options: { retire: boolean; now: Date }): Promise<boolean>;
  pruneKeys(before: Date): Promise<void>;
}

/** The key Amphi signs with now. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256';
  readonly privateKey: CryptoKey;
}

/**
 * Amphi's own RS256 signing keys for LTI 1.3 (deep-linking responses, service token requests).
 * The first key is made on first use. `rotate()` makes a new current key and retires the old
 * one, which stays in the published JWKS for `retiredKeepMs`, longer than any token it signed
 * can live, so a platform can still verify those tokens. State lives in the store (shared by
 * every instance); the imported private keys are cached here by kid.
 */
export class ToolKeys {
  readonly #store: ToolKeyStore;
  readonly #sealer: Sealer;
  readonly #now: () => number;
  readonly #retiredKeepMs: number;
  readonly #imported = new Map<string, Promise<CryptoKey>>();
  #making: Promise<StoredToolKey> | undefined;

  /**
   * @param now clock in epoch milliseconds (default `Date.now`).
   * @param retiredKeepMs how long a retired key stays published, in milliseconds (default 1 hour;
   *   our tokens live minutes).
   */
  constructor(options: { store: ToolKeyStore; sealer: Sealer; now?: () => number; retiredKeepMs?: number }) {
    this.#store = options.store;
    this.#sealer = options.sealer;
    this.#now = options.now ?? Date.now;
    this.#retiredKeepMs = options.retiredKeepMs ?? 3_600_000;
  }

  /** The key to sign with now; made on first use. */
  async current(): Promise<SigningKey> {
    let stored = await this.#store.currentKey();
    // A key sealed under another AMPHI_SECRET cannot sign any more: replace it.
    if (stored && this.#sealer.open(stored.privateJwkSealed) === null) stored = await this.#rotateStored();
    stored ??= await this.#makeFirst();
    return { kid: stored.kid, alg: 'RS256', privateKey: await this.#privateKey(stored) };
  }

  /** The public keys to publish: the current one (made if none) and those retired within `retiredKeepMs`. */
  async jwks(): Promise<JSONWebKeySet> {
    if (!(await this.#store.currentKey())) await this.#makeFirst();
    const keys = await this.#store.publishedKeys(new Date(this.#now() - this.#retiredKeepMs));
    return { keys: keys.map((k) => k.publicJwk as JWK) };
  }

  /** Makes a new current key and retires the old one; forgets keys retired long ago. Returns the new kid. */
  async rotate(): Promise<string> {
    return (await this.#rotateStored()).kid;
  }

  async #rotateStored(): Promise<StoredToolKey> {
    const now = new Date(this.#now());
    const key = await this.#generate(now);
    await this.#store.addCurrentKey(key, { retire: true, now });
    await this.#store.pruneKeys(new Date(this.#now() - this.#retiredKeepMs));
    return { ...key, retiredAt: null };
  }

  /** Makes the first key; concurrent callers share one, and another instance's wins a race. */
  async #makeFirst(): Promise<StoredToolKey> {
    this.#making ??= (async () => {
      try {
        const key = await this.#generate(new Date(this.#now()));
        if (await this.#store.addCurrentKey(key, { retire: false, now: key.createdAt })) return { ...key, retiredAt: null };
        const winner = await this.#store.currentKey();
        if (!winner) throw new Error('no current LTI tool key after a conflicting insert');
        return winner;
      } finally {
        this.#making = undefined;
      }
    })();
    return this.#making;
  }

  async #generate(createdAt: Date): Promise<Omit<StoredToolKey, 'retiredAt'>> {
    const kid = randomUUID();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
    this.#imported.set(kid, Promise.resolve(privateKey));
    return { kid, privateJwkSealed: this.#sealer.seal(JSON.stringify(privateJwk)), publicJwk, createdAt };
  }

  #privateKey(stored: StoredToolKey): Promise<CryptoKey> {
    let key = this.#imported.get(stored.kid);
    if (!key) {
      const json = this.#sealer.open(stored.privateJwkSealed);
      if (json === null) return Promise.reject(new Error(`LTI tool key ${stored.kid} cannot be unsealed`));
      key = importJWK(JSON.parse(json) as JWK, 'RS256') as Promise<CryptoKey>;
      this.#imported.set(stored.kid, key);
    }
    return key;
  }
}
