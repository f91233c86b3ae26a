import { ApiError } from '@amphi/client';
import { ErrorBody, JoinResponse, LtiSession, isErrorCode, type ErrorCode } from '@amphi/protocol';

interface Parser<T> {
  parse(data: unknown): T;
}

/**
 * One call with an LTI launch's app token (`Authorization: Bearer`), never with cookies: inside
 * the LMS's iframe they are third-party and blocked (and a session cookie would be someone
 * else's identity anyway).
 */
async function bearerCall<T>(method: 'GET' | 'POST', path: string, token: string, schema: Parser<T>, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'omit', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
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
    throw new ApiError(code, res.status, parsed.success ? parsed.data.message : res.statusText);
  }
  return schema.parse(json);
}

/** Typed calls of the LTI web app (`/api/lti/…`), with the launch's app token. */
export const ltiSessionApi = {
  /** The room, role and name the token stands for. */
  session: (token: string) => bearerCall('GET', '/api/lti/session', token, LtiSession),
  /** A one-time ticket to open the room's WebSocket, as POST /api/join gives. */
  join: (token: string) => bearerCall('POST', '/api/lti/join', token, JoinResponse, {}),
};
