import { ApiClient, ApiError, RequestError } from '@amphi/client';
import { isErrorCode, type ErrorCode } from '@amphi/protocol';

/** The one API client of the app (same origin; keeps the CSRF token). */
export const api = new ApiClient();

/** The registry code of any error, for a translated message (`errors.<CODE>`). */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof ApiError || error instanceof RequestError) return error.code;
  if (typeof error === 'object' && error !== null && 'code' in error && isErrorCode(error.code)) return error.code;
  return 'INTERNAL';
}
