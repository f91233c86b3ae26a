import { AmphiError, type LtiGrade, type LtiRoster } from '@amphi/protocol';
import type { LtiAppClaims } from '../auth/index.js';
import type { SessionObserver } from '../realtime/index.js';
import type { EndReason } from '../rooms/index.js';
import type { AttendanceInterval, LtiAttendanceStore, LtiContextRecord, LtiLaunchStore, LtiPlatformRecord, LtiResourceLinkRecord, LtiStore, RoomRecord, RoomStore } from '../storage/index.js';
import { createLineItem, findLineItem, gradePlan, newLineItem, postScore } from './ags.js';
import { scoreMaximum, sessionScores, type PresenceInterval } from './attendance.js';
import { displayNameFor } from './launchRoom.js';
import { fetchRoster, type CourseMember } from './nrps.js';
import { amphiRole } from './roles.js';
import { LTI_SCOPES, LtiServiceError, ServiceTokens, type Fetch } from './serviceToken.js';
import type { SigningKey } from './ToolKeys.js';

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LtiServicesOptions {
  lti: LtiStore;
  launches: LtiLaunchStore;
  attendance: LtiAttendanceStore;
  rooms: RoomStore;
  /** Amphi's current signing key (ToolKeys.current). */
  key: () => Promise<SigningKey>;
  log: Logger;
  /** Default: the global fetch. */
  fetch?: Fetch;
  /** Clock in epoch milliseconds (default `Date.now`). */
  now?: () => number;
  /** How long a course roster read from the LMS is reused, in ms (default 60,000). */
  rosterTtlMs?: number;
  /** Waits before each new attempt at posting grades, in ms (default 5 s, 30 s, 2 min, 10 min). */
  retryDelaysMs?: readonly number[];
}

/** The prefix of the `userId` of people launched from an LMS (tickets of /api/lti/join). */
const LTI_USER_PREFIX = 'lti:';

/**
 * LTI Advantage services around the pure pieces: the course roster (Names and Role
 * Provisioning) with who joined the room, and the grades posted (Assignment and Grade
 * Services) after each live session of a room whose `ltiGrade` setting asks for them. As the
 * hub's session observer, it records when each LMS person is in a live session (lti_attendance).
 *
 * Close: `close()` stops pending retries and refuses new grading; safe to call twice.
 */
