import type { ServerMessage } from '@amphi/protocol';

/** One client connection as the room hub sees it (a WebSocket in production, a fake in tests). */
export interface Peer {
  /**
   * Sends a message. `serialized`, when given, is `JSON.stringify(message)` computed once by
   * the caller for a broadcast, so a message to N people is serialised once, not N times.
   */
  send(message: ServerMessage, serialized?: string): void;
  /** Closes the connection; `reason` is an error code or a short word, never a secret. */
  close(code: number, reason: string): void;
}

/** WebSocket close codes used by Amphi (4000–4999 is the application range). */
export const CLOSE = {
  normal: 1000,
  /** Closed after an error whose spec says `closesSocket`. */
  error: 4000,
  removed: 4001,
  denied: 4002,
  ended: 4003,
  /** Another socket took over this participant (resume). */
  replaced: 4004,
  /** Server shutting down. */
  shutdown: 1001,
} as const;
