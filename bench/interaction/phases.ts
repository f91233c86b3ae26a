import { readFileSync } from 'node:fs';
import pg from 'pg';
import { cpuSeconds } from '../lib.js';
import type { Fleet } from './fleet.js';
import type { Sender } from './teacher.js';

/** What one phase measured. Times in seconds and ms, CPU in seconds. */
export interface PhaseResult {
  messages: number;
  deliveries: number;
  frames: number;
  /** First send to last delivery. */
  wallS: number;
  /** First send to last message taken by the server. */
  sendS: number;
  serverCpuS: number;
  /** CPU of the PostgreSQL backends serving the server(s) (0 on PGlite, which runs inside the server). */
  dbCpuS: number;
  botsCpuS: number;
  /** Cores used by other processes than the server(s), their database backends and the bots during the phase (others' jobs, this process). */
  otherCores: number;
  deliveriesPerCoreS: number;
  deliveriesPerS: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** CLOCK_MONOTONIC (µs) at the first send and the last delivery, as V8 CPU profiles time their samples. */
  monotonicUs: [number, number];
}

export interface PhaseContext {
  sender: Sender;
  fleet: Fleet;
  serverPids: number[];
  /** CPU of the PostgreSQL backends serving the server(s), when on PostgreSQL. */
  db: DatabaseCpu | null;
  viewers: number;
  /** Number of the next message to send (messages are numbered across phases). */
  next: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Busy CPU seconds of the whole machine so far (/proc/stat, all cores). */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - fields[3]! - fields[4]!) / 100;
}

/**
 * CPU used by the PostgreSQL backends connected to one database since `start()`. The servers'
 * pools open and close connections, so the backends are listed again at every sample; a
 * backend's CPU before it is first seen, or after its last sample, is missed (≤ 0.1 s apart).
 */
export class DatabaseCpu {
  readonly #client: pg.Client;
  #seen = new Map<number, { first: number; last: number }>();

  constructor(url: string) {
    this.#client = new pg.Client({ connectionString: url });
  }

  async open(): Promise<void> {
    await this.#client.connect();
  }

  async start(): Promise<void> {
    this.#seen = new Map();
    await this.sample();
  }

  /** Reads the backends' CPU; returns the CPU seconds used since `start()`. */
  async sample(): Promise<number> {
    const { rows } = await this.#client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    for (const { pid } of rows) {
      let cpu: number;
      try {
        cpu = cpuSeconds(pid);
      } catch {
        continue;
      }
      const known = this.#seen.get(pid);
      if (known) known.last = cpu;
      else this.#seen.set(pid, { first: cpu, last: cpu });
    }
    let total = 0;
    for (const { first, last } of this.#seen.values()) total += last - first;
    return total;
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `rate` messages per second during `seconds`, on a fixed schedule (a late send is not skipped). */
export function steady(rate: number, seconds: number): { messages: number; send: (ctx: PhaseContext, first: number) => Promise<void> } {
  const messages = Math.round(rate * seconds);
  return {
    messages,
    send: async (ctx, first) => {
      const t0 = performance.now();
      const taken: Promise<void>[] = [];
      for (let i = 0; i < messages; i++) {
        const wait = t0 + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        taken.push(ctx.sender.send(first + i));
      }
      await Promise.all(taken);
    },
  };
}

/** `messages` messages as fast as the server takes them, `inFlight` at most not yet taken. */
export function flatOut(messages: number, inFlight: number): { messages: number; send: (ctx: PhaseContext, first: number) => Promise<void> } {
  return {
    messages,
    send: async (ctx, first) => {
      let next = first;
      const end = first + messages;
      const worker = async () => {
        while (next < end) await ctx.sender.send(next++);
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    },
  };
}

/**
 * Runs one phase: sends its messages, waits until every bot received every one of them (fails
 * when deliveries stall for 30 s or exceed the expected count), and reads CPU from /proc.
 */
export async function measurePhase(ctx: PhaseContext, phase: { messages: number; send: (ctx: PhaseContext, first: number) => Promise<void> }): Promise<PhaseResult> {
  const before = await ctx.fleet.count();
  await ctx.fleet.latencies();
  const expected = phase.messages * ctx.viewers;
  const serverCpu = () => ctx.serverPids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  const cpu0 = serverCpu();
  await ctx.db?.start();
  const bots0 = ctx.fleet.cpuSeconds();
  const machine0 = machineBusySeconds();
  const t0 = performance.now();
  const mono0 = Number(process.hrtime.bigint() / 1000n);
  const first = ctx.next;
  ctx.next += phase.messages;
  let sendS = NaN;
  const sent = phase.send(ctx, first).then(() => (sendS = (performance.now() - t0) / 1000));
  let failed: unknown = null;
  sent.catch((error: unknown) => (failed = error));
  let received = 0;
  let lastProgress = performance.now();
  for (;;) {
    await sleep(100);
    if (failed) throw failed;
    await ctx.db?.sample();
    const now = await ctx.fleet.count();
    const got = now.deliveries - before.deliveries;
    if (got > received) lastProgress = performance.now();
    received = got;
    if (received > expected) throw new Error(`${received} deliveries, expected ${expected}: duplicates`);
    if (received === expected) break;
    if (performance.now() - lastProgress > 30_000) throw new Error(`deliveries stalled at ${received} of ${expected}`);
  }
  await sent;
  const wallS = (performance.now() - t0) / 1000;
  const mono1 = Number(process.hrtime.bigint() / 1000n);
  const serverCpuS = serverCpu() - cpu0;
  const dbCpuS = (await ctx.db?.sample()) ?? 0;
  const botsCpuS = ctx.fleet.cpuSeconds() - bots0;
  const machineS = machineBusySeconds() - machine0;
  const frames = (await ctx.fleet.count()).frames - before.frames;
  if (serverCpuS < 0.2) throw new Error(`measure too short (${serverCpuS} s of server CPU): send more messages`);
  const latencies = (await ctx.fleet.latencies()).sort((a, b) => a - b);
  return {
    messages: phase.messages,
    deliveries: received,
    frames,
    wallS,
    sendS,
    serverCpuS,
    dbCpuS,
    botsCpuS,
    otherCores: Math.max(0, machineS - serverCpuS - dbCpuS - botsCpuS) / wallS,
    deliveriesPerCoreS: received / serverCpuS,
    deliveriesPerS: received / wallS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    samples: latencies.length,
    monotonicUs: [mono0, mono1],
  };
}

/** Resident memory of a process in MB: now (VmRSS) and its peak so far (VmHWM). */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
