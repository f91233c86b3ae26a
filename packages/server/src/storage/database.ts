import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database as Schema } from './schema.js';
import { MIGRATIONS } from './migrations.js';
import { PglitePool } from './pglitePool.js';

export type Db = Kysely<Schema>;

export interface Database {
  readonly db: Db;
  /** Which storage path is in use. */
  readonly kind: 'pglite' | 'postgres';
  /** Closes the connections; safe to call twice. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, PGlite stores data under `dataDir/pglite`. */
  databaseUrl?: string | undefined;
  /** Folder for the embedded database; `memory` keeps it in memory (tests). */
  dataDir: string | 'memory';
  /**
   * Told when an idle PostgreSQL connection breaks (server restart, failover, a terminated
   * backend). The pool opens a new one on next use; without a listener the error would crash
   * the process. Default: ignored.
   */
  onConnectionError?: ((error: Error) => void) | undefined;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let kysely: Db;
  let kind: Database['kind'];
  if (options.databaseUrl) {
    const pg = await import('pg');
    // int8 (e.g. count(*)) as number: counts here stay far below 2^53.
    pg.default.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.default.Pool({ connectionString: options.databaseUrl, max: 10 });
    pool.on('error', (error) => options.onConnectionError?.(error));
    kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    let dir: string | undefined;
    if (options.dataDir !== 'memory') {
      dir = path.join(options.dataDir, 'pglite');
      mkdirSync(dir, { recursive: true });
    }
    const pglite = await PGlite.create(dir === undefined ? {} : { dataDir: dir });
    kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new PglitePool(pglite) }) });
    kind = 'pglite';
  }
  let closing: Promise<void> | undefined;
  const database: Database = {
    db: kysely,
    kind,
    close: () => (closing ??= kysely.destroy()),
  };
  try {
    await migrate(kysely);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

/** Applies the migrations not yet applied, in order, each in its own transaction. */
export async function migrate(db: Db): Promise<number[]> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    await db.transaction().execute(async (trx) => {
      // Serialises concurrent starts of several instances on one PostgreSQL.
      await sql`SELECT pg_advisory_xact_lock(7261)`.execute(trx);
      const done = await sql<{ version: number }>`SELECT version FROM schema_migrations WHERE version = ${migration.version}`.execute(trx);
      if (done.rows.length > 0) return;
      for (const statement of migration.sql.split(';').map((s) => s.trim()).filter(Boolean)) {
        await sql.raw(statement).execute(trx);
      }
      await sql`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`.execute(trx);
      applied.push(migration.version);
    });
  }
  return applied;
}
