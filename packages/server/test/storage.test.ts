import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AccountService } from '../src/auth/index.js';
import { openDatabase, testConfig, type Database } from '../src/index.js';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { RoomStore, migrate } from '../src/storage/index.js';
import { createPgDatabase } from './harness.js';
import { PASSWORD } from './helpers.js';

/**
 * The storage this run uses, opened afresh for each test: PostgreSQL when DATABASE_URL is
 * set (a new database, dropped afterwards), otherwise embedded PGlite on disk in a temporary
 * folder — so "restart" means closing it and opening the same data again.
 */
async function storage(): Promise<{ kind: Database['kind']; open: () => Promise<Database>; dispose: () => Promise<void> }> {
  const config = testConfig();
  if (config.databaseUrl) {
    const pg = await createPgDatabase(config.databaseUrl);
    return { kind: 'postgres', open: () => openDatabase({ databaseUrl: pg.url, dataDir: 'memory' }), dispose: pg.drop };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'amphi-storage-'));
  return { kind: 'pglite', open: () => openDatabase({ dataDir: dir }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

function services(database: Database) {
  return {
    accounts: new AccountService({ db: database.db, scryptLogN: 10, sessionTtlS: 3600, openSignupDefault: true }),
    rooms: new RoomStore(database.db),
  };
}

// Opening PGlite on disk is slow on a busy machine: these tests open it twice.
const RESTART_TIMEOUT_MS = 60_000;

describe('storage across a restart', () => {
  it(
    'keeps accounts, sign-in sessions, settings, rooms and links, and applies no migration twice',
    async () => {
      const target = await storage();
      try {
        const first = await target.open();
        expect(first.kind).toBe(target.kind);
        const before = services(first);
        const owner = await before.accounts.signUp({ email: 'teacher@uni.example', name: 'Prof. Martin', password: PASSWORD });
        const cohost = await before.accounts.signUp({ email: 'cohost@uni.example', name: 'Dr. Cohost', password: PASSWORD });
        const { cookie } = await before.accounts.openSession(owner.id);
        await before.accounts.setOpenSignup(false);
        const room = await before.rooms.create(owner.id, { title: 'Algebra', kind: 'lecture', settings: { lobby: true, guestsAllowed: false, screenShare: 'everyone', unmute: 'moderators', qaAnonymity: 'full', ltiTeachingAssistant: 'moderator', ltiGrade: 'attendance' } });
        await before.rooms.addCohost(room.id, cohost.id);
        const link = await before.rooms.rotateLink(room.id, 'participant', new Date(Date.now() + 3600_000));
        await first.close();

        const second = await target.open();
        const after = services(second);
        try {
          const applied = await sql<{ version: number }>`SELECT version FROM schema_migrations ORDER BY version`.execute(second.db);
          expect(applied.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
          expect(await migrate(second.db)).toEqual([]);
          expect(await after.accounts.verifyCredentials('teacher@uni.example', PASSWORD)).toEqual(owner);
          expect((await after.accounts.findSession(cookie))?.user).toEqual(owner);
          expect(await after.accounts.openSignup()).toBe(false);
          expect(await after.rooms.get(room.id)).toEqual({ ...room, cohosts: [{ userId: cohost.id, email: 'cohost@uni.example', name: 'Dr. Cohost' }] });
          expect((await after.rooms.links(room.id)).participant).toEqual(link);
          expect(await after.rooms.findLink(link.id)).toMatchObject({ revoked: false, expired: false });
        } finally {
          await second.close();
        }
      } finally {
        await target.dispose();
      }
    },
    RESTART_TIMEOUT_MS,
  );

  it(
    'marks live sessions interrupted by a restart as ended',
    async () => {
      const target = await storage();
      try {
        const first = await target.open();
        const { accounts, rooms } = services(first);
        const owner = await accounts.createUser({ email: 'teacher@uni.example', name: 'Prof', password: PASSWORD, role: 'teacher' });
        const room = await rooms.create(owner.id, { title: 'Algebra', kind: 'classroom', settings: { lobby: false, guestsAllowed: true, screenShare: 'presenters', unmute: 'everyone', qaAnonymity: 'fromPeers', ltiTeachingAssistant: 'presenter', ltiGrade: 'off' } });
        await rooms.recordSessionStart('finished', room.id, new Date(Date.now() - 60_000));
        await rooms.recordSessionEnd('finished', new Date(), 'moderator', 3);
        await rooms.recordSessionStart('cut-short', room.id, new Date());
        // The process dies here: the session never ends.
        await first.close();

        const second = await target.open();
        try {
          expect(await new RoomStore(second.db).endInterruptedSessions()).toBe(1);
          const rows = await second.db.selectFrom('live_sessions').select(['id', 'ended_reason']).orderBy('id').execute();
          expect(rows).toEqual([
            { id: 'cut-short', ended_reason: 'interrupted' },
            { id: 'finished', ended_reason: 'moderator' },
          ]);
        } finally {
          await second.close();
        }
      } finally {
        await target.dispose();
      }
    },
    RESTART_TIMEOUT_MS,
  );
});

// Only PostgreSQL has connections that the server can break; the CI runs this file on both paths.
describe.runIf(testConfig().databaseUrl)('storage on PostgreSQL when a connection breaks', () => {
  it('keeps the process alive when PostgreSQL terminates an idle connection, and the next query works', async () => {
    const target = await storage();
    const broken: Error[] = [];
    const pg = await import('pg');
    const url = testConfig().databaseUrl!;
    const dbName = (await target.open().then(async (probe) => {
      const row = await sql<{ name: string }>`SELECT current_database() AS name`.execute(probe.db);
      await probe.close();
      return row.rows[0]!.name;
    }));
    const database = await openDatabase({ databaseUrl: new URL(`/${dbName}`, url).toString(), dataDir: 'memory', onConnectionError: (err) => broken.push(err) });
    try {
      await sql`SELECT 1`.execute(database.db); // leaves an idle connection in the pool
      const admin = new pg.default.Client({ connectionString: url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      await admin.end();
      await expect.poll(() => broken.length).toBeGreaterThan(0);
      const row = await sql<{ one: number }>`SELECT 1 AS one`.execute(database.db);
      expect(row.rows[0]!.one).toBe(1);
    } finally {
      await database.close();
      await target.dispose();
    }
  });
});
