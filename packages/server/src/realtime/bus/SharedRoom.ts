import { randomUUID } from 'node:crypto';
import type { Role } from '@amphi/protocol';
import type { EndReason, LiveSession, SharedSessionIdentity } from '../../rooms/index.js';
import type { SessionNews, SharedSessions } from './SharedSessions.js';

interface Logger {
  warn(obj: object, msg?: string): void;
}

export interface SharedRoomOptions {
  roomId: string;
  /** This instance's session of the room (one SharedRoom per LiveSession). */
  session: LiveSession;
  sessions: SharedSessions;
  instanceId: string;
  /** How long (ms) the records of people who left are kept (as long as resume tokens last). */
  recordTtlMs: number;
  /** Keeps a bus write among those the hub's `flush()` waits for. */
  track: (write: Promise<void>) => void;
  log: Logger;
}

/**
 * One room's live session on this instance, as shared with the others through the bus
 * (SharedSessions): takes up the session running elsewhere, or makes it for a moderator
 * arriving here; ends here when it is ended elsewhere; remembers on the bus who left and
 * role changes (for resume tokens presented to other instances); and decides who writes the
 * session's row: its start by the instance that made it, its end by the instance where a
 * moderator ended it, or else by the last instance to let it go.
 */
export class SharedRoom {
  /** Holds the room's shared session on the bus: unique to this LiveSession. */
  readonly holder: string;
  readonly #options: SharedRoomOptions;
  readonly #session: LiveSession;
  #identity: SharedSessionIdentity | null = null;
  #origin = false;
  #endedBy: 'here' | 'elsewhere' | null = null;
  /** Takes of the shared session, one after the other. */
  #sharing: Promise<void> = Promise.resolve();
  readonly #departed = new Set<string>();

  constructor(options: SharedRoomOptions) {
    this.#options = options;
    this.#session = options.session;
    this.holder = `${options.instanceId}/${randomUUID()}`;
    this.#wire();
  }

  /** The identity shared with the other instances (null: not live, or not shared). */
  get identity(): SharedSessionIdentity | null {
    return this.#identity;
  }

  /** Whether this instance writes the session's start (it made it, or it is not shared). */
  get recordsStart(): boolean {
    return this.#origin || this.#identity === null;
  }

  /** Whether this person left the session here (their resume token no longer brings them back). */
  departed(participantId: string): boolean {
    return this.#departed.has(participantId);
  }

  /**
   * Shares a pending session's identity. With a candidate (a moderator is arriving): makes
   * the room's shared session and resolves with it, for the moderator's arrival to start it
   * as; or, when another instance just made one, takes that one up. Without: takes up the one
   * running elsewhere, if any. When the bus fails, the session runs on this instance only
   * (started by a moderator here, as without other instances).
   */
  share(candidate?: SharedSessionIdentity): Promise<SharedSessionIdentity | null> {
    const { roomId, sessions, log } = this.#options;
    const session = this.#session;
    const next = this.#sharing.then(async (): Promise<SharedSessionIdentity | null> => {
      if (session.state !== 'pending' || session.isClosed) return null;
      // Already made here, waiting for its moderator's arrival.
      if (this.#identity) return this.#identity;
      const onLost = () => this.endedElsewhere(this.#identity?.id);
      let identity: SharedSessionIdentity | null;
      try {
        identity = candidate ? await sessions.start(roomId, this.holder, candidate, onLost) : await sessions.join(roomId, this.holder, onLost);
      } catch (err) {
        log.warn({ err, roomId }, 'could not share the live session: it runs on this instance only');
        return null;
      }
      if (!identity) return null;
      if (session.state !== 'pending' || session.isClosed) {
        await sessions.leave(roomId, this.holder).catch(() => undefined);
        return null;
      }
      this.#identity = identity;
      this.#origin = identity.id === candidate?.id;
      // Made here: the moderator's arrival starts it (so moderators are placed first).
      if (!this.#origin) session.adopt(identity);
      return identity;
    });
    this.#sharing = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** What another instance announced about this room. */
  news(news: SessionNews): void {
    if (news.type === 'ended') this.endedElsewhere(news.id);
    else if (this.#session.state === 'pending') this.share().catch((err: unknown) => this.#options.log.warn({ err, roomId: this.#options.roomId }, 'could not take up a shared session'));
  }

  /** Another instance ended the session (or its shared lease was lost): end it here too. */
  endedElsewhere(sessionId: string | undefined): void {
    const session = this.#session;
    if (sessionId === undefined || session.info?.id !== sessionId || session.isClosed) return;
    this.#endedBy ??= 'elsewhere';
    session.end(null, 'moderator');
  }

  /** The session is ending here for every instance (the room was deleted): call before ending it. */
  endEverywhere(): void {
    this.#endedBy ??= 'here';
  }

  /**
   * The session ended here: tells the others when it ends for everyone, lets go of it, and
   * writes the end (`record`) when this instance is the one to.
   */
  async ended(reason: EndReason, record: () => Promise<void>): Promise<void> {
    const { roomId, sessions, log } = this.#options;
    const identity = this.#identity;
    if (!identity) return record();
    // Ended by another instance, which writes the end: only let go.
    if (this.#endedBy === 'elsewhere') {
      await sessions.leave(roomId, this.holder);
      return;
    }
    if (this.#endedBy === 'here' || reason === 'moderator') {
      await sessions.end(roomId, this.holder, identity).catch((err: unknown) => log.warn({ err, roomId }, 'could not end the shared session on the other instances'));
      return record();
    }
    // Emptied here (or this instance shuts down): it lives on while other instances hold it.
    if (await sessions.leave(roomId, this.holder)) await record();
  }

  #wire(): void {
    const session = this.#session;
    const { roomId, sessions, log, track } = this.#options;
    const remember = (pid: string, what: { gone: true } | { role: Role }) => {
      const sid = session.info?.id;
      if (sid === undefined) return;
      track(sessions.recordParticipant(roomId, sid, pid, what, this.#options.recordTtlMs).catch((err: unknown) => log.warn({ err, roomId }, 'could not share a participant change')));
    };
    const gone = (pid: string) => {
      this.#departed.add(pid);
      remember(pid, { gone: true });
    };
    session.on('participantLeft', (pid) => gone(pid));
    session.on('lobbyLeft', (pid, outcome) => {
      if (outcome !== 'admitted') gone(pid);
    });
    session.on('participantUpdated', (participant, previousRole) => {
      if (participant.role !== previousRole) remember(participant.id, { role: participant.role });
    });
    // Made here for a moderator whose arrival never came: nobody runs it here.
    session.on('closed', () => {
      if (this.#identity && session.info === null) track(sessions.leave(roomId, this.holder).then(() => undefined, () => undefined));
    });
  }
}
