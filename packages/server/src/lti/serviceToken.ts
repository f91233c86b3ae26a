import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { SigningKey } from './ToolKeys.js';

/** The scopes of the LTI Advantage services Amphi uses. */
export const LTI_SCOPES = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;

/** A `fetch` (the global one in production, a fake in unit tests). */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** A failure talking to a platform's services; the message names the step and the HTTP status, never a token. */
export class LtiServiceError extends Error {
  override readonly name = 'LtiServiceError';
}

/** The platform side of a token request: what the registration says. */
export interface ServicePlatform {
  /** The registration's id (tokens are cached per platform and scope). */
  readonly id: string;
  readonly clientId: string;
  readonly tokenUrl: string;
}

/** The token endpoint's answer (RFC 6749 §5.1); `expires_in` in seconds. */
const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'token_type must be Bearer'),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});

/** Lifetime of a client assertion (seconds). */
const ASSERTION_TTL_S = 300;
/** Token lifetime assumed when the platform does not say (seconds). */
const DEFAULT_TOKEN_TTL_S = 3600;
/** A cached token is dropped this long before it expires (ms), so no request carries a token about to expire. */
const EXPIRY_MARGIN_MS = 60_000;

/** The JWT client assertion (LTI 1.3 Security §4.1, RFC 7523): iss = sub = client id, aud = token URL. */
export async function clientAssertion(platform: ServicePlatform, key: SigningKey, nowMs: number, jti: string = randomUUID()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(platform.clientId)
    .setSubject(platform.clientId)
    .setAudience(platform.tokenUrl)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_TTL_S)
    .sign(key.privateKey);
}

/** The form of a client credentials token request. */
export function tokenRequestBody(assertion: string, scopes: readonly string[]): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: [...scopes].join(' '),
  });
}

/** A token's cache key: the platform and the set of scopes (order and repeats do not count). */
function tokenCacheKey(platform: ServicePlatform, scopes: readonly string[]): string {
  return `${platform.id} ${[...new Set(scopes)].sort().join(' ')}`;
}

interface CachedToken {
  readonly token: string;
  /** Epoch ms after which the token is not used any more. */
  readonly usableUntil: number;
}

export interface ServiceTokensOptions {
  /** Amphi's current signing key (ToolKeys.current). */
  readonly key: () => Promise<SigningKey>;
  readonly fetch: Fetch;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Access tokens for a platform's services (client credentials grant with a JWT client
 * assertion), cached per platform and scope set until a minute before they expire. Two
 * requests for the same token at once share one token request.
 */
export class ServiceTokens {
  readonly #o: ServiceTokensOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<string>>();

  constructor(options: ServiceTokensOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** A bearer token for these scopes (sorted and deduplicated for the cache key). */
  async token(platform: ServicePlatform, scopes: readonly string[]): Promise<string> {
    const scopeSet = [...new Set(scopes)].sort();
    const cacheKey = tokenCacheKey(platform, scopeSet);
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.usableUntil > this.#now()) return cached.token;
    let pending = this.#pending.get(cacheKey);
    if (!pending) {
      pending = this.#request(platform, scopeSet, cacheKey).finally(() => this.#pending.delete(cacheKey));
      this.#pending.set(cacheKey, pending);
    }
    return pending;
  }

  /** Forgets a token the platform refused (401), so the next call asks for a new one. */
  forget(platform: ServicePlatform, scopes: readonly string[]): void {
    this.#cache.delete(tokenCacheKey(platform, scopes));
  }

  async #request(platform: ServicePlatform, scopes: readonly string[], cacheKey: string): Promise<string> {
    const now = this.#now();
    const assertion = await clientAssertion(platform, await this.#o.key(), now);
    const response = await this.#o.fetch(platform.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: tokenRequestBody(assertion, scopes).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new LtiServiceError(`The platform refused the service token request (HTTP ${response.status}).`);
    const parsed = TokenResponse.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new LtiServiceError('The platform answered the service token request with something other than a bearer token.');
    const ttlMs = (parsed.data.expires_in ?? DEFAULT_TOKEN_TTL_S) * 1000;
    // A short-lived token is used for its first half at least.
    const usableUntil = now + Math.max(ttlMs - EXPIRY_MARGIN_MS, ttlMs / 2);
    this.#cache.set(cacheKey, { token: parsed.data.access_token, usableUntil });
    return parsed.data.access_token;
  }
}
