import { randomUUID } from 'node:crypto';
import { RoomSettings, StreamKey, type LinkRole, type RoomKind } from '@amphi/protocol';
import { randomToken, sha256 } from '../auth/tokens.js';
import type { Db } from './database.js';

export interface CoHostRecord {
  userId: string;
  email: string;
  name: string;
}

export interface RoomRecord {
  id: string;
  title: string;
  kind: RoomKind;
  settings: RoomSettings;
  /** Null for a room made by an LTI launch: moderated by the instructors the LMS launches. */
  ownerId: string | null;
  cohosts: CoHostRecord[];
  createdAt: Date;
}

export interface LinkRecord {
  id: string;
  roomId: string;
  role: LinkRole;
  createdAt: Date;
  expiresAt: Date | null;
}

/** A room's stream key as stored: never the key itself. */
export interface StreamKeyRecord {
  roomId: string;
  /** The key's first characters, e.g. `amphi_Ab3x…`. */
  hint: string;
  createdAt: Date;
}

/** Characters of the random part shown in a key's hint (24 of its 192 bits). */
const HINT_CHARS = 4;

/** Rooms, their co-hosts, join links and live-session history, in the database. */
export class RoomStore {
  readonly #db: Db;
  readonly #now: () => Date;

  constructor(db: Db, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
  }