export class LtiServices implements SessionObserver {
  readonly #o: LtiServicesOptions;
  readonly #now: () => number;
  readonly #fetch: Fetch;
  readonly #tokens: ServiceTokens;
  readonly #rosters = new Map<string, { members: CourseMember[]; fetchedAt: number }>();
  /** Attendance writes per session, chained so a departure is written after its arrival. */
  readonly #writes = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: LtiServicesOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#tokens = new ServiceTokens({ key: options.key, fetch: this.#fetch, now: this.#now });
  }

  // ---------------------------------------------------------------- roster

  /** The course roster for a moderator's app token: each member, their Amphi role here, and whether they joined. */
  async roster(claims: LtiAppClaims): Promise<LtiRoster> {
    if (claims.role !== 'moderator') throw new AmphiError('NOT_ALLOWED', 'Only a moderator sees the course roster.');
    const room = await this.#o.rooms.get(claims.rid);
    if (!room) throw new AmphiError('ROOM_NOT_FOUND');
    const link = (await this.#o.launches.resourceLinksOfRoom(room.id)).find((l) => l.id === claims.rl);
    const course = link ? await this.#course(link) : null;
    if (!link || !course) throw new AmphiError('INVALID_STATE', 'This course does not share its member list with Amphi (Names and Role Provisioning).');
    const { members, fetchedAt } = await this.#roster(course.context, course.platform);
    const identities = await this.#o.launches.identitiesBySub(link.issuer, members.map((m) => m.userId));
    const latest = await this.#o.attendance.latestSessionId(room.id);
    const present = latest !== null ? await this.#o.attendance.identitiesIn(latest) : new Set<string>();
    const joinedSubs = new Set(identities.filter((i) => present.has(i.id)).map((i) => i.sub));
    const options = { roomKind: room.kind, teachingAssistant: room.settings.ltiTeachingAssistant };
    const rosterMembers = members
      .map((m) => ({ name: memberName(m), role: amphiRole(m.roles, options), joined: joinedSubs.has(m.userId), status: m.status }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { members: rosterMembers, fetchedAt: new Date(fetchedAt).toISOString() };
  }

  async #course(link: LtiResourceLinkRecord): Promise<{ context: LtiContextRecord & { membershipsUrl: string }; platform: LtiPlatformRecord } | null> {
    const context = link.contextRef ? await this.#o.launches.context(link.contextRef) : null;
    const platformId = context?.platformId ?? link.platformId;
    if (!context?.membershipsUrl || !platformId) return null;
    const platform = await this.#o.lti.platform(platformId);
    return platform ? { context: { ...context, membershipsUrl: context.membershipsUrl }, platform } : null;
  }

  /** The course's members, read again from the LMS once the cached copy is older than `rosterTtlMs`. */
  async #roster(context: LtiContextRecord & { membershipsUrl: string }, platform: LtiPlatformRecord): Promise<{ members: CourseMember[]; fetchedAt: number }> {
    const now = this.#now();
    const ttl = this.#o.rosterTtlMs ?? 60_000;
    for (const [key, entry] of this.#rosters) if (entry.fetchedAt + ttl <= now) this.#rosters.delete(key);
    const cached = this.#rosters.get(context.id);
    if (cached) return cached;
    const token = await this.#tokens.token(platform, [LTI_SCOPES.nrps]);
    let members: CourseMember[];
    try {
      members = await fetchRoster(context.membershipsUrl, token, this.#fetch);
    } catch (error) {
      this.#tokens.forget(platform, [LTI_SCOPES.nrps]);
      throw error;
    }
    const entry = { members, fetchedAt: now };
    this.#rosters.set(context.id, entry);
    return entry;
  }

  // ---------------------------------------------------------------- attendance (SessionObserver)

  participantJoined(event: { roomId: string; sessionId: string; participantId: string; userId: string | undefined; at: number }): void {
    const identityId = event.userId?.startsWith(LTI_USER_PREFIX) ? event.userId.slice(LTI_USER_PREFIX.length) : null;
    if (identityId === null) return;
    this.#write(event.sessionId, () => this.#o.attendance.joined({ sessionId: event.sessionId, roomId: event.roomId, identityId, participantId: event.participantId, at: new Date(event.at) }));
  }

  participantLeft(event: { roomId: string; sessionId: string; participantId: string; at: number }): void {
    // Only sessions with an LMS person in them have writes to follow.
    if (!this.#writes.has(event.sessionId)) return;
    this.#write(event.sessionId, () => this.#o.attendance.left({ sessionId: event.sessionId, participantId: event.participantId, at: new Date(event.at) }));
  }

  sessionEnded(event: { roomId: string; sessionId: string; startedAt: number; endedAt: number; reason: EndReason }): void {
    const writes = this.#writes.get(event.sessionId) ?? Promise.resolve();
    this.#writes.delete(event.sessionId);
    // A session ended by the server shutting down (or its room deleted) is not graded: the
    // database closes next, and an interrupted lesson is not the teacher's end of it.
    if (this.#closed || event.reason === 'closed') return;
    void writes.then(() => this.#gradeSession(event)).catch((err: unknown) => this.#o.log.error({ err: message(err), roomId: event.roomId, sessionId: event.sessionId }, 'LTI grades could not be prepared'));
  }

  #write(sessionId: string, write: () => Promise<void>): void {
    const previous = this.#writes.get(sessionId) ?? Promise.resolve();
    this.#writes.set(
      sessionId,
      previous.then(write).catch((err: unknown) => this.#o.log.error({ err, sessionId }, 'could not record LTI attendance')),
    );
  }

  // ---------------------------------------------------------------- grades

  async #gradeSession(event: { roomId: string; sessionId: string; startedAt: number; endedAt: number }): Promise<void> {
    const room = await this.#o.rooms.get(event.roomId);
    const grade = room?.settings.ltiGrade ?? 'off';
    if (!room || grade === 'off') return;
    const links = await this.#o.launches.resourceLinksOfRoom(room.id);
    const intervals = await this.#o.attendance.intervals(event.sessionId);
    const bounds = { startedAt: event.startedAt, endedAt: event.endedAt };
    for (const link of links) {
      const context = { roomId: room.id, sessionId: event.sessionId, linkId: link.id };
      this.#attempt(0, context, () => this.#gradeLink(room, grade, link, intervals, bounds));
    }
  }

  /** Runs `post`; on failure, again after the next delay, until the delays run out. */
  #attempt(attempt: number, context: object, post: () => Promise<number | null>): void {
    if (this.#closed) return;
    const delays = this.#o.retryDelaysMs ?? [5_000, 30_000, 120_000, 600_000];
    post().then(
      (count) => {
        if (count !== null) this.#o.log.info({ ...context, scores: count, attempt: attempt + 1 }, 'LTI grades posted');
      },
      (err: unknown) => {
        const delay = delays[attempt];
        if (delay === undefined || this.#closed) {
          this.#o.log.error({ ...context, err: message(err), attempts: attempt + 1 }, 'LTI grades could not be posted; giving up');
          return;
        }
        this.#o.log.warn({ ...context, err: message(err), attempt: attempt + 1, retryInMs: delay }, 'LTI grades could not be posted; retrying');
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#attempt(attempt + 1, context, post);
        }, delay);
        this.#timers.add(timer);
      },
    );
  }

  /** Posts one activity's scores; resolves with their number, or null when the activity takes no grades. */
  async #gradeLink(room: RoomRecord, grade: Exclude<LtiGrade, 'off'>, link: LtiResourceLinkRecord, intervals: readonly AttendanceInterval[], bounds: { startedAt: number; endedAt: number }): Promise<number | null> {
    const plan = gradePlan({ lineItemsUrl: link.lineItemsUrl, lineItemUrl: link.lineItemUrl, scope: link.agsScope });
    const course = await this.#course(link);
    if (plan.kind === 'none' || !course) {
      this.#o.log.info({ roomId: room.id, linkId: link.id, reason: plan.kind === 'none' ? plan.reason : 'the course shares no roster' }, 'LTI grades not posted for this activity');
      return null;
    }
    const { members } = await this.#roster(course.context, course.platform);
    const identities = await this.#o.launches.identitiesBySub(link.issuer, members.map((m) => m.userId));
    const subOf = new Map(identities.map((i) => [i.id, i.sub]));
    const presence = new Map<string, PresenceInterval[]>();
    for (const interval of intervals) {
      const sub = subOf.get(interval.identityId);
      if (sub !== undefined) presence.set(sub, [...(presence.get(sub) ?? []), interval]);
    }
    const scores = sessionScores(grade, members, presence, bounds);
    const scopes = plan.kind === 'lineItem' ? [LTI_SCOPES.score] : [LTI_SCOPES.lineItem, LTI_SCOPES.score];
    const token = await this.#tokens.token(course.platform, scopes);
    try {
      let lineItemUrl: string;
      if (plan.kind === 'lineItem') lineItemUrl = plan.lineItemUrl;
      else {
        const found = await findLineItem(plan.lineItemsUrl, link.resourceLinkId, token, this.#fetch);
        lineItemUrl = found?.id ?? (await createLineItem(plan.lineItemsUrl, newLineItem({ roomTitle: room.title, resourceLinkId: link.resourceLinkId, scoreMaximum: scoreMaximum(grade) }), token, this.#fetch)).id;
        // The token goes where the line item says: only to the platform's own origin.
        if (new URL(lineItemUrl).origin !== new URL(plan.lineItemsUrl).origin) throw new LtiServiceError('The platform gave a line item on another origin than its line items.');
      }
      const timestamp = new Date(this.#now()).toISOString();
      for (const score of scores) await postScore(lineItemUrl, { ...score, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp }, token, this.#fetch);
    } catch (error) {
      // A refused token is not asked for again by the next attempt.
      this.#tokens.forget(course.platform, scopes);
      throw error;
    }
    return scores.length;
  }

  /** Stops retries; grading asked for afterwards is not done. Safe to call twice. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

function memberName(member: CourseMember): string {
  const given = [member.givenName, member.familyName].filter(Boolean).join(' ');
  return displayNameFor(member.name ?? (given || undefined), member.email, member.userId);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

