import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from './config.js';
import { openDatabase } from './storage/index.js';
import { RoomStore } from './storage/index.js';
import { buildApp } from './app.js';
import { RedisBus, liveSessionIds } from './realtime/index.js';

/** Starts Amphi: database and migrations, first administrator, HTTP + WebSocket server. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onConnectionError: (err) => console.warn(`[amphi] a database connection broke (${err.message}); the pool reconnects on next use`),
  });
  let redis: import('ioredis').Redis | undefined;
  if (config.redisUrl) {
    const { Redis } = await import('ioredis');
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
  }
  // With Redis, instances with the same prefix share rooms; without, an in-process bus.
  const { app, accounts, bus } = await buildApp({ config, database, redis, bus: config.redisUrl ? new RedisBus({ url: config.redisUrl, prefix: config.redisPrefix }) : undefined });

  // The first administrator: its password is shown once here and kept in a private file.
  const passwordFile = path.join(config.dataDir, 'admin-password.txt');
  const adminPassword = config.adminPassword ?? (existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : randomBytes(12).toString('base64url'));
  const created = await accounts.ensureFirstAdmin(config.adminEmail, adminPassword);
  if (created && !config.adminPassword) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(passwordFile, adminPassword + '\n', { mode: 0o600 });
  }
  // Sessions other instances still run (their shared lease lives on the bus) are not interrupted.
  const store = new RoomStore(database.db);
  const open = await store.openSessions();
  const interrupted = await store.endInterruptedSessions(await liveSessionIds(bus, open));
  if (interrupted > 0) app.log.warn({ interrupted }, 'closed live sessions interrupted by the previous shutdown');

  await app.listen({ port: config.port, host: config.host });
  const lines = [
    '',
    `  Amphi is running: ${config.publicUrl}`,
    `  Storage: ${database.kind === 'pglite' ? `embedded PostgreSQL (PGlite) in ${path.join(config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}${redis ? ', Redis (REDIS_URL)' : ''}`,
    `  Sign in as the ${created ? 'first ' : ''}administrator: ${config.adminEmail}, with ${
      config.adminPassword ? 'the password of AMPHI_ADMIN_PASSWORD' : `the first password, kept in ${passwordFile} (change it under "My account")`
    }`,
    '  Teachers can sign up at /signup while open sign-up is on (administrators can turn it off).',
    '',
  ];
  // The password itself is never printed: terminals end up in logs (journald, CI).
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await database.close();
    redis?.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('Amphi could not start:', err);
  process.exit(1);
});
