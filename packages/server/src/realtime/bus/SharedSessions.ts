import { z } from 'zod';
import { Role } from '@amphi/protocol';
import type { SharedSessionIdentity } from '../../rooms/index.js';
import type { Bus, Subscription } from './Bus.js';

interface Logger {
  warn(obj: object, msg?: string): void;
}

/** What an instance tells the others about a room's live session. */
export type SessionNews = z.infer<typeof SessionNews>;
const SessionNews = z.discriminatedUnion('type', [
  /** It started: instances where people wait for it take it up. */
  z.object({ type: z.literal('started'), roomId: z.string(), id: z.string(), from: z.string() }),
  /** A moderator ended it (or the room was deleted): every instance ends its part. */
  z.object({ type: z.literal('ended'), roomId: z.string(), id: z.string(), from: z.string() }),
]);

const Identity = z.object({ id: z.string(), startedAt: z.number() });

/** What other instances must know about a person of a shared session, to re-arrive them. */
export type ParticipantRecord = z.infer<typeof ParticipantRecord>;
const ParticipantRecord = z.union([z.object({ gone: z.literal(true) }), z.object({ role: Role })]);

export interface SharedSessionsOptions {
  bus: Bus;
  /** This instance's id: news it published itself are not handed back to it. */
  instanceId: string;
  /** How long (ms) a hold lasts unless renewed (default 15000); renewed every third of it. */
  leaseMs?: number;
  /** Receives what other instances announce. */
  onNews: (news: SessionNews) => void;
  log: Logger;
}

/** Default lease of a room's session: an instance that dies stops holding it within 15 s. */
export const SESSION_LEASE_MS = 15_000;
const NEWS_CHANNEL = 'sessions';

/** Key of a room's shared session: its identity, held by every instance where it is live. */
export function sessionKey(roomId: string): string {
  return `room:${roomId}:session`;
}

function participantKey(roomId: string, sessionId: string, participantId: string): string {
  return `room:${roomId}:session:${sessionId}:participant:${participantId}`;
}

interface Hold {
  roomId: string;
  /** The lease's value as stored: renewals match it exactly. */
  raw: string;
  timer: NodeJS.Timeout;
}

/**
 * The identity of each room's live session, shared by the instances on one bus. A room's
 * session lives under `room:<id>:session` ({ id, startedAt }) as a shared lease: every
 * instance where it is live holds it (one holder per hosting of the room, renewed while it
 * lasts), so it outlives any one instance and ends when the last one lets go or dies.
 *
 * - `start`: a moderator is about to start the room's session here: make it under a new
 *   identity, or take up the one another instance made meanwhile; announced as `started`.
 * - `join`: take up the session the room already runs elsewhere (null: none).
 * - `leave`: nobody is left here; tells whether anyone still holds it (the last one records its end).
 * - `end`: a moderator ended it: revoke the lease and announce `ended` to every instance.
 * A hold that cannot be renewed (the lease was revoked, or lapsed) calls its `onLost`.
 */
export class SharedSessions {
  readonly #bus: Bus;
  readonly #options: SharedSessionsOptions;
  readonly #leaseMs: number;
  readonly #holds = new Map<string, Hold>();
  #news: Promise<Subscription> | null = null;
  #closed = false;

  constructor(options: SharedSessionsOptions) {
    this.#bus = options.bus;
    this.#options = options;
    this.#leaseMs = options.leaseMs ?? SESSION_LEASE_MS;
  }

  /** Takes up the room's session if it runs on another instance (null: it does not). */
  async join(roomId: string, holder: string, onLost: () => void): Promise<SharedSessionIdentity | null> {
    await this.#listen();
    const raw = await this.#bus.hold(sessionKey(roomId), holder, this.#leaseMs);
    if (raw === null) return null;
    const identity = parseJson(Identity, raw);
    if (!identity) {
      this.#options.log.warn({ roomId }, 'ignored a shared session in an unknown shape');
      await this.#bus.unhold(sessionKey(roomId), holder);
      return null;
    }
    this.#keep(holder, roomId, raw, onLost);
    return identity;
  }

