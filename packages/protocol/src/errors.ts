/**
 * The one registry of error codes. Every error that leaves the server (HTTP body or
 * WebSocket `error` message) carries one of these codes. Users see a translated message
 * keyed by the code (`errors.<CODE>` in the web app); logs see the code.
 */
export interface ErrorSpec {
  /** HTTP status used when the error answers an HTTP request. */
  readonly status: number;
  /** Whether the WebSocket is closed after this error is sent. */
  readonly closesSocket: boolean;
  /** English fallback text for logs and API clients; the web app translates by code. */
  readonly message: string;
}

export const ERRORS = {
  INVALID_JSON: { status: 400, closesSocket: false, message: 'The message is not valid JSON.' },
  INVALID_MESSAGE: { status: 400, closesSocket: false, message: 'The message does not match the protocol.' },
  UNKNOWN_MESSAGE_TYPE: { status: 400, closesSocket: false, message: 'Unknown message type.' },
  MESSAGE_TOO_LARGE: { status: 413, closesSocket: false, message: 'The message is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, closesSocket: false, message: 'Send JSON (content-type: application/json).' },
  VALIDATION_FAILED: { status: 400, closesSocket: false, message: 'Some fields are missing or invalid.' },
  NOT_AUTHENTICATED: { status: 401, closesSocket: true, message: 'You need to sign in first.' },
  INVALID_CREDENTIALS: { status: 401, closesSocket: false, message: 'Wrong email or password.' },
  CSRF_FAILED: { status: 403, closesSocket: false, message: 'The request did not come from this application.' },
  NOT_ALLOWED: { status: 403, closesSocket: false, message: 'Your role does not allow this action.' },
  NOT_FOUND: { status: 404, closesSocket: false, message: 'Not found.' },
  ROOM_NOT_FOUND: { status: 404, closesSocket: true, message: 'This room does not exist.' },
  PARTICIPANT_NOT_FOUND: { status: 404, closesSocket: false, message: 'This person is not in the room.' },
  USER_NOT_FOUND: { status: 404, closesSocket: false, message: 'No account with this email.' },
  EMAIL_TAKEN: { status: 409, closesSocket: false, message: 'An account with this email already exists.' },
  SIGNUP_CLOSED: { status: 403, closesSocket: false, message: 'Sign-up needs an invitation.' },
  INVITE_INVALID: { status: 400, closesSocket: false, message: 'This invitation is invalid, used or expired.' },
  LINK_INVALID: { status: 401, closesSocket: true, message: 'This link is not valid.' },
  LINK_EXPIRED: { status: 401, closesSocket: true, message: 'This link has expired.' },
  LINK_REVOKED: { status: 410, closesSocket: true, message: 'This link has been revoked.' },
  GUESTS_NOT_ALLOWED: { status: 403, closesSocket: true, message: 'Guests may not join this room; sign in first.' },
  NAME_REQUIRED: { status: 400, closesSocket: false, message: 'Please give your name.' },
  TICKET_INVALID: { status: 401, closesSocket: true, message: 'The join ticket is invalid or expired.' },
  RESUME_EXPIRED: { status: 401, closesSocket: true, message: 'Your place in the room has expired; join again.' },
  ALREADY_JOINED: { status: 409, closesSocket: true, message: 'This connection has already joined.' },
  LOBBY_DENIED: { status: 403, closesSocket: true, message: 'A moderator did not let you in.' },
  REMOVED: { status: 403, closesSocket: true, message: 'A moderator removed you from the room.' },
  SESSION_ENDED: { status: 410, closesSocket: true, message: 'The session has ended.' },
  ROOM_LOCKED: { status: 423, closesSocket: true, message: 'A moderator has locked this room.' },
  MUTED_BY_MODERATOR: { status: 403, closesSocket: false, message: 'A moderator muted you; wait until you are asked to unmute.' },
  MEDIA_UNAVAILABLE: { status: 503, closesSocket: false, message: 'Audio and video are not available right now; retrying.' },
  MEDIA_REJECTED: { status: 400, closesSocket: false, message: 'The media offer was refused.' },
  AUDIENCE_FULL: { status: 503, closesSocket: false, message: 'The low-latency audience is full; the program plays over HLS.' },
  INVALID_STATE: { status: 409, closesSocket: false, message: 'This action is not possible now.' },
  LTI_INVALID: { status: 401, closesSocket: false, message: 'The launch from the learning platform could not be verified.' },
  RATE_LIMITED: { status: 429, closesSocket: false, message: 'Too many requests; try again shortly.' },
  INTERNAL: { status: 500, closesSocket: false, message: 'Something went wrong on the server.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** One wrong field of a refused input: its path (`deploymentIds`, `room.title`) and why, in English. */
export interface ErrorIssue {
  readonly path: string;
  readonly message: string;
}

/** An error that carries a registry code; thrown by the domain and mapped to HTTP/WS at the edge. */
export class AmphiError extends Error {
  readonly code: ErrorCode;
  /** The wrong fields, for a `VALIDATION_FAILED` that names them (sent as the body's `issues`). */
  readonly issues: readonly ErrorIssue[] | undefined;
  constructor(code: ErrorCode, detail?: string, issues?: readonly ErrorIssue[]) {
    super(detail ?? ERRORS[code].message);
    this.name = 'AmphiError';
    this.code = code;
    this.issues = issues;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
}
