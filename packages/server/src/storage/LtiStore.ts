import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

/** A registered LTI 1.3 platform as stored (the fields of lti/platform.ts' PlatformRegistration). */
export interface LtiPlatformRecord {
  id: string;
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  jwksUrl: string;
  authUrl: string;
  tokenUrl: string;
  createdAt: Date;
}

/** One of Amphi's signing keys as stored. */
export interface ToolKeyRecord {
  kid: string;
  /** The private JWK, sealed (lti/sealing.ts): the store never sees it in clear. */
  privateJwkSealed: string;
  /** The public JWK (with kid, alg and use). */
  publicJwk: unknown;
  createdAt: Date;
  /** When it stopped being the current key (null: current). */
  retiredAt: Date | null;
}

/** An LTI 1.1 consumer as stored; the secret stays sealed. */
export interface Lti11ConsumerRecord {
  consumerKey: string;
  name: string;
  secretSealed: string;
  createdAt: Date;
}

/** Is a database error a unique-constraint violation (PostgreSQL and PGlite: SQLSTATE 23505)? */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * LTI registrations (1.3 platforms and their deployments, 1.1 consumers) and Amphi's own
 * signing keys, in the database. Works the same on PGlite and PostgreSQL.
 */
export class LtiStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  // ---------------------------------------------------------------- LTI 1.3 platforms

  /**
   * Stores a registration with its deployment ids. Returns null when (issuer, clientId) is
   * already registered (nothing is written).
   */
  async addPlatform(input: Omit<LtiPlatformRecord, 'id' | 'createdAt'>, now: Date): Promise<LtiPlatformRecord | null> {
    const id = randomUUID();
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto('lti_platforms')
          .values({ id, issuer: input.issuer, client_id: input.clientId, jwks_url: input.jwksUrl, auth_url: input.authUrl, token_url: input.tokenUrl, created_at: now })
          .execute();
        await trx
          .insertInto('lti_deployments')
          .values(input.deploymentIds.map((deploymentId) => ({ platform_id: id, deployment_id: deploymentId })))
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return { id, ...input, deploymentIds: [...input.deploymentIds], createdAt: now };
  }

  /** Every registration, oldest first. */
  async platforms(): Promise<LtiPlatformRecord[]> {
    return this.#platformsWhere({});
  }

  /** The registrations of an issuer (all its client ids): a `PlatformLookup` for launches. */
  async platformsFor(issuer: string): Promise<LtiPlatformRecord[]> {
    return this.#platformsWhere({ issuer });
  }

  /** One registration by its id (null when there is none). */
  async platform(id: string): Promise<LtiPlatformRecord | null> {
    return (await this.#platformsWhere({ id }))[0] ?? null;
  }

  /** Deletes a registration and its deployments; false when there was none. */
  async deletePlatform(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('lti_platforms').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Replaces the deployment ids of a registration in one transaction (launches see the old list
   * or the new one, never none); the registration itself, and what refers to it, stay. Returns
   * the registration with its new ids, or null when there is none (nothing is written).
   */
  async setDeployments(platformId: string, ids: readonly string[]): Promise<LtiPlatformRecord | null> {
    const deploymentIds = [...new Set(ids)];
    return this.#db.transaction().execute(async (trx) => {
      // Locks the registration, so that it cannot be deleted between the check and the insert.
      const row = await trx.selectFrom('lti_platforms').selectAll().where('id', '=', platformId).forUpdate().executeTakeFirst();
      if (!row) return null;
      await trx.deleteFrom('lti_deployments').where('platform_id', '=', platformId).execute();
      if (deploymentIds.length > 0) {
        await trx
          .insertInto('lti_deployments')
          .values(deploymentIds.map((deploymentId) => ({ platform_id: platformId, deployment_id: deploymentId })))
          .execute();
      }
      return toPlatform(row, deploymentIds);
    });
  }

  async #platformsWhere(where: { issuer?: string; id?: string }): Promise<LtiPlatformRecord[]> {
    let query = this.#db.selectFrom('lti_platforms').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc');
    if (where.issuer !== undefined) query = query.where('issuer', '=', where.issuer);
    if (where.id !== undefined) query = query.where('id', '=', where.id);
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const deployments = await this.#db
      .selectFrom('lti_deployments')
      .selectAll()
      .where(
        'platform_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('deployment_id', 'asc')
      .execute();
    return rows.map((row) =>
      toPlatform(
        row,
        deployments.filter((d) => d.platform_id === row.id).map((d) => d.deployment_id),
      ),
    );
  }

  // ---------------------------------------------------------------- tool keys

  /** The current key (not retired), if any. */
  async currentKey(): Promise<ToolKeyRecord | null> {
    const row = await this.#db.selectFrom('lti_keys').selectAll().where('retired_at', 'is', null).executeTakeFirst();
    return row ? toKey(row) : null;
  }

  /** The current key and the keys retired after `retiredAfter`, newest first. */
  async publishedKeys(retiredAfter: Date): Promise<ToolKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('lti_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toKey);
  }

  /**
   * Stores a key as the current one, retiring the current key at `now` when `retire` is set.
   * Returns false when another key became current meanwhile (another instance made one on
   * first use at the same moment): nothing is written, and that key is the current one.
   */
  async addCurrentKey(key: Omit<ToolKeyRecord, 'retiredAt'>, options: { retire: boolean; now: Date }): Promise<boolean> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        if (options.retire) await trx.updateTable('lti_keys').set({ retired_at: options.now }).where('retired_at', 'is', null).execute();
        await trx
          .insertInto('lti_keys')
          .values({ kid: key.kid, private_jwk_sealed: key.privateJwkSealed, public_jwk: JSON.stringify(key.publicJwk), created_at: key.createdAt, retired_at: null })
          .execute();
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Forgets keys retired before `before` (no token they signed can still be valid). */
  async pruneKeys(before: Date): Promise<void> {
    await this.#db.deleteFrom('lti_keys').where('retired_at', '<', before).execute();
  }

  // ---------------------------------------------------------------- LTI 1.1 consumers

  /** Stores a consumer; false when the key exists already. */
  async addConsumer(consumer: Lti11ConsumerRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('lti11_consumers')
      .values({ consumer_key: consumer.consumerKey, secret_sealed: consumer.secretSealed, name: consumer.name, created_at: consumer.createdAt })
      .onConflict((oc) => oc.column('consumer_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Every consumer, oldest first. */
  async consumers(): Promise<Lti11ConsumerRecord[]> {
    const rows = await this.#db.selectFrom('lti11_consumers').selectAll().orderBy('created_at', 'asc').orderBy('consumer_key', 'asc').execute();
    return rows.map(toConsumer);
  }

  /** One consumer by its key (for an LTI 1.1 launch). */
  async consumer(consumerKey: string): Promise<Lti11ConsumerRecord | null> {
    const row = await this.#db.selectFrom('lti11_consumers').selectAll().where('consumer_key', '=', consumerKey).executeTakeFirst();
    return row ? toConsumer(row) : null;
  }

  /** Deletes a consumer; false when there was none. */
  async deleteConsumer(consumerKey: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('lti11_consumers').where('consumer_key', '=', consumerKey).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toPlatform(
  row: { id: string; issuer: string; client_id: string; jwks_url: string; auth_url: string; token_url: string; created_at: Date | string },
  deploymentIds: string[],
): LtiPlatformRecord {
  return { id: row.id, issuer: row.issuer, clientId: row.client_id, deploymentIds, jwksUrl: row.jwks_url, authUrl: row.auth_url, tokenUrl: row.token_url, createdAt: new Date(row.created_at) };
}

function toKey(row: { kid: string; private_jwk_sealed: string; public_jwk: unknown; created_at: Date | string; retired_at: Date | string | null }): ToolKeyRecord {
  const publicJwk: unknown = typeof row.public_jwk === 'string' ? JSON.parse(row.public_jwk) : row.public_jwk;
  return { kid: row.kid, privateJwkSealed: row.private_jwk_sealed, publicJwk, createdAt: new Date(row.created_at), retiredAt: row.retired_at === null ? null : new Date(row.retired_at) };
}

function toConsumer(row: { consumer_key: string; secret_sealed: string; name: string; created_at: Date | string }): Lti11ConsumerRecord {
  return { consumerKey: row.consumer_key, name: row.name, secretSealed: row.secret_sealed, createdAt: new Date(row.created_at) };
}
