import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

/** A login state as stored between the login initiation and the launch (lti/loginState.ts). */
export interface StoredLoginState {
  nonce: string;
  iss: string;
  clientId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The platform storage frame the login named (LTI client-side postMessage flow). */
  storageTarget?: string;
}

/** A person from an LMS: no password, no account; keyed by (issuer, sub). */
export interface LtiIdentityRecord {
  id: string;
  issuer: string;
  sub: string;
  name: string | null;
  email: string | null;
}

/** A course of an LMS. */
export interface LtiContextRecord {
  id: string;
  issuer: string;
  contextId: string;
  title: string | null;
  label: string | null;
  membershipsUrl: string | null;
  platformId: string | null;
}

/** An LMS activity (resource link) and the room it leads to. */
export interface LtiResourceLinkRecord {
  id: string;
  issuer: string;
  resourceLinkId: string;
  contextRef: string | null;
  roomId: string;
  platformId: string | null;
  lineItemsUrl: string | null;
  lineItemUrl: string | null;
  agsScope: string[];
}

export type LtiResourceLinkInput = Omit<LtiResourceLinkRecord, 'id'>;

/**
 * What LTI launches store: single-use login states and LTI 1.1 nonces (shared by every
 * instance: the launch may reach another instance than the login), identities, courses and
 * the activity → room links. Works the same on PGlite and PostgreSQL.
 */
export class LtiLaunchStore {
  readonly #db: Db;
  readonly #now: () => Date;

  constructor(db: Db, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
  }

  // ---------------------------------------------------------------- login states (single use)

  async putLoginState(state: string, value: StoredLoginState): Promise<void> {
    await this.#db.deleteFrom('lti_login_states').where('expires_at', '<', this.#now()).execute();
    await this.#db
      .insertInto('lti_login_states')
      .values({ state, nonce: value.nonce, issuer: value.iss, client_id: value.clientId, storage_target: value.storageTarget ?? null, expires_at: new Date(value.expiresAt) })
      .execute();
  }

  /** Returns the state once: the row is deleted by the same statement, so two launches cannot both get it. */
  async takeLoginState(state: string): Promise<StoredLoginState | undefined> {
    const row = await this.#db.deleteFrom('lti_login_states').where('state', '=', state).returningAll().executeTakeFirst();
    if (!row) return undefined;
    return {
      nonce: row.nonce,
      iss: row.issuer,
      clientId: row.client_id,
      expiresAt: new Date(row.expires_at).getTime(),
      ...(row.storage_target !== null ? { storageTarget: row.storage_target } : {}),
    };
  }

  // ---------------------------------------------------------------- LTI 1.1 nonces

