import type { InteractionEvent } from '../interaction/index.js';
import type { Db } from './database.js';

/** A poll of a live session as stored: its whole record (with ballots) and its results. */
export interface StoredPoll {
  readonly pollId: string;
  readonly state: 'draft' | 'open' | 'closed' | 'revealed';
  readonly question: string;
  readonly record: unknown;
  readonly results: unknown;
}

/**
 * The interaction log of live sessions (chat, Q&A, polls) and their polls, in the database.
 * Works the same on PGlite and PostgreSQL.
 */
export class InteractionStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Writes a batch of events in one transaction (all or nothing). An event that redacts an
   * earlier one replaces that one's payload by `residue(seq)` (null: erased) and records by
   * which event.
   */
  async append(sessionId: string, batch: readonly InteractionEvent[], residue: (seq: number) => unknown = () => null): Promise<void> {
    if (batch.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('interaction_events')
        .values(
          batch.map((e) => ({
            session_id: sessionId,
            seq: e.seq,
            kind: e.kind,
            actor_id: e.actorId,
            client_id: e.clientId ?? null,
            at: new Date(e.at),
            media_time: e.mediaTime,
            payload: e.payload === null || e.payload === undefined ? null : JSON.stringify(e.payload),
            restricted_to: e.restrictedTo ? JSON.stringify(e.restrictedTo) : null,
            redacts: e.redacts ?? null,
            redacted_by: null,
          })),
        )
        .execute();
      for (const e of batch) {
        if (e.redacts === undefined) continue;
        const left = residue(e.redacts);
        await trx
          .updateTable('interaction_events')
          .set({ payload: left === null || left === undefined ? null : JSON.stringify(left), redacted_by: e.seq })
          .where('session_id', '=', sessionId)
          .where('seq', '=', e.redacts)
          .execute();
      }
    });
  }

  /** The events after `afterSeq`, in order (to catch up, or to rebuild a session's state). */
  async load(sessionId: string, afterSeq = 0): Promise<InteractionEvent[]> {
    const rows = await this.#db.selectFrom('interaction_events').selectAll().where('session_id', '=', sessionId).where('seq', '>', afterSeq).orderBy('seq', 'asc').execute();
    return rows.map((row) => {
      const event: { -readonly [K in keyof InteractionEvent]: InteractionEvent[K] } = {
        seq: row.seq,
        kind: row.kind,
        actorId: row.actor_id,
        at: new Date(row.at).getTime(),
        mediaTime: row.media_time === null ? null : Number(row.media_time),
        payload: parseJson(row.payload),
      };
      if (row.client_id !== null) event.clientId = row.client_id;
      const restricted = parseJson(row.restricted_to);
      if (Array.isArray(restricted)) event.restrictedTo = restricted.map(String);
      if (row.redacts !== null) event.redacts = row.redacts;
      if (row.redacted_by !== null) event.redactedBy = row.redacted_by;
      return event;
    });
  }

  /** Seq of the session's last stored event (0 when none). */
  async lastSeq(sessionId: string): Promise<number> {
    const row = await this.#db.selectFrom('interaction_events').select((eb) => eb.fn.max('seq').as('last')).where('session_id', '=', sessionId).executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  /** Stores a poll as it is now (insert or replace). */
  async savePoll(sessionId: string, poll: StoredPoll): Promise<void> {
    const row = {
      state: poll.state,
      question: poll.question,
      record: JSON.stringify(poll.record),
      results: poll.results === null || poll.results === undefined ? null : JSON.stringify(poll.results),
      updated_at: new Date(),
    };
    await this.#db
      .insertInto('polls')
      .values({ session_id: sessionId, poll_id: poll.pollId, ...row })
      .onConflict((oc) => oc.columns(['session_id', 'poll_id']).doUpdateSet(row))
      .execute();
  }

  /** Forgets a poll (a draft deleted before it was opened). */
  async deletePoll(sessionId: string, pollId: string): Promise<void> {
    await this.#db.deleteFrom('polls').where('session_id', '=', sessionId).where('poll_id', '=', pollId).execute();
  }

  /** The session's polls, by time of their last change. */
  async polls(sessionId: string): Promise<StoredPoll[]> {
    const rows = await this.#db.selectFrom('polls').selectAll().where('session_id', '=', sessionId).orderBy('updated_at', 'asc').execute();
    return rows.map((row) => ({ pollId: row.poll_id, state: row.state, question: row.question, record: parseJson(row.record), results: parseJson(row.results) }));
  }
}

/** jsonb comes back parsed from `pg` and PGlite alike; a string is parsed in case a driver does not. */
function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
