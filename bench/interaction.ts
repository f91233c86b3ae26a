import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ApiClient } from '@amphi/client';
import { figure, repoRoot, startAmphi, stop, writeResult, type Figure } from './lib.js';
import { Fleet, type Target } from './interaction/fleet.js';
import { DatabaseCpu, flatOut, measurePhase, memoryMb, steady, type PhaseContext, type PhaseResult } from './interaction/phases.js';
import { AmphiTeacher, BareTeacher, type ChatEvent } from './interaction/teacher.js';

/**
 * `interaction`: chat fan-out in a lecture. VIEWERS bots (raw `ws` sockets in BOT_PROCESSES
 * child processes) join one lecture room and sync; a teacher sends chat messages at RATE per
 * second for STEADY_S seconds, then FLAT_MESSAGES as fast as the server takes them (IN_FLIGHT
 * unacknowledged at most). Every bot must receive every message. Measured per phase: deliveries
 * per CPU-second of the server process (/proc), send → receipt latency at sampled bots, and the
 * server's memory. Baseline: a bare `ws` broadcast server (bench/bareBroadcast.ts) sent the same
 * frames for the same sockets, in the same run. Then the same with two Amphi instances over
 * Redis and PostgreSQL, the bots split over both. Server(s), bots and teacher share the cores.
 */
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 10_000);
const BOT_PROCESSES = Number(process.env.BENCH_BOT_PROCESSES ?? 2);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 5);
const FLAT_MESSAGES = Number(process.env.BENCH_FLAT_MESSAGES ?? 250);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const SAMPLE_EVERY = Number(process.env.BENCH_SAMPLE_EVERY ?? 50);
const JOIN_CONCURRENCY = Number(process.env.BENCH_JOIN_CONCURRENCY ?? 16);
const RUNS = (process.env.BENCH_RUNS ?? 'amphi,bare,redis').split(',');
/** A folder: the single Amphi server runs with `--cpu-prof` and writes its profile there. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
/** Database of the single instance: `postgres` (default, as the two instances) or `pglite` (embedded, inside the server process). */
const SINGLE_DB = process.env.BENCH_SINGLE_DB ?? 'postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

interface Run {
  steady: PhaseResult;
  flat: PhaseResult;
  /** Server memory (MB, summed over instances): before the viewers joined, after, and peak. */
  rssBeforeJoin: number;
  rssAfterJoin: number;
  rssPeak: number;
}

const log = (line: string) => console.log(`  ${line}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function describe(name: string, r: PhaseResult): string {
  return (
    `${name}: ${r.messages} msgs in ${r.sendS.toFixed(1)} s, delivered in ${r.wallS.toFixed(1)} s: ${Math.round(r.deliveriesPerCoreS)} deliveries/server-core-s ` +
    `(${r.serverCpuS.toFixed(1)} s server CPU + ${r.dbCpuS.toFixed(1)} s PostgreSQL, ${Math.round(r.deliveriesPerS)}/s wall, ${(r.deliveries / r.frames).toFixed(2)} events/frame), ` +
    `p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms (${r.samples} samples); bots ${(r.botsCpuS / r.wallS).toFixed(2)} cores, others ${r.otherCores.toFixed(2)} cores`
  );
}

async function phases(ctx: PhaseContext, label: string): Promise<{ steady: PhaseResult; flat: PhaseResult }> {
  log(`${label}: ${RATE} msg/s for ${STEADY_S} s…`);
  const s = await measurePhase(ctx, steady(RATE, STEADY_S));
  log(describe(`${label} ${RATE} msg/s`, s));
  await new Promise((r) => setTimeout(r, 1000));
  log(`${label}: ${FLAT_MESSAGES} messages flat out (${IN_FLIGHT} in flight)…`);
  const f = await measurePhase(ctx, flatOut(FLAT_MESSAGES, IN_FLIGHT));
  log(describe(`${label} flat out`, f));
  if (CPU_PROF_DIR) log(`monotonic µs (CPU profile time): ${RATE} msg/s ${s.monotonicUs.join('–')}, flat out ${f.monotonicUs.join('–')}`);
  return { steady: s, flat: f };
}

/** A teacher's account and lecture room on `base`; returns the teacher's ticket and the participant link. */
async function lecture(base: string): Promise<{ ticket: string; token: string }> {
  const teacher = new ApiClient({ baseUrl: base, manageCookies: true });
  await teacher.signUp({ email: `bench-${Date.now()}@uni.example`, password: 'benchmark password', name: 'Teacher' });
  const room = await teacher.createRoom({ title: 'Interaction', kind: 'lecture' });
  const token = (await teacher.links(room.id)).participant.token;
  return { ticket: (await teacher.join({ roomId: room.id })).ticket, token };
}

/**
 * Amphi instances (one, or two sharing Redis), the teacher on the first, bots spread over all
 * of them; on PostgreSQL when `databaseUrl` is given.
 */
async function measureAmphi(label: string, envs: Record<string, string>[], options: { databaseUrl?: string; cpuProfDir?: string } = {}): Promise<Run & { sample: ChatEvent | null }> {
  const servers: ChildProcess[] = [];
  let fleet: Fleet | null = null;
  let teacher: AmphiTeacher | null = null;
  let db: DatabaseCpu | null = null;
  try {
    const ports: number[] = [];
    for (const env of envs) {
      const port = await freePort();
      ports.push(port);
      const database: Record<string, string> = options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {};
      servers.push(await startAmphi(port, { AMPHI_SCRYPT_LOG_N: '12', AMPHI_RTMP_PORT: '0', ...database, ...env }, options.cpuProfDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] } : {}));
    }
    const bases = ports.map((p) => `http://127.0.0.1:${p}`);
    const { ticket, token } = await lecture(bases[0]!);
    teacher = await AmphiTeacher.connect(`ws://127.0.0.1:${ports[0]}/ws`, ticket);
    const serverPids = servers.map((s) => s.pid!);
    const rssBeforeJoin = serverPids.reduce((n, pid) => n + memoryMb(pid).rss, 0);
    log(`${label}: ${VIEWERS} viewers join…`);
    const t0 = performance.now();
    const targets: Target[] = bases.map((base, i) => ({ url: `ws://127.0.0.1:${ports[i]}/ws`, base, token }));
    fleet = await Fleet.start({ viewers: VIEWERS, processes: Math.max(BOT_PROCESSES, targets.length), targets, sampleEvery: SAMPLE_EVERY, concurrency: JOIN_CONCURRENCY, log });
    const rssAfterJoin = serverPids.reduce((n, pid) => n + memoryMb(pid).rss, 0);
    log(`${label}: joined in ${((performance.now() - t0) / 1000).toFixed(1)} s; server RSS ${rssBeforeJoin.toFixed(0)} MB before, ${rssAfterJoin.toFixed(0)} MB after`);
    if (options.databaseUrl) {
      db = new DatabaseCpu(options.databaseUrl);
      await db.open();
    }
    const result = await phases({ sender: teacher, fleet, serverPids, db, viewers: VIEWERS, next: 1 }, label);
    const rssPeak = serverPids.reduce((n, pid) => n + memoryMb(pid).peak, 0);
    return { ...result, rssBeforeJoin, rssAfterJoin, rssPeak, sample: teacher.sample };
  } finally {
    teacher?.close();
    await db?.close();
    await fleet?.close();
    for (const server of servers) await stop(server);
  }
}

