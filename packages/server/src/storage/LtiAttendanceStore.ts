import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

/** A stretch of presence of an LTI identity in a live session (epoch ms). */
export interface AttendanceInterval {
  identityId: string;
  joinedAt: number;
  /** Null: present until the session's end. */
  leftAt: number | null;
}

/** Who from an LMS was in which live session, and when (lti_attendance). */
export class LtiAttendanceStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async joined(input: { sessionId: string; roomId: string; identityId: string; participantId: string; at: Date }): Promise<void> {
    await this.#db
      .insertInto('lti_attendance')
      .values({ id: randomUUID(), session_id: input.sessionId, room_id: input.roomId, identity_id: input.identityId, participant_id: input.participantId, joined_at: input.at, left_at: null })
      .execute();
  }

  /** Closes the person's open stretch (a person re-arriving on another instance has a new one). */
  async left(input: { sessionId: string; participantId: string; at: Date }): Promise<void> {
    await this.#db
      .updateTable('lti_attendance')
      .set({ left_at: input.at })
      .where('session_id', '=', input.sessionId)
      .where('participant_id', '=', input.participantId)
      .where('left_at', 'is', null)
      .execute();
  }

  async intervals(sessionId: string): Promise<AttendanceInterval[]> {
    const rows = await this.#db.selectFrom('lti_attendance').select(['identity_id', 'joined_at', 'left_at']).where('session_id', '=', sessionId).execute();
    return rows.map((r) => ({ identityId: r.identity_id, joinedAt: new Date(r.joined_at).getTime(), leftAt: r.left_at === null ? null : new Date(r.left_at).getTime() }));
  }

  /** The id of the room's live session now, or of its last one (null when it never had one). */
  async latestSessionId(roomId: string): Promise<string | null> {
    const row = await this.#db.selectFrom('live_sessions').select('id').where('room_id', '=', roomId).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    return row?.id ?? null;
  }

  /** The identities present at some point in a session. */
  async identitiesIn(sessionId: string): Promise<Set<string>> {
    const rows = await this.#db.selectFrom('lti_attendance').select('identity_id').distinct().where('session_id', '=', sessionId).execute();
    return new Set(rows.map((r) => r.identity_id));
  }
}
