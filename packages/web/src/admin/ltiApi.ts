import { ApiError } from '@amphi/client';
import { ErrorBody, IssuedLti11Consumer, Lti11Consumer, LtiKeyRotated, LtiPlatformCreated, LtiPlatformList, isErrorCode, type ErrorCode } from '@amphi/protocol';
import { api } from '../api.js';
import type { PlatformRegistrationBody } from './ltiPlatformForm.js';

interface Parser<T> {
  parse(data: unknown): T;
}

/**
 * One call to the LTI administration API. `ApiClient` keeps its CSRF token private, so a write
 * first reads it from /api/me (administrators write here rarely; one more request is cheap).
 */
async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, schema: Parser<T> | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const { csrfToken } = await api.me();
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: the status below says enough.
  }
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    const code: ErrorCode = parsed.success && isErrorCode(parsed.data.code) ? parsed.data.code : 'INTERNAL';
    throw new ApiError(code, res.status, parsed.success ? parsed.data.message : res.statusText, parsed.success ? (parsed.data.issues ?? []) : []);
  }
  return schema === null ? (undefined as T) : schema.parse(json);
}

const path = (id: string) => encodeURIComponent(id);
const Lti11Consumers = Lti11Consumer.array();

/** Typed calls of the administrators' LTI settings (`/api/admin/lti/…`). */
export const ltiApi = {
  /** The registered LTI 1.3 platforms and Amphi's URLs to paste into them. */
  platforms: () => call('GET', '/api/admin/lti/platforms', LtiPlatformList),
  addPlatform: (body: PlatformRegistrationBody) => call('POST', '/api/admin/lti/platforms', LtiPlatformCreated, body),
  removePlatform: (id: string) => call('DELETE', `/api/admin/lti/platforms/${path(id)}`, null),
  /** Makes a new signing key; the previous one stays published for an hour. */
  rotateKey: () => call('POST', '/api/admin/lti/keys/rotate', LtiKeyRotated),
  consumers: () => call('GET', '/api/admin/lti/consumers', Lti11Consumers),
  /** The answer is the only place the consumer's secret appears. */
  addConsumer: (name: string) => call('POST', '/api/admin/lti/consumers', IssuedLti11Consumer, { name }),
  removeConsumer: (consumerKey: string) => call('DELETE', `/api/admin/lti/consumers/${path(consumerKey)}`, null),
};

/** The LTI 1.1 launch URL of this server (the web app and the API share one origin). */
export function lti11LaunchUrl(): string {
  return `${window.location.origin}/lti/launch11`;
}