  /** Creates a room with its two join links. */
  async create(ownerId: string | null, input: { title: string; kind: RoomKind; settings: RoomSettings }): Promise<RoomRecord> {
    const id = randomUUID();
    const now = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('rooms').values({ id, title: input.title, kind: input.kind, owner_id: ownerId, settings: JSON.stringify(input.settings), created_at: now, updated_at: now }).execute();
      await trx
        .insertInto('room_links')
        .values((['moderator', 'participant'] as const).map((role) => ({ id: randomUUID(), room_id: id, role, created_at: now, expires_at: null, revoked_at: null })))
        .execute();
    });
    return { id, title: input.title, kind: input.kind, settings: input.settings, ownerId, cohosts: [], createdAt: now };
  }

  async get(id: string): Promise<RoomRecord | null> {
    const row = await this.#db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const cohosts = await this.#cohosts([id]);
    return toRecord(row, cohosts.get(id) ?? []);
  }

  /** Rooms the user owns or co-hosts, newest first. */
  async listFor(userId: string): Promise<RoomRecord[]> {
    const rows = await this.#db
      .selectFrom('rooms')
      .selectAll()
      .where((eb) => eb.or([eb('owner_id', '=', userId), eb('id', 'in', eb.selectFrom('room_cohosts').select('room_id').where('user_id', '=', userId))]))
      .orderBy('created_at', 'desc')
      .execute();
    const cohosts = await this.#cohosts(rows.map((r) => r.id));
    return rows.map((row) => toRecord(row, cohosts.get(row.id) ?? []));
  }

  async update(id: string, change: { title?: string | undefined; kind?: RoomKind | undefined; settings?: RoomSettings | undefined }): Promise<void> {
    await this.#db
      .updateTable('rooms')
      .set({
        ...(change.title !== undefined ? { title: change.title } : {}),
        ...(change.kind !== undefined ? { kind: change.kind } : {}),
        ...(change.settings !== undefined ? { settings: JSON.stringify(change.settings) } : {}),
        updated_at: this.#now(),
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('rooms').where('id', '=', id).execute();
  }

  async addCohost(roomId: string, userId: string): Promise<void> {
    await this.#db.insertInto('room_cohosts').values({ room_id: roomId, user_id: userId, added_at: this.#now() }).onConflict((oc) => oc.doNothing()).execute();
  }

  async removeCohost(roomId: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('room_cohosts').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The current (not revoked) link of each kind. */
  async links(roomId: string): Promise<Record<LinkRole, LinkRecord>> {
    const rows = await this.#db.selectFrom('room_links').selectAll().where('room_id', '=', roomId).where('revoked_at', 'is', null).orderBy('created_at', 'asc').execute();
    const byRole: Partial<Record<LinkRole, LinkRecord>> = {};
    for (const row of rows) byRole[row.role] = toLink(row);
    if (!byRole.moderator || !byRole.participant) throw new Error(`room ${roomId} is missing a join link`);
    return byRole as Record<LinkRole, LinkRecord>;
  }

  /** Revokes the current link of this kind and makes a new one. */
  async rotateLink(roomId: string, role: LinkRole, expiresAt: Date | null = null): Promise<LinkRecord> {
    const now = this.#now();
    const row = { id: randomUUID(), room_id: roomId, role, created_at: now, expires_at: expiresAt, revoked_at: null };
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('room_links').set({ revoked_at: now }).where('room_id', '=', roomId).where('role', '=', role).where('revoked_at', 'is', null).execute();
      await trx.insertInto('room_links').values(row).execute();
    });
    return toLink(row);
  }

  /** A link by id, whether usable or why not. */
  async findLink(linkId: string): Promise<(LinkRecord & { revoked: boolean; expired: boolean }) | null> {
    const row = await this.#db.selectFrom('room_links').selectAll().where('id', '=', linkId).executeTakeFirst();
    if (!row) return null;
    const expiresAt = row.expires_at === null ? null : new Date(row.expires_at);
    return { ...toLink(row), revoked: row.revoked_at !== null, expired: expiresAt !== null && expiresAt <= this.#now() };
  }

  /** The room's current stream key, without the secret; null when it has none. */
  async streamKey(roomId: string): Promise<StreamKeyRecord | null> {
    const row = await this.#db.selectFrom('room_stream_keys').select(['room_id', 'hint', 'created_at']).where('room_id', '=', roomId).executeTakeFirst();
    return row ? { roomId: row.room_id, hint: row.hint, createdAt: new Date(row.created_at) } : null;
  }

  /**
   * Creates the room's stream key, or replaces the current one (which stops working at
   * once). Returns the key in clear: the only time it exists outside the encoder.
   */
  async rotateStreamKey(roomId: string): Promise<StreamKeyRecord & { key: string }> {
    const key = `amphi_${randomToken(24)}`;
    const hint = `${key.slice(0, 'amphi_'.length + HINT_CHARS)}…`;
    const row = { key_hash: sha256(key), hint, created_at: this.#now() };
    await this.#db
      .insertInto('room_stream_keys')
      .values({ room_id: roomId, ...row })
      .onConflict((oc) => oc.column('room_id').doUpdateSet(row))
      .execute();
    return { roomId, key, hint, createdAt: row.created_at };
  }

  /** Deletes the room's stream key; false when it had none. */
  async revokeStreamKey(roomId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('room_stream_keys').where('room_id', '=', roomId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * The room a presented stream key belongs to (for the RTMP ingest), or null. Anything not
   * shaped like an issued key is refused before hashing. No constant-time comparison is
   * needed: the lookup is by the key's SHA-256 through the database index, so timing can
   * reveal at most something about a hash, never about a key.
   */
  async roomForStreamKey(key: string): Promise<RoomRecord | null> {
    if (!StreamKey.safeParse(key).success) return null;
    const row = await this.#db.selectFrom('room_stream_keys').select('room_id').where('key_hash', '=', sha256(key)).executeTakeFirst();
    return row ? this.get(row.room_id) : null;
  }

  /** Writes a live session's start; nothing when its row exists (instances sharing it may each ensure it). */
  async recordSessionStart(id: string, roomId: string, startedAt: Date): Promise<void> {
    await this.#db
      .insertInto('live_sessions')
      .values({ id, room_id: roomId, started_at: startedAt, ended_at: null, ended_reason: null })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async recordSessionEnd(id: string, endedAt: Date, reason: string, peak: number): Promise<void> {
    await this.#db.updateTable('live_sessions').set({ ended_at: endedAt, ended_reason: reason, peak_participants: peak }).where('id', '=', id).execute();
  }

  /** Sessions whose end was never written: live on some instance, or interrupted. */
  async openSessions(): Promise<{ id: string; roomId: string }[]> {
    const rows = await this.#db.selectFrom('live_sessions').select(['id', 'room_id']).where('ended_at', 'is', null).execute();
    return rows.map((row) => ({ id: row.id, roomId: row.room_id }));
  }

  /**
   * Closes sessions left open by a previous process (live state does not survive a restart),
   * except those still live on other instances.
   */
  async endInterruptedSessions(stillLive: ReadonlySet<string> = new Set()): Promise<number> {
    let update = this.#db.updateTable('live_sessions').set({ ended_at: this.#now(), ended_reason: 'interrupted' }).where('ended_at', 'is', null);
    if (stillLive.size > 0) update = update.where('id', 'not in', [...stillLive]);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async #cohosts(roomIds: string[]): Promise<Map<string, CoHostRecord[]>> {
    const map = new Map<string, CoHostRecord[]>();
    if (roomIds.length === 0) return map;
    const rows = await this.#db
      .selectFrom('room_cohosts')
      .innerJoin('users', 'users.id', 'room_cohosts.user_id')
      .select(['room_cohosts.room_id', 'users.id', 'users.email', 'users.name'])
      .where('room_cohosts.room_id', 'in', roomIds)
      .orderBy('room_cohosts.added_at', 'asc')
      .execute();
    for (const row of rows) {
      const list = map.get(row.room_id) ?? [];
      list.push({ userId: row.id, email: row.email, name: row.name });
      map.set(row.room_id, list);
    }
    return map;
  }
}

interface RoomRow {
  id: string;
  title: string;
  kind: RoomKind;
  owner_id: string | null;
  settings: string;
  created_at: Date | string;
}

function toRecord(row: RoomRow, cohosts: CoHostRecord[]): RoomRecord {
  return {
    id: row.id,
    title: row.title,
    kind: row.kind,
    settings: RoomSettings.parse(JSON.parse(row.settings)),
    ownerId: row.owner_id,
    cohosts,
    createdAt: new Date(row.created_at),
  };
}

function toLink(row: { id: string; room_id: string; role: LinkRole; created_at: Date | string; expires_at: Date | string | null }): LinkRecord {
  return { id: row.id, roomId: row.room_id, role: row.role, createdAt: new Date(row.created_at), expiresAt: row.expires_at === null ? null : new Date(row.expires_at) };
}
