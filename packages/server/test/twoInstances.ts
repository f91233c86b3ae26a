import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '@amphi/client';
import type { ClientMessage, InteractionEvent, ServerMessage } from '@amphi/protocol';
import { buildApp, openDatabase, testConfig, type AmphiApp, type Database } from '../src/index.js';
import { MemoryBus } from '../src/realtime/index.js';
import { createPgDatabase, freePort } from './harness.js';
import { until, type RawSocket } from './helpers.js';

/**
 * Two Amphi instances sharing one database and one bus, as behind a load balancer: either two
 * hubs in this process on one in-process bus (`inProcess`), or two real server processes
 * (`packages/server/src/main.ts`) on the machine's PostgreSQL and Redis (`processes`).
 */
export interface Instance {
  name: string;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** An API client with its own cookie (one per simulated person). */
  api(): ApiClient;
  /** The error-level lines the server logged so far (a test expects none). */
  errors(): string[];
}

/** The lines of pino output at level error or above. */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null && 'level' in parsed && typeof parsed.level === 'number' && parsed.level >= 50;
    } catch {
      return false;
    }
  });
}

export interface ServerProcess extends Instance {
  child: ChildProcess;
  /** What the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Stops it with SIGTERM, as an operator would (waits for its exit; safe to call twice). */
  stop(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would: nothing is given up or written. */
  kill(): Promise<void>;
}

export interface TwoInstances<I extends Instance = Instance> {
  a: I;
  b: I;
  /** The database both use (for checking rows). */
  database: Database;
  close(): Promise<void>;
}

/** The secret every test instance signs with (instances that share rooms need the same one). */
export const SHARED_SECRET = 'two-instances-secret-'.padEnd(44, 'x');

/** Two hubs in this process sharing one database and one in-process bus (a connection each). */
export async function inProcess(): Promise<TwoInstances<Instance & { amphi: AmphiApp }>> {
  const base = testConfig({ rateSignInPerMin: 1000, rateJoinPerMin: 1000, rateApiPerMin: 10_000, secret: SHARED_SECRET });
  const pgDb = base.databaseUrl ? await createPgDatabase(base.databaseUrl) : null;
  const database = await openDatabase({ databaseUrl: pgDb?.url, dataDir: 'memory' });
  const bus = new MemoryBus();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amphi-two-'));
  const start = async (name: string, instanceBus: MemoryBus) => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let logged = '';
    const logStream = { write: (line: string) => void (logged += line) };
    const amphi = await buildApp({ config: { ...base, dataDir, databaseUrl: pgDb?.url, publicUrl: baseUrl, logLevel: 'error' }, database, bus: instanceBus, logStream });
    await amphi.app.listen({ port, host: '127.0.0.1' });
    return { name, baseUrl, amphi, api: () => new ApiClient({ baseUrl, manageCookies: true }), errors: () => errorLines(logged) };
  };
  const a = await start('A', bus);
  const b = await start('B', bus.connect());
  return {
    a,
    b,
    database,
    async close() {
      await Promise.all([a.amphi.app.close(), b.amphi.app.close()]);
      await database.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');
/** Time (ms) a process has to answer /readyz after it was spawned (tsx compiles on the way). */
const START_TIMEOUT_MS = 60_000;

/** The environment of a test server process: everything explicit, nothing inherited from the test run. */
function processEnv(port: number, dataDir: string, shared: { databaseUrl: string; redisUrl: string; prefix: string; secret: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dataDir,
    NODE_ENV: 'test',
    AMPHI_PORT: String(port),
    AMPHI_HOST: '127.0.0.1',
    AMPHI_PUBLIC_URL: `http://127.0.0.1:${port}`,
    AMPHI_DATA_DIR: dataDir,
    DATABASE_URL: shared.databaseUrl,
    REDIS_URL: shared.redisUrl,
    AMPHI_REDIS_PREFIX: shared.prefix,
    AMPHI_SECRET: shared.secret,
    AMPHI_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
    AMPHI_SCRYPT_LOG_N: '10',
    AMPHI_RTMP_PORT: '0',
    AMPHI_LOG_LEVEL: process.env.AMPHI_TEST_LOG_LEVEL ?? 'warn',
    AMPHI_RATE_SIGNIN: '100000',
    AMPHI_RATE_JOIN: '100000',
    AMPHI_RATE_API: '100000',
  };
}

/**
 * Starts `packages/server/src/main.ts` (through tsx) as its own process and resolves once it
 * answers /readyz; rejects with its output when it exits first.
 */
export async function startProcess(name: string, shared: { databaseUrl: string; redisUrl: string; prefix: string; secret: string }): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), `amphi-${name.toLowerCase()}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], { cwd: repoRoot, env: processEnv(port, dataDir, shared), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    // The last 64 KiB are enough to tell what went wrong.
    output = (output + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never leave a server behind, even when the test run is interrupted.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const cleanUp = () => {
    process.off('exit', orphanGuard);
    rmSync(dataDir, { recursive: true, force: true });
  };
  void exited.then(cleanUp);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance ${name} exited with code ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      await end('SIGKILL');
      throw new Error(`instance ${name} did not answer /readyz:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    baseUrl,
    child,
    output: () => output,
    errors: () => errorLines(output),
    api: () => new ApiClient({ baseUrl, manageCookies: true }),
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

/** Settings both processes share: a fresh PostgreSQL database, a fresh Redis key prefix, one secret. */
export interface SharedSetup {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  secret: string;
}

/**
 * Two real server processes on the machine's PostgreSQL (a fresh database, dropped afterwards)
 * and Redis (a fresh key prefix, deleted afterwards). Needs DATABASE_URL and REDIS_URL.
 * Started one after the other (the first runs the migrations and creates the administrator).
 */
export async function processes(): Promise<TwoInstances<ServerProcess> & { shared: SharedSetup }> {
  const config = testConfig();
  if (!config.databaseUrl || !config.redisUrl) throw new Error('two server processes need DATABASE_URL and REDIS_URL');
  const pgDb = await createPgDatabase(config.databaseUrl);
  const shared: SharedSetup = { databaseUrl: pgDb.url, redisUrl: config.redisUrl, prefix: `amphi-test-${randomBytes(6).toString('hex')}-`, secret: SHARED_SECRET };
  const started: ServerProcess[] = [];
  let database: Database | null = null;
  const close = async () => {
    await Promise.all(started.map((p) => p.stop()));
    await database?.close();
    await pgDb.drop();
    const { Redis } = await import('ioredis');
    const redis = new Redis(shared.redisUrl);
    try {
      const keys = await redis.keys(`${shared.prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  };
  try {
    started.push(await startProcess('A', shared));
    started.push(await startProcess('B', shared));
    database = await openDatabase({ databaseUrl: pgDb.url, dataDir: 'memory' });
  } catch (err) {
    await close();
    throw err;
  }
  return { a: started[0]!, b: started[1]!, database, shared, close };
}

// ---------------------------------------------------------------- the interaction log, as clients keep it

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
/** A client message without its request id (added by `request`). */
export type Command = ClientMessage extends infer M ? (M extends unknown ? Omit<M, 'id'> : never) : never;
export type ChatEvent = Extract<InteractionEvent, { kind: 'chat.message' }>;

let requests = 0;

/** Sends a message with a fresh request id and resolves with its answer: null for an ack, else the error. */
export async function request(socket: RawSocket, message: Command): Promise<MessageOf<'error'> | null> {
  const id = `r${++requests}`;
  socket.send({ ...message, id } as ClientMessage);
  let answer: MessageOf<'ack'> | MessageOf<'error'> | undefined;
  await until(() => {
    answer = socket.messages.find((m): m is MessageOf<'ack'> | MessageOf<'error'> => (m.type === 'ack' || m.type === 'error') && m.id === id);
    return answer !== undefined;
  }, `the answer to ${message.type}`);
  return answer!.type === 'error' ? answer! : null;
}

/** Like `request`, but fails on an error. */
export async function ok(socket: RawSocket, message: Command): Promise<void> {
  const error = await request(socket, message);
  if (error) throw new Error(`${message.type} refused: ${error.code} ${error.message}`);
}

/** The interaction events a socket received in `interaction.events` frames, in order. */
export function receivedEvents(socket: RawSocket): InteractionEvent[] {
  return socket.messages.flatMap((m) => (m.type === 'interaction.events' ? m.events : []));
}

/** The chat messages a socket received in frames, in order. */
export function receivedChat(socket: RawSocket): ChatEvent[] {
  return receivedEvents(socket).filter((e): e is ChatEvent => e.kind === 'chat.message');
}

/**
 * What one person's client keeps of the chat across its connections, by the client protocol
 * (packages/client Interaction): a snapshot replaces it; an event is taken when its seq is
 * beyond the last one seen, and a frame's `lastSeq` moves the last one seen on.
 */
export class ClientLog {
  lastSeq = 0;
  readonly chat = new Map<number, ChatEvent>();
  /** Anything the client would have noticed as wrong (an event out of order). */
  readonly anomalies: string[] = [];
  readonly #read = new Map<RawSocket, number>();

  /** Takes in what the socket received since the last call. */
  take(socket: RawSocket): void {
    const from = this.#read.get(socket) ?? 0;
    this.#read.set(socket, socket.messages.length);
    for (const message of socket.messages.slice(from)) {
      if (message.type === 'interaction.snapshot') {
        this.lastSeq = message.lastSeq;
        this.chat.clear();
        for (const event of message.chat) if (event.kind === 'chat.message') this.chat.set(event.seq, event);
      } else if (message.type === 'interaction.events') {
        for (const event of message.events) {
          if (event.seq <= this.lastSeq) continue;
          this.lastSeq = event.seq;
          if (event.kind === 'chat.message') this.chat.set(event.seq, event);
        }
        this.lastSeq = Math.max(this.lastSeq, message.lastSeq);
      }
    }
  }
}

/** A session's stored events, in seq order. */
export function storedEvents(database: Database, sessionId: string) {
  return database.db.selectFrom('interaction_events').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
}
