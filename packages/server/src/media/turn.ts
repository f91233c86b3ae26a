import { createHmac } from 'node:crypto';

/**
 * Short-lived TURN credentials in the "TURN REST API" scheme
 * (draft-uberti-behave-turn-rest-00), which coturn implements with `use-auth-secret` and
 * `static-auth-secret`: the server and Amphi share a secret, so Amphi can hand each
 * participant a credential that coturn checks without any database, and that stops
 * working at a known time.
 */

/** One entry of RTCConfiguration.iceServers. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Longest user id (in code points) kept in a username; STUN caps USERNAME at 513 bytes. */
const MAX_USER_ID_LENGTH = 64;

/**
 * The user id as it may appear in a TURN username: coturn splits the username at the first
 * ':' (its `rest-api-separator`), so a ':' would be ambiguous; control characters and
 * anything past 64 code points are dropped too. Empty ids become `anonymous`.
 */
export function turnUserId(userId: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const safe = [...userId.replace(/[\u0000-\u001f\u007f]/g, '').replace(/:/g, '_')].slice(0, MAX_USER_ID_LENGTH).join('');
  return safe === '' ? 'anonymous' : safe;
}

/**
 * A TURN credential for one user: username = `${expiresAtUnixSeconds}:${userId}`,
 * credential = base64(HMAC-SHA1(secret, username)). coturn refuses it once its clock passes
 * the expiry; an allocation made before then lives on (refreshes use the same credential,
 * so keep `ttlS` longer than a typical session).
 */
export function turnCredentials(options: {
  /** The coturn `static-auth-secret`. */
  secret: string;
  /** Who the credential is for; sanitised with {@link turnUserId}. */
  userId: string;
  /** Lifetime in seconds (a positive integer). */
  ttlS: number;
  /** turn:/turns: URLs the credential is good for; copied, not kept. */
  urls: string[];
  /** Clock in milliseconds since the epoch (default Date.now). */
  now?: () => number;
}): IceServer & { username: string; credential: string } {
  const { secret, userId, ttlS, urls, now = Date.now } = options;
  if (secret === '') throw new Error('TURN secret must not be empty');
  if (!Number.isInteger(ttlS) || ttlS <= 0) throw new Error(`TURN credential lifetime must be a positive whole number of seconds, got ${ttlS}`);
  const expiresAt = Math.floor(now() / 1000) + ttlS;
  const username = `${expiresAt}:${turnUserId(userId)}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { urls: [...urls], username, credential };
}
