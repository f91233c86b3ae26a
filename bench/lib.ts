import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One figure of a benchmark; `baseline` is the same work done by the reference in the same run. */
export interface Figure {
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

export interface BenchResult {
  name: string;
  date: string;
  machine: { cpus: number; model: string };
  figures: Record<string, Figure>;
  notes?: string;
}

export function figure(value: number, unit: string, baseline?: number): Figure {
  const round = (n: number) => Math.round(n * 100) / 100;
  if (baseline === undefined) return { value: round(value), unit };
  return { value: round(value), unit, baseline: round(baseline), ratio: baseline === 0 ? 0 : Math.round((value / baseline) * 1000) / 1000 };
}

/** Writes bench/results/NAME.json in the shape of ARCHITECTURE.md §5. */
export function writeResult(name: string, figures: Record<string, Figure>, notes?: string): BenchResult {
  const result: BenchResult = {
    name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
    figures,
    ...(notes ? { notes } : {}),
  };
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  return result;
}

export const repoRoot = path.resolve(import.meta.dirname, '..');

/** Waits until `url` answers 2xx (30 s at most). */
async function waitForHttp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${url} did not answer`);
}

/**
 * Starts the real Amphi server as its own process, with rate limits out of the way. Its log
 * (stdout, warnings and up) is dropped unless `options.stdout` is 'pipe'. `options.nodeArgs`
 * go to node before the script (e.g. `--cpu-prof`, which NODE_OPTIONS does not accept).
 */
export async function startAmphi(port: number, env: Record<string, string>, options: { stdout?: 'ignore' | 'pipe'; nodeArgs?: string[] } = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, AMPHI_PORT: String(port), AMPHI_HOST: '127.0.0.1', AMPHI_LOG_LEVEL: 'warn', AMPHI_RATE_SIGNIN: '1000000', AMPHI_RATE_JOIN: '1000000', AMPHI_RATE_API: '1000000', ...env },
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit'],
  });
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, child);
  return child;
}

/** Stops a child process and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU time (user + system, seconds) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
