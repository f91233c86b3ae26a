import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cpuSeconds } from '../lib.js';
import type { FleetCommand, FleetReport } from './wire.js';

/** Where a bot process sends its bots: a WebSocket URL, plus the join link on Amphi. */
export interface Target {
  url: string;
  base?: string;
  token?: string;
}

/** The viewer bots, spread over child processes (bench/interaction/bots.ts). */
export class Fleet {
  readonly #children: ChildProcess[];

  private constructor(children: ChildProcess[]) {
    this.#children = children;
  }

  /**
   * Starts `processes` bot processes and connects `viewers` bots, process i to target
   * i % targets.length; resolves once every bot is ready (joined and synced on Amphi).
   */
  static async start(options: { viewers: number; processes: number; targets: Target[]; sampleEvery: number; concurrency: number; log: (line: string) => void }): Promise<Fleet> {
    const children = Array.from({ length: options.processes }, () =>
      fork(path.join(import.meta.dirname, 'bots.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const fleet = new Fleet(children);
    try {
      let firstIndex = 0;
      await Promise.all(
        children.map((child, i) => {
          const count = Math.floor(options.viewers / options.processes) + (i < options.viewers % options.processes ? 1 : 0);
          const command: FleetCommand = { type: 'connect', ...options.targets[i % options.targets.length]!, count, firstIndex, sampleEvery: options.sampleEvery, concurrency: options.concurrency };
          firstIndex += count;
          const onProgress = (report: FleetReport) => {
            if (report.type === 'progress') options.log(`bots[${i}]: ${report.connected} connected`);
          };
          child.on('message', onProgress);
          child.send(command);
          return reply(child, 'connected').finally(() => child.off('message', onProgress));
        }),
      );
      return fleet;
    } catch (error) {
      await fleet.close();
      throw error;
    }
  }

  get pids(): number[] {
    return this.#children.map((c) => c.pid!);
  }

  /** CPU seconds used so far by all bot processes. */
  cpuSeconds(): number {
    return this.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  /** Chat events and frames received so far by all bots. */
  async count(): Promise<{ deliveries: number; frames: number }> {
    const counts = await Promise.all(this.#children.map((c) => ask(c, { type: 'count' }, 'count')));
    return { deliveries: counts.reduce((n, c) => n + c.deliveries, 0), frames: counts.reduce((n, c) => n + c.frames, 0) };
  }

  /** Send → receipt times (ms) of the sampled bots since the last call. */
  async latencies(): Promise<number[]> {
    const all = await Promise.all(this.#children.map((c) => ask(c, { type: 'latencies' }, 'latencies')));
    return all.flatMap((r) => r.latencies);
  }

  /** Ends every bot process (killed if it has not exited within 5 s). */
  async close(): Promise<void> {
    await Promise.all(
      this.#children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        if (child.connected) child.send({ type: 'close' } satisfies FleetCommand);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

type ReportOf<T extends FleetReport['type']> = Extract<FleetReport, { type: T }>;

function ask<T extends FleetReport['type']>(child: ChildProcess, command: FleetCommand, answer: T): Promise<ReportOf<T>> {
  const answered = reply(child, answer);
  child.send(command);
  return answered;
}

/** The child's next report of type `type` (rejects on `failed` or exit). */
function reply<T extends FleetReport['type']>(child: ChildProcess, type: T): Promise<ReportOf<T>> {
  return new Promise((resolve, reject) => {
    const onMessage = (report: FleetReport) => {
      if (report.type === type) {
        done();
        resolve(report as ReportOf<T>);
      } else if (report.type === 'failed') {
        done();
        reject(new Error(`bot process ${child.pid}: ${report.error}`));
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`bot process ${child.pid} exited (${code})`));
    };
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
