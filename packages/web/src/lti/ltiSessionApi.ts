import { ApiClient } from '@amphi/client';

/**
 * The API client of an LTI launch: every call carries the launch's token (app token, or deep
 * linking token) as `Authorization: Bearer`, never cookies (third-party, blocked, in the LMS's iframe).
 */
export function ltiClient(token: string): ApiClient {
  return new ApiClient({ bearer: token });
}
