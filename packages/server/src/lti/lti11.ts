import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AmphiError } from '@amphi/protocol';
import { ltiError } from './ltiError.js';

/**
 * LTI 1.1 launch verification: an `application/x-www-form-urlencoded` POST signed with
 * OAuth 1.0a HMAC-SHA1 (RFC 5849, two-legged: consumer secret only, no token secret).
 *
 * Pure: the consumer secrets, the nonce store and the clock come in through parameters.
 * Every failure throws `ltiError` (code `LTI_INVALID`) with what is wrong; the detail is for logs
 * and the error page, never contains a secret.
 */

/** Form parameters as parsed from the body: one value, or several when a name repeats. */
export type FormParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Remembers nonces; `seen` records the nonce and answers true when it was already used. */
export interface NonceStore {
  /** @param timestamp the request's oauth_timestamp in seconds since the epoch. */
  seen(consumerKey: string, nonce: string, timestamp: number): boolean | Promise<boolean>;
}

/** The shared secret of a consumer key, or undefined when the key is unknown. */
export type ConsumerSecretLookup = (consumerKey: string) => string | undefined | Promise<string | undefined>;

export interface Lti11Request {
  /** HTTP method of the launch (POST). */
  readonly method: string;
  /** The launch URL exactly as the platform called it (public scheme, host, port, path and query). */
  readonly url: string;
  /** The body parameters. */
  readonly params: FormParams;
}

export interface Lti11Deps {
  readonly consumerSecret: ConsumerSecretLookup;
  readonly nonces: NonceStore;
  /** Current time in milliseconds since the epoch. */
  readonly now: number;
  /** Accepted clock difference in seconds (default 300). */
  readonly maxSkewSeconds?: number;
}

/** A verified LTI 1.1 launch, shaped like what an LTI 1.3 launch gives (issuer = consumer key). */
export interface Lti11Launch {
  readonly ltiVersion: '1.1';
  /** The consumer key: stands for the platform, as `iss` does in LTI 1.3. */
  readonly issuer: string;
  readonly consumerKey: string;
  /** `user_id` (the LTI 1.3 `sub`); absent for an anonymous launch. */
  readonly userId?: string;
  readonly name?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly email?: string;
  /** Roles as LIS v2 URIs (as in the LTI 1.3 roles claim); unknown roles are kept as sent. */
  readonly roles: readonly string[];
  readonly context?: { readonly id: string; readonly title?: string; readonly label?: string };
  readonly resourceLink: { readonly id: string; readonly title?: string; readonly description?: string };
  /** `custom_*` parameters without their prefix. */
  readonly custom: Readonly<Record<string, string>>;
  /** `launch_presentation_return_url`, when sent. */
  readonly returnUrl?: string;
}

/** Default accepted clock difference between the platform and us, in seconds. */
export const LTI11_MAX_SKEW_SECONDS = 300;

function invalid(detail: string): AmphiError {
  return ltiError(`LTI 1.1 launch rejected: ${detail}`);
}

/** Percent-encoding of RFC 5849 §3.6: everything but the RFC 3986 unreserved set, UTF-8, uppercase hex. */
export function oauthEncode(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    // A lone UTF-16 surrogate has no UTF-8 form.
    throw invalid('a parameter is not valid text');
  }
  return encoded.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The base string URI of RFC 5849 §3.4.1.2: lowercase scheme and host, no default port, no query. */
export function baseStringUri(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('the launch URL is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid('the launch URL is not http(s)');
  // URL lowercases scheme and host and drops the scheme's default port.
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** Query parameters of the URL followed by the body parameters, as name/value pairs. */
function parameterPairs(url: string, params: FormParams): [string, string][] {
  const pairs: [string, string][] = [];
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    throw invalid('the launch URL is not a URL');
  }
  for (const [name, value] of query) pairs.push([name, value]);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === 'string') pairs.push([name, value]);
    else for (const one of value) pairs.push([name, one]);
  }
  return pairs;
}

/**
 * The signature base string of RFC 5849 §3.4.1: METHOD&uri&params, each part percent-encoded;
 * the parameters (query and body merged, `oauth_signature` left out) encoded then sorted by
 * name, then value.
 */
export function signatureBaseString(method: string, url: string, params: FormParams): string {
  const normalized = parameterPairs(url, params)
    .filter(([name]) => name !== 'oauth_signature')
    .map(([name, value]): [string, string] => [oauthEncode(name), oauthEncode(value)])
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return [oauthEncode(method.toUpperCase()), oauthEncode(baseStringUri(url)), oauthEncode(normalized)].join('&');
}

