import type { ErrorCode } from '@amphi/protocol';

/** The server refused a request (its registry code), or the connection ended before an answer. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** RATE_LIMITED: when the server said to try again (ms). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