  /**
   * Starts the room's session under `candidate`, unless another instance started one first:
   * resolves with the identity in force (the candidate when this instance made it).
   */
  async start(roomId: string, holder: string, candidate: SharedSessionIdentity, onLost: () => void): Promise<SharedSessionIdentity> {
    await this.#listen();
    const mine = JSON.stringify({ id: candidate.id, startedAt: candidate.startedAt });
    // Another instance's session may end between two steps: try again (rarely more than once).
    for (let attempt = 0; attempt < 3; attempt++) {
      const raw = await this.#bus.hold(sessionKey(roomId), holder, this.#leaseMs, { value: mine, create: true });
      if (raw === mine) {
        this.#keep(holder, roomId, raw, onLost);
        await this.#announce({ type: 'started', roomId, id: candidate.id });
        return candidate;
      }
      const theirs = await this.join(roomId, holder, onLost);
      if (theirs) return theirs;
    }
    throw new Error(`could not share the live session of room ${roomId}`);
  }

  /** Stops holding the room's session; resolves with whether nobody holds it any more. */
  async leave(roomId: string, holder: string): Promise<boolean> {
    this.#stop(holder);
    return (await this.#bus.unhold(sessionKey(roomId), holder)) === 0;
  }

  /** Ends the room's session on every instance. */
  async end(roomId: string, holder: string, session: SharedSessionIdentity): Promise<void> {
    const raw = this.#holds.get(holder)?.raw ?? JSON.stringify({ id: session.id, startedAt: session.startedAt });
    this.#stop(holder);
    await this.#bus.revoke(sessionKey(roomId), raw);
    await this.#announce({ type: 'ended', roomId, id: session.id });
  }

  /** Remembers, for ttlMs, that a person left the session or what their role became. */
  async recordParticipant(roomId: string, sessionId: string, participantId: string, record: ParticipantRecord, ttlMs: number): Promise<void> {
    await this.#bus.put(participantKey(roomId, sessionId, participantId), JSON.stringify(record), ttlMs);
  }

  /** What `recordParticipant` last said about this person (null: nothing). */
  async participant(roomId: string, sessionId: string, participantId: string): Promise<ParticipantRecord | null> {
    const raw = await this.#bus.get(participantKey(roomId, sessionId, participantId));
    return raw === null ? null : parseJson(ParticipantRecord, raw);
  }

  /** Stops renewing and listening (holds still given up with `leave` are given up); safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const hold of this.#holds.values()) clearInterval(hold.timer);
    this.#holds.clear();
    const news = this.#news;
    this.#news = null;
    await news?.then((s) => s.unsubscribe()).catch(() => undefined);
  }

  #keep(holder: string, roomId: string, raw: string, onLost: () => void): void {
    this.#stop(holder);
    if (this.#closed) return;
    const timer = setInterval(() => {
      this.#bus.hold(sessionKey(roomId), holder, this.#leaseMs, { value: raw }).then(
        (current) => {
          if (current === raw || this.#holds.get(holder)?.timer !== timer) return;
          this.#stop(holder);
          onLost();
        },
        (err: unknown) => this.#options.log.warn({ err, roomId }, 'could not renew the shared live session'),
      );
    }, Math.max(1, Math.floor(this.#leaseMs / 3)));
    timer.unref();
    this.#holds.set(holder, { roomId, raw, timer });
  }

  #stop(holder: string): void {
    const hold = this.#holds.get(holder);
    if (!hold) return;
    clearInterval(hold.timer);
    this.#holds.delete(holder);
  }

  /** Subscribes to the news once, before the first lease is read (so no news is missed after it). */
  #listen(): Promise<Subscription> {
    this.#news ??= this.#bus.subscribe(NEWS_CHANNEL, (message) => {
      const news = parseJson(SessionNews, message);
      if (!news) this.#options.log.warn({}, 'ignored session news in an unknown shape');
      else if (news.from !== this.#options.instanceId) this.#options.onNews(news);
    });
    // A failed subscription is tried again on next use.
    this.#news.catch(() => (this.#news = null));
    return this.#news;
  }

  async #announce(news: Omit<SessionNews, 'from'>): Promise<void> {
    await this.#bus.publish(NEWS_CHANNEL, JSON.stringify({ ...news, from: this.#options.instanceId }));
  }
}

/** Which of these sessions are live on some instance now (used on start-up: the others were interrupted). */
export async function liveSessionIds(bus: Bus, sessions: { id: string; roomId: string }[]): Promise<Set<string>> {
  const live = new Set<string>();
  for (const roomId of new Set(sessions.map((s) => s.roomId))) {
    const raw = await bus.get(sessionKey(roomId));
    const identity = raw === null ? null : parseJson(Identity, raw);
    if (identity && sessions.some((s) => s.id === identity.id)) live.add(identity.id);
  }
  return live;
}

/** Parses JSON from the bus with its schema (another instance, another version: never trusted). */
function parseJson<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
