import { ApiError } from '@amphi/client';
import { ErrorBody, LtiRoomSettings, LtiRoster, isErrorCode, type ErrorCode, type UpdateLtiRoomSettingsBody } from '@amphi/protocol';

interface Parser<T> {
  parse(data: unknown): T;
}

/** One call with the launch's app token (Bearer, never cookies: third-party inside the LMS frame). */
async function call<T>(method: 'GET' | 'PUT', path: string, token: string, schema: Parser<T>, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'omit', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    const code: ErrorCode = parsed.success && isErrorCode(parsed.data.code) ? parsed.data.code : 'INTERNAL';
    throw new ApiError(code, res.status, parsed.success ? parsed.data.message : res.statusText);
  }
  return schema.parse(json);
}

/** The LTI services an LMS instructor uses from the LTI mode (moderators only). */
export const ltiServicesApi = {
  /** The course roster (Names and Role Provisioning) with who joined. */
  roster: (token: string) => call('GET', '/api/lti/roster', token, LtiRoster),
  roomSettings: (token: string) => call('GET', '/api/lti/room-settings', token, LtiRoomSettings),
  updateRoomSettings: (token: string, change: UpdateLtiRoomSettingsBody) => call('PUT', '/api/lti/room-settings', token, LtiRoomSettings, change),
};
