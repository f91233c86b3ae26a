import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ltiError } from './ltiError.js';
import type { PlatformRegistration } from './platform.js';

/** Fetches a JWKS document (parsed JSON) from a URL; injected (HTTP in production, a fake in tests). */
export type FetchJwks = (url: string) => Promise<unknown>;

/** Gives `jwtVerify` the key getter for a platform's tokens. */
export interface KeyResolver {
  keysFor(platform: PlatformRegistration): JWTVerifyGetKey;
}

interface Entry {
  /** The key set from the last successful fetch, if any. */
  keys?: JWTVerifyGetKey;
  /** When the last fetch was started (epoch ms), successful or not. */
  fetchedAt: number;
  /** The fetch under way, shared by every launch that waits for it. */
  pending?: Promise<void>;
}

/**
 * The platforms' public keys, cached per JWKS URL. A token whose `kid` is not in the cached set
 * makes the cache fetch the set again — the platform may have rotated its keys — but at most
 * once per cooldown per platform, so a stream of tokens with made-up `kid`s cannot make Amphi
 * hammer the platform. A failed fetch counts as a fetch for the cooldown.
 */
export class JwksCache implements KeyResolver {
  readonly #fetchJwks: FetchJwks;
  readonly #now: () => number;
  readonly #cooldownMs: number;
  readonly #entries = new Map<string, Entry>();

  /**
   * @param fetchJwks fetches a JWKS URL.
   * @param now clock in epoch milliseconds (default `Date.now`).
   * @param cooldownMs least time between two fetches of one URL, in milliseconds (default 60,000).
   */
  constructor(options: { fetchJwks: FetchJwks; now?: () => number; cooldownMs?: number }) {
    this.#fetchJwks = options.fetchJwks;
    this.#now = options.now ?? Date.now;
    this.#cooldownMs = options.cooldownMs ?? 60_000;
  }

  keysFor(platform: PlatformRegistration): JWTVerifyGetKey {
    const url = platform.jwksUrl;
    return async (header, token) => {
      let entry = this.#entries.get(url);
      if (!entry) {
        entry = { fetchedAt: -Infinity };
        this.#entries.set(url, entry);
      }
      if (entry.keys) {
        try {
          return await entry.keys(header, token);
        } catch (error) {
          if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
        }
      }
      await this.#refresh(url, entry);
      if (!entry.keys) throw ltiError(`The keys of the platform could not be fetched from ${url}.`);
      try {
        return await entry.keys(header, token);
      } catch (error) {
        if (error instanceof joseErrors.JWKSNoMatchingKey) {
          throw ltiError(`The platform's key set has no key for this token (kid ${JSON.stringify(header.kid?.slice(0, 100) ?? null)}).`);
        }
        throw error;
      }
    };
  }

  /** Fetches the URL again unless it was fetched within the cooldown; joins a fetch under way. */
  async #refresh(url: string, entry: Entry): Promise<void> {
    if (entry.pending) return entry.pending;
    if (this.#now() - entry.fetchedAt < this.#cooldownMs) return;
    entry.fetchedAt = this.#now();
    const pending = this.#load(url, entry);
    entry.pending = pending;
    try {
      await pending;
    } finally {
      if (entry.pending === pending) entry.pending = undefined;
    }
  }

  async #load(url: string, entry: Entry): Promise<void> {
    try {
      const document = await this.#fetchJwks(url);
      if (isKeySet(document)) entry.keys = createLocalJWKSet(document);
    } catch {
      // Keep the previous keys: the platform may be briefly unreachable; the cooldown limits retries.
    }
  }
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}