/** HMAC-SHA1 of the base string (RFC 5849 §3.4.2), base64; LTI uses no token secret. */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret = ''): string {
  const key = `${oauthEncode(consumerSecret)}&${oauthEncode(tokenSecret)}`;
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64');
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // Only the length leaks, and the expected length is public (28 base64 characters).
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The single value of a parameter; a repeated protocol parameter is rejected. */
function single(pairs: readonly [string, string][], name: string): string | undefined {
  const values = pairs.filter(([n]) => n === name).map(([, v]) => v);
  if (values.length > 1) throw invalid(`${name} is repeated`);
  return values[0];
}

function required(pairs: readonly [string, string][], name: string): string {
  const value = single(pairs, name);
  if (value === undefined || value === '') throw invalid(`${name} is missing`);
  return value;
}

function optional(pairs: readonly [string, string][], name: string): string | undefined {
  const value = single(pairs, name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Verifies an LTI 1.1 launch request and returns the launch. Checks, in order: the OAuth
 * parameters, version 1.0, HMAC-SHA1, the timestamp window, the consumer key, the signature
 * (constant-time), the nonce (recorded only once the signature is good, so unsigned requests
 * cannot fill the store), then the LTI message.
 */
export async function verifyLti11Launch(request: Lti11Request, deps: Lti11Deps): Promise<Lti11Launch> {
  if (request.method.toUpperCase() !== 'POST') throw invalid('the launch must be a POST');
  const pairs = parameterPairs(request.url, request.params);

  const consumerKey = required(pairs, 'oauth_consumer_key');
  const signature = required(pairs, 'oauth_signature');
  const signatureMethod = required(pairs, 'oauth_signature_method');
  const timestampText = required(pairs, 'oauth_timestamp');
  const nonce = required(pairs, 'oauth_nonce');
  const version = single(pairs, 'oauth_version');
  if (version !== undefined && version !== '1.0') throw invalid(`oauth_version must be 1.0, not ${JSON.stringify(version)}`);
  if (signatureMethod !== 'HMAC-SHA1') throw invalid(`oauth_signature_method must be HMAC-SHA1, not ${JSON.stringify(signatureMethod)}`);

  if (!/^\d{1,12}$/.test(timestampText)) throw invalid('oauth_timestamp is not a number of seconds');
  const timestamp = Number(timestampText);
  const skew = deps.maxSkewSeconds ?? LTI11_MAX_SKEW_SECONDS;
  const nowSeconds = Math.floor(deps.now / 1000);
  if (timestamp < nowSeconds - skew) throw invalid('oauth_timestamp is too old (check the platform clock)');
  if (timestamp > nowSeconds + skew) throw invalid('oauth_timestamp is in the future (check the platform clock)');

  const secret = await deps.consumerSecret(consumerKey);
  if (secret === undefined) throw invalid('unknown consumer key');
  const expected = hmacSha1Signature(signatureBaseString(request.method, request.url, request.params), secret);
  if (!sameSignature(expected, signature)) {
    throw invalid('the signature does not match (wrong secret, altered parameters, or a launch URL that differs from the one the platform signed)');
  }
  if (await deps.nonces.seen(consumerKey, nonce, timestamp)) throw invalid('oauth_nonce was already used (replayed launch)');

  const messageType = required(pairs, 'lti_message_type');
  if (messageType !== 'basic-lti-launch-request') throw invalid(`lti_message_type must be basic-lti-launch-request, not ${JSON.stringify(messageType)}`);
  const ltiVersion = required(pairs, 'lti_version');
  if (ltiVersion !== 'LTI-1p0') throw invalid(`lti_version must be LTI-1p0, not ${JSON.stringify(ltiVersion)}`);
  const resourceLinkId = required(pairs, 'resource_link_id');

  return launchFrom(pairs, consumerKey, resourceLinkId);
}

function launchFrom(pairs: readonly [string, string][], consumerKey: string, resourceLinkId: string): Lti11Launch {
  const givenName = optional(pairs, 'lis_person_name_given');
  const familyName = optional(pairs, 'lis_person_name_family');
  const fullName = optional(pairs, 'lis_person_name_full') ?? ([givenName, familyName].filter(Boolean).join(' ') || undefined);
  const contextId = optional(pairs, 'context_id');
  const custom: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (name.startsWith('custom_') && name.length > 'custom_'.length) custom[name.slice('custom_'.length)] = value;
  }
  return {
    ltiVersion: '1.1',
    issuer: consumerKey,
    consumerKey,
    userId: optional(pairs, 'user_id'),
    name: fullName,
    givenName,
    familyName,
    email: optional(pairs, 'lis_person_contact_email_primary'),
    roles: lti11Roles(single(pairs, 'roles') ?? ''),
    context: contextId === undefined ? undefined : { id: contextId, title: optional(pairs, 'context_title'), label: optional(pairs, 'context_label') },
    resourceLink: { id: resourceLinkId, title: optional(pairs, 'resource_link_title'), description: optional(pairs, 'resource_link_description') },
    custom,
    returnUrl: optional(pairs, 'launch_presentation_return_url'),
  };
}

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
/** LTI 1.1 role URN prefixes and the LIS v2 vocabularies they map to (LTI 1.3 Core, Appendix A). */
const URN_PREFIXES: readonly [urn: string, vocabulary: string][] = [
  ['urn:lti:role:ims/lis/', LIS + 'membership'],
  ['urn:lti:instrole:ims/lis/', LIS + 'institution/person'],
  ['urn:lti:sysrole:ims/lis/', LIS + 'system/person'],
];

/**
 * The `roles` parameter (comma-separated, short context roles such as `Instructor` or URNs
 * such as `urn:lti:instrole:ims/lis/Administrator`) as LIS v2 URIs, the form LTI 1.3 uses.
 * A sub-role `Instructor/TeachingAssistant` becomes `membership/Instructor#TeachingAssistant`.
 * Anything else (LIS v2 URIs already, vendor roles) is kept as sent.
 */
export function lti11Roles(roles: string): string[] {
  const out: string[] = [];
  for (const raw of roles.split(',')) {
    const role = raw.trim();
    if (role === '') continue;
    const prefix = URN_PREFIXES.find(([urn]) => role.startsWith(urn));
    const name = prefix ? role.slice(prefix[0].length) : role;
    const vocabulary = prefix ? prefix[1] : LIS + 'membership';
    let uri: string;
    if (!prefix && (role.includes(':') || role.includes('#'))) uri = role;
    // LTI 1.1 lists TeachingAssistant as a context role; LIS v2 makes it a sub-role of Instructor.
    else if (name === 'TeachingAssistant' && vocabulary === LIS + 'membership') uri = `${vocabulary}/Instructor#TeachingAssistant`;
    else if (/^[A-Za-z]+$/.test(name)) uri = `${vocabulary}#${name}`;
    else if (/^[A-Za-z]+\/[A-Za-z]+$/.test(name)) {
      const [main, sub] = name.split('/');
      uri = `${vocabulary}/${main}#${sub}`;
    } else uri = role;
    if (!out.includes(uri)) out.push(uri);
  }
  return out;
}

/**
 * An in-memory nonce store: a nonce is remembered until its timestamp is out of the accepted
 * window (after which the timestamp check rejects it anyway). Fits one instance; several
 * instances need a shared store.
 */
export class MemoryNonceStore implements NonceStore {
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;
  readonly #windowSeconds: number;
  #nextSweep = 0;

  /**
   * @param now current time in milliseconds since the epoch.
   * @param windowSeconds how long after its timestamp a nonce is kept, in seconds (default 300, the skew).
   */
  constructor(now: () => number, windowSeconds = LTI11_MAX_SKEW_SECONDS) {
    this.#now = now;
    this.#windowSeconds = windowSeconds;
  }

  seen(consumerKey: string, nonce: string, timestamp: number): boolean {
    const now = this.#now();
    this.#sweep(now);
    const key = `${consumerKey.length}:${consumerKey}:${nonce}`;
    const expires = this.#seen.get(key);
    if (expires !== undefined && expires > now) return true;
    // Kept at least until the timestamp leaves the window, measured from now or from the timestamp.
    this.#seen.set(key, Math.max(now, timestamp * 1000) + this.#windowSeconds * 1000);
    return false;
  }

  /** Number of nonces remembered (for metrics and tests). */
  get size(): number {
    return this.#seen.size;
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + 30_000;
    for (const [key, expires] of this.#seen) if (expires <= now) this.#seen.delete(key);
  }
}
