import { createHmac, randomBytes } from 'node:crypto';

/**
 * The tests' reference LTI 1.1 consumer (Moodle "legacy", Open edX): signs a launch POST with
 * OAuth 1.0a HMAC-SHA1 (RFC 5849, two-legged, no token). Written from the RFC on purpose,
 * sharing nothing with src/lti/lti11.ts, so a bug there cannot hide in both.
 */

export interface Lti11LaunchOptions {
  /** The tool's launch URL, exactly as configured in the platform (query parameters are signed too). */
  readonly url: string;
  readonly consumerKey: string;
  readonly secret: string;
  /** The LTI parameters (user_id, roles, context_id…); defaults fill in the required ones. */
  readonly params?: Readonly<Record<string, string>>;
  /** Seconds since the epoch (default now). */
  readonly timestamp?: number;
  /** Default: 16 random bytes in hex. */
  readonly nonce?: string;
}

/** RFC 3986 percent-encoding: all but ALPHA / DIGIT / "-" / "." / "_" / "~", uppercase hex, UTF-8. */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Signs the POST and returns every body field, `oauth_signature` included. */
export function signLti11Launch(options: Lti11LaunchOptions): Record<string, string> {
  const fields: Record<string, string> = {
    lti_message_type: 'basic-lti-launch-request',
    lti_version: 'LTI-1p0',
    resource_link_id: 'link-11',
    ...options.params,
    oauth_consumer_key: options.consumerKey,
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_nonce: options.nonce ?? randomBytes(16).toString('hex'),
    oauth_version: '1.0',
    oauth_callback: 'about:blank',
  };
  const url = new URL(options.url);
  const pairs: [string, string][] = [...url.searchParams, ...Object.entries(fields)].map(([n, v]) => [percentEncode(n), percentEncode(v)]);
  pairs.sort(([an, av], [bn, bv]) => (an === bn ? (av < bv ? -1 : av > bv ? 1 : 0) : an < bn ? -1 : 1));
  const normalized = pairs.map(([n, v]) => `${n}=${v}`).join('&');
  const defaultPort = (url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443');
  const base = `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${url.port && !defaultPort ? ':' + url.port : ''}${url.pathname}`;
  const baseString = ['POST', percentEncode(base), percentEncode(normalized)].join('&');
  const signature = createHmac('sha1', `${percentEncode(options.secret)}&`).update(baseString).digest('base64');
  return { ...fields, oauth_signature: signature };
}