/** A fresh PostgreSQL database for `fn`, dropped afterwards. */
async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `amphi_bench_interaction_${Date.now()}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    return await fn(PG_URL.replace(/\/postgres$/, `/${name}`));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function measureBare(template: ChatEvent): Promise<Run> {
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', 'bench/bareBroadcast.ts', String(port)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  let fleet: Fleet | null = null;
  let teacher: BareTeacher | null = null;
  try {
    // Wait until it listens.
    for (let i = 0; ; i++) {
      try {
        (await BareTeacher.connect(`ws://127.0.0.1:${port}`, template)).close();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const rssBeforeJoin = memoryMb(server.pid!).rss;
    fleet = await Fleet.start({ viewers: VIEWERS, processes: BOT_PROCESSES, targets: [{ url: `ws://127.0.0.1:${port}` }], sampleEvery: SAMPLE_EVERY, concurrency: JOIN_CONCURRENCY, log });
    // Connected last, the teacher gets its own copy after every bot's (as Amphi acks after the fan-out).
    teacher = await BareTeacher.connect(`ws://127.0.0.1:${port}`, template);
    const rssAfterJoin = memoryMb(server.pid!).rss;
    const result = await phases({ sender: teacher, fleet, serverPids: [server.pid!], db: null, viewers: VIEWERS, next: 1 }, 'bare ws');
    return { ...result, rssBeforeJoin, rssAfterJoin, rssPeak: memoryMb(server.pid!).peak };
  } finally {
    teacher?.close();
    await fleet?.close();
    await stop(server);
  }
}

/** Two Amphi instances over Redis, on one fresh PostgreSQL database. */
function measureRedis(dataDir: string): Promise<Run> {
  return withDatabase((databaseUrl) => {
    const shared = { REDIS_URL, AMPHI_REDIS_PREFIX: `amphi-bench-${randomBytes(4).toString('hex')}-`, AMPHI_SECRET: randomBytes(32).toString('base64url') };
    return measureAmphi('2 instances over Redis', [
      { ...shared, AMPHI_DATA_DIR: path.join(dataDir, 'a') },
      { ...shared, AMPHI_DATA_DIR: path.join(dataDir, 'b') },
    ], { databaseUrl });
  });
}

const round = (n: number) => Math.round(n);