  /**
   * Records a nonce until `expiresAt`; true when it was already recorded (a replay). Expired
   * nonces are forgotten first: a request that old is refused by its timestamp anyway.
   */
  async nonceSeen(consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean> {
    await this.#db.deleteFrom('lti11_nonces').where('expires_at', '<', this.#now()).execute();
    const result = await this.#db
      .insertInto('lti11_nonces')
      .values({ consumer_key: consumerKey, nonce, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['consumer_key', 'nonce']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 0;
  }

  // ---------------------------------------------------------------- identities

  /** The identity of (issuer, sub), created on first launch; name and email follow the latest launch. */
  async upsertIdentity(input: { issuer: string; sub: string; name: string | null; email: string | null }): Promise<LtiIdentityRecord> {
    const now = this.#now();
    const row = await this.#db
      .insertInto('lti_identities')
      .values({ id: randomUUID(), issuer: input.issuer, sub: input.sub, name: input.name, email: input.email, created_at: now, last_seen_at: now })
      .onConflict((oc) =>
        oc.columns(['issuer', 'sub']).doUpdateSet((eb) => ({
          name: eb.fn.coalesce(eb.ref('excluded.name'), eb.ref('lti_identities.name')),
          email: eb.fn.coalesce(eb.ref('excluded.email'), eb.ref('lti_identities.email')),
          last_seen_at: now,
        })),
      )
      .returning(['id', 'issuer', 'sub', 'name', 'email'])
      .executeTakeFirstOrThrow();
    return row;
  }

  async identity(id: string): Promise<LtiIdentityRecord | null> {
    const row = await this.#db.selectFrom('lti_identities').select(['id', 'issuer', 'sub', 'name', 'email']).where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  /** Identities of an issuer by their subs (to match a roster). */
  async identitiesBySub(issuer: string, subs: readonly string[]): Promise<LtiIdentityRecord[]> {
    if (subs.length === 0) return [];
    return this.#db.selectFrom('lti_identities').select(['id', 'issuer', 'sub', 'name', 'email']).where('issuer', '=', issuer).where('sub', 'in', [...subs]).execute();
  }

  // ---------------------------------------------------------------- courses

  /** The course of (issuer, contextId); title, label and roster URL follow the latest launch that sent them. */
  async upsertContext(input: Omit<LtiContextRecord, 'id'>): Promise<LtiContextRecord> {
    const row = await this.#db
      .insertInto('lti_contexts')
      .values({ id: randomUUID(), issuer: input.issuer, context_id: input.contextId, title: input.title, label: input.label, memberships_url: input.membershipsUrl, platform_id: input.platformId })
      .onConflict((oc) =>
        oc.columns(['issuer', 'context_id']).doUpdateSet((eb) => ({
          title: eb.fn.coalesce(eb.ref('excluded.title'), eb.ref('lti_contexts.title')),
          label: eb.fn.coalesce(eb.ref('excluded.label'), eb.ref('lti_contexts.label')),
          memberships_url: eb.fn.coalesce(eb.ref('excluded.memberships_url'), eb.ref('lti_contexts.memberships_url')),
          platform_id: eb.fn.coalesce(eb.ref('excluded.platform_id'), eb.ref('lti_contexts.platform_id')),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toContext(row);
  }

  async context(id: string): Promise<LtiContextRecord | null> {
    const row = await this.#db.selectFrom('lti_contexts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toContext(row) : null;
  }

  // ---------------------------------------------------------------- activities → rooms

  async resourceLink(issuer: string, resourceLinkId: string): Promise<LtiResourceLinkRecord | null> {
    const row = await this.#db.selectFrom('lti_resource_links').selectAll().where('issuer', '=', issuer).where('resource_link_id', '=', resourceLinkId).executeTakeFirst();
    return row ? toLink(row) : null;
  }

  /** The activities leading to a room (a room may be placed in several activities). */
  async resourceLinksOfRoom(roomId: string): Promise<LtiResourceLinkRecord[]> {
    const rows = await this.#db.selectFrom('lti_resource_links').selectAll().where('room_id', '=', roomId).orderBy('created_at', 'asc').execute();
    return rows.map(toLink);
  }

  /** Rooms of a course, newest first, with their titles (for deep linking's "existing room"). */
  async roomsOfContext(contextRef: string): Promise<{ id: string; title: string; kind: 'classroom' | 'lecture' }[]> {
    return this.#db
      .selectFrom('rooms')
      .select(['rooms.id', 'rooms.title', 'rooms.kind'])
      .where('rooms.id', 'in', (eb) => eb.selectFrom('lti_context_rooms').select('room_id').where('context_ref', '=', contextRef))
      .orderBy('rooms.created_at', 'desc')
      .execute();
  }

  /** Makes a room one of a course's rooms (deep linking made it for the course; an activity leads to it). */
  async placeRoom(contextRef: string, roomId: string): Promise<void> {
    await this.#db.insertInto('lti_context_rooms').values({ context_ref: contextRef, room_id: roomId }).onConflict((oc) => oc.columns(['context_ref', 'room_id']).doNothing()).execute();
  }

  /**
   * Links an activity to a room. When another launch linked it first (two instructors at the
   * same moment), nothing is written and that link is returned: callers compare `roomId`.
   */
  async linkResource(input: LtiResourceLinkInput): Promise<LtiResourceLinkRecord> {
    await this.#db
      .insertInto('lti_resource_links')
      .values({
        id: randomUUID(),
        issuer: input.issuer,
        resource_link_id: input.resourceLinkId,
        context_ref: input.contextRef,
        room_id: input.roomId,
        platform_id: input.platformId,
        lineitems_url: input.lineItemsUrl,
        lineitem_url: input.lineItemUrl,
        ags_scope: JSON.stringify(input.agsScope),
        created_at: this.#now(),
      })
      .onConflict((oc) => oc.columns(['issuer', 'resource_link_id']).doNothing())
      .execute();
    const link = await this.resourceLink(input.issuer, input.resourceLinkId);
    if (!link) throw new Error('resource link vanished while being linked');
    if (link.contextRef !== null) await this.placeRoom(link.contextRef, link.roomId);
    return link;
  }

  /** Keeps the grade service endpoints of an activity current (they come with every launch). */
  async updateGradeService(linkId: string, service: { lineItemsUrl: string | null; lineItemUrl: string | null; agsScope: string[] }): Promise<void> {
    await this.#db
      .updateTable('lti_resource_links')
      .set({ lineitems_url: service.lineItemsUrl, lineitem_url: service.lineItemUrl, ags_scope: JSON.stringify(service.agsScope) })
      .where('id', '=', linkId)
      .execute();
  }
}

function toContext(row: { id: string; issuer: string; context_id: string; title: string | null; label: string | null; memberships_url: string | null; platform_id: string | null }): LtiContextRecord {
  return { id: row.id, issuer: row.issuer, contextId: row.context_id, title: row.title, label: row.label, membershipsUrl: row.memberships_url, platformId: row.platform_id };
}

function toLink(row: {
  id: string;
  issuer: string;
  resource_link_id: string;
  context_ref: string | null;
  room_id: string;
  platform_id: string | null;
  lineitems_url: string | null;
  lineitem_url: string | null;
  ags_scope: unknown;
}): LtiResourceLinkRecord {
  const scope: unknown = typeof row.ags_scope === 'string' ? JSON.parse(row.ags_scope) : row.ags_scope;
  return {
    id: row.id,
    issuer: row.issuer,
    resourceLinkId: row.resource_link_id,
    contextRef: row.context_ref,
    roomId: row.room_id,
    platformId: row.platform_id,
    lineItemsUrl: row.lineitems_url,
    lineItemUrl: row.lineitem_url,
    agsScope: Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : [],
  };
}
