import type { EndReason } from '../rooms/index.js';

/**
 * Watches live sessions from outside the hub (LTI attendance and grades): arrivals and
 * departures of joined people, and the end of each session. Calls are synchronous and must not
 * throw (a throwing observer is logged and ignored); slow work is the observer's to schedule.
 * Times are epoch milliseconds.
 */
export interface SessionObserver {
  /** A person joined the session on this instance (`userId`: an account id or `lti:<identity id>`). */
  participantJoined?(event: { roomId: string; sessionId: string; participantId: string; userId: string | undefined; at: number }): void;
  /** A joined person left it (by choice, timeout or removal); not called for those still in it at its end. */
  participantLeft?(event: { roomId: string; sessionId: string; participantId: string; at: number }): void;
  /** The session ended for everyone: called once, by the instance that records its end, after recording it. */
  sessionEnded?(event: { roomId: string; sessionId: string; startedAt: number; endedAt: number; reason: EndReason }): void;
}