function phaseNote(label: string, r: Run, which: 'steady' | 'flat'): string {
  const p = r[which];
  return (
    `${label}, ${which === 'steady' ? `${RATE} msg/s` : 'flat out'}: ${round(p.deliveriesPerCoreS)} deliveries/core-s, ${round(p.deliveriesPerS)}/s wall ` +
    `(${p.messages} msgs sent in ${p.sendS.toFixed(1)} s, all delivered in ${p.wallS.toFixed(1)} s, ${(p.deliveries / p.frames).toFixed(2)} events/frame), ` +
    `p50 ${round(p.p50)} ms, p99 ${round(p.p99)} ms, max ${round(p.max)} ms; server CPU ${p.serverCpuS.toFixed(1)} s, PostgreSQL ${p.dbCpuS.toFixed(1)} s, bots ${(p.botsCpuS / p.wallS).toFixed(2)} cores, others ${p.otherCores.toFixed(2)} cores.`
  );
}

export async function run(): Promise<unknown> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-interaction-'));
  const notes: string[] = [`Load average at start: ${loadavg().map((n) => n.toFixed(2)).join(' ')}.`];
  try {
    let amphi: (Run & { sample: ChatEvent | null }) | null = null;
    let bare: Run | null = null;
    let redis: Run | null = null;
    if (RUNS.includes('amphi')) {
      if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true });
      const single = (databaseUrl?: string) =>
        measureAmphi('Amphi', [{ AMPHI_DATA_DIR: path.join(dataDir, 'single') }], { ...(databaseUrl ? { databaseUrl } : {}), ...(CPU_PROF_DIR ? { cpuProfDir: CPU_PROF_DIR } : {}) });
      amphi = SINGLE_DB === 'pglite' ? await single() : await withDatabase(single);
      if (CPU_PROF_DIR) log(`CPU profile(s) in ${CPU_PROF_DIR}: ${readdirSync(CPU_PROF_DIR).join(', ')}`);
    }
    if (RUNS.includes('bare')) {
      // Copies of the chat event Amphi sent; without an Amphi run (development), one of the same shape.
      const template: ChatEvent = amphi?.sample ?? { seq: 1, at: Date.now(), mediaTime: null, kind: 'chat.message', from: { id: randomUUID(), name: 'Teacher', role: 'moderator' }, to: 'room', text: '', clientId: 'bench-1' };
      bare = await measureBare(template);
    }
    if (RUNS.includes('redis')) {
      try {
        redis = await measureRedis(dataDir);
      } catch (error) {
        // The first line: bot processes report their stack too.
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
        log(`two instances over Redis failed: ${reason}`);
        notes.push(`Two instances over Redis: FAILED (${reason}); no figure.`);
      }
    }
    const figures: Record<string, Figure> = {};
    if (amphi) {
      figures.deliveries_per_core_s = figure(amphi.flat.deliveriesPerCoreS, 'msg/s', bare?.flat.deliveriesPerCoreS);
      figures.delivery_p50_ms = figure(amphi.steady.p50, 'ms', bare?.steady.p50);
      figures.delivery_p99_ms = figure(amphi.steady.p99, 'ms', bare?.steady.p99);
      figures.server_rss_mb = figure(amphi.rssPeak, 'MB', bare?.rssPeak);
      notes.push(phaseNote('Amphi', amphi, 'steady'), phaseNote('Amphi', amphi, 'flat'));
      notes.push(`Amphi server RSS with the teacher only: ${round(amphi.rssBeforeJoin)} MB; after ${VIEWERS} joined: ${round(amphi.rssAfterJoin)} MB; peak ${round(amphi.rssPeak)} MB.`);
    }
    if (bare) notes.push(phaseNote('bare ws', bare, 'steady'), phaseNote('bare ws', bare, 'flat'), `bare ws RSS before the bots: ${round(bare.rssBeforeJoin)} MB; after: ${round(bare.rssAfterJoin)} MB; peak ${round(bare.rssPeak)} MB.`);
    if (redis) {
      figures.redis_two_instances_deliveries_per_core_s = figure(redis.flat.deliveriesPerCoreS, 'msg/s', amphi?.flat.deliveriesPerCoreS);
      notes.push(phaseNote('2 instances over Redis', redis, 'steady'), phaseNote('2 instances over Redis', redis, 'flat'), `2 instances (summed): RSS ${round(redis.rssBeforeJoin)} MB before the viewers, ${round(redis.rssAfterJoin)} MB after, peak ${round(redis.rssPeak)} MB.`);
    }
    notes.unshift(
      `${VIEWERS} viewers (raw ws bots in ${BOT_PROCESSES} processes, 1 in ${SAMPLE_EVERY} timestamps its events) in one lecture; the teacher sends ${RATE} chat msg/s for ${STEADY_S} s, then ${FLAT_MESSAGES} flat out (${IN_FLIGHT} in flight). ` +
        `deliveries_per_core_s and redis_two_instances_deliveries_per_core_s: flat-out phase, per CPU-second of the server process(es); delivery_p50_ms / delivery_p99_ms: ${RATE} msg/s phase; server_rss_mb: peak (VmHWM). ` +
        `Baseline: bare ws broadcast of the same frames to the same number of sockets; for the Redis figure, the single Amphi instance (database: ${SINGLE_DB === 'pglite' ? 'embedded PGlite' : 'the same PostgreSQL'}). Server(s), bots and teacher share the machine's cores.`,
    );
    return writeResult('interaction', figures, notes.join(' '));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
