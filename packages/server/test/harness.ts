import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { ApiClient, RoomClient } from '@amphi/client';
import { buildApp, openDatabase, testConfig, type AmphiApp, type Config, type Database } from '../src/index.js';

/**
 * A real Amphi server for a test file: PGlite in memory by default; with DATABASE_URL,
 * a fresh PostgreSQL database made for this server and dropped afterwards; with
 * REDIS_URL, rate limits stored in that Redis.
 */
export interface TestServer extends AmphiApp {
  config: Config;
  database: Database;
  /** http://127.0.0.1:<port> once `listen` was asked for, else ''. */
  baseUrl: string;
  /** An API client with its own cookie (one per simulated person). */
  api(): ApiClient;
  /** A room client connected with the given ticket (not yet connected: call connect()). */
  roomClient(ticket: string, options?: { pingIntervalMs?: number }): RoomClient;
  close(): Promise<void>;
}

/** A fresh, empty PostgreSQL database next to the one at `url`, and a way to drop it. */
export async function createPgDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `amphi_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    url: dbUrl.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A port that was free a moment ago (the OS hands out a fresh one for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** Listen on 127.0.0.1:<random port> (default true). */
  listen?: boolean;
  /** Receives the server's log lines (set `logLevel` in the overrides to see them). */
  logStream?: { write(line: string): void };
}

/** Whether a process with this pid still exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startServer(overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<TestServer> {
  const base = testConfig({ rateSignInPerMin: 1000, rateJoinPerMin: 1000, rateApiPerMin: 10_000, ...overrides });
  const pgDb = base.databaseUrl ? await createPgDatabase(base.databaseUrl) : null;
  const database = await openDatabase({ databaseUrl: pgDb?.url, dataDir: 'memory' });
  const redis = base.redisUrl ? new Redis(base.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  // Links and the origin check use publicUrl, fixed when the app is built: pick the port first.
  const port = options.listen === false ? 0 : await freePort();
  const baseUrl = port ? `http://127.0.0.1:${port}` : '';
  // A folder of its own, for the embedded Janus's generated configuration.
  const dataDir = overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), 'amphi-test-'));
  const config: Config = { ...base, dataDir, databaseUrl: pgDb?.url, publicUrl: baseUrl || base.publicUrl };
  const amphi = await buildApp({ config, database, redis, logStream: options.logStream });
  if (port) await amphi.app.listen({ port, host: '127.0.0.1' });
  let closed = false;
  return {
    ...amphi,
    config,
    database,
    baseUrl,
    api: () => new ApiClient({ baseUrl, manageCookies: true }),
    roomClient: (ticket, opts) =>
      new RoomClient({ url: baseUrl.replace(/^http/, 'ws') + '/ws', ticket, createSocket: (url) => new WebSocket(url), ...opts }),
    async close() {
      if (closed) return;
      closed = true;
      await amphi.app.close();
      await database.close();
      redis?.disconnect();
      await pgDb?.drop();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
