/**
 * `ladder_cpu_cores`: what the HLS ladder costs. The default ladder (the source's H.264 passed
 * through as `src`, plus 720p and 360p re-encoded with x264 veryfast, AAC for each) on a fixed
 * source: a pre-encoded 1080p30 H.264 + AAC clip (programClips.ts) read in real time
 * (`-re -stream_loop -1`). Amphi's ladder (HlsLadder: ffmpeg writing fMP4 to pipes, our Node
 * packager cutting LL-HLS parts into the origin) runs in a process of its own
 * (ladderProcess.ts); its CPU = ffmpeg's + that Node process's, over a fixed window after a
 * warm-up. Baseline, in the same run: the exact same ffmpeg arguments run bare, each output
 * written to a file instead of a pipe.
 *
 * `npx tsx bench/broadcast/ladderCpu.ts` runs it briefly (BENCH_LADDER_WARMUP_S, BENCH_LADDER_WINDOW_S).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUNGS, type HlsLadderOptions, type RenditionConfig } from '../../packages/server/src/broadcast/index.js';
import { cpuSeconds, figure, repoRoot, stop, type Figure } from '../lib.js';
import { machineBusySeconds } from '../media/proc.js';
import { mediaSeconds } from './mediaSeconds.js';
import { ladderSource } from './programClips.js';

const WARMUP_S = () => Number(process.env.BENCH_LADDER_WARMUP_S ?? 6);
const WINDOW_S = () => Number(process.env.BENCH_LADDER_WINDOW_S ?? 20);

const log = (s: string) => console.log(`  ${s}`);
/** Below this speed (media seconds per wall second) ffmpeg did not keep up: the machine was saturated. */
const REAL_TIME = 0.97;

/** Measures a window, and once more if ffmpeg fell behind real time (other jobs on the machine); keeps the faster. */
async function measureValid(take: () => Promise<Window>, what: string): Promise<Window> {
  let best: Window | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const w = await take();
    if (w.speed >= REAL_TIME) return w;
    log(`${what}: ffmpeg at ${w.speed}× real time (machine ${w.machineCores.toFixed(2)} cores busy); measuring again…`);
    if (!best || w.speed > best.speed) best = w;
  }
  return best!;
}

/** The default ladder (AMPHI_HLS_LADDER=src,720p,360p) on a 1080p30 source. */
const RENDITIONS: readonly RenditionConfig[] = [
  { name: 'src', passthrough: true, width: 1920, height: 1080, videoBitrate: 5_000_000, frameRate: 30, keyframeInterval: 1 },
  RUNGS['720p']!,
  RUNGS['360p']!,
];

interface Window {
  cores: number;
  /** Of which the Node packager's process (Amphi only). */
  nodeCores: number;
  machineCores: number;
  /** Output bytes per second, per rendition. */
  bytesPerS: Record<string, number>;
  /** LL-HLS parts per second, per rendition (Amphi only). */
  partsPerS: Record<string, number>;
  /** Media seconds written per wall second, the slowest rendition's: below 1, ffmpeg fell behind real time. */
  speed: number;
}

interface Output {
  bytes: Record<string, number>;
  parts: Record<string, number>;
  seconds: Record<string, number>;
}

async function measure(pids: { ffmpeg: number; node?: number }, read: () => Promise<Output>): Promise<Window> {
  const snap = async () => ({
    ffmpeg: cpuSeconds(pids.ffmpeg),
    node: pids.node ? cpuSeconds(pids.node) : 0,
    machine: machineBusySeconds(),
    out: await read(),
    t: performance.now(),
  });
  const a = await snap();
  await sleep(WINDOW_S() * 1000);
  const b = await snap();
  const wall = (b.t - a.t) / 1000;
  const rate = (key: keyof Output, digits = 0) =>
    Object.fromEntries(Object.keys(b.out[key]).map((name) => [name, Math.round(((b.out[key][name]! - (a.out[key][name] ?? 0)) / wall) * 10 ** digits) / 10 ** digits]));
  return {
    cores: (b.ffmpeg - a.ffmpeg + b.node - a.node) / wall,
    nodeCores: (b.node - a.node) / wall,
    machineCores: (b.machine - a.machine) / wall,
    bytesPerS: rate('bytes'),
    partsPerS: rate('parts', 2),
    speed: Math.min(...Object.values(rate('seconds', 3))),
  };
}

/** Amphi's ladder in its own process; resolves with its window and the ffmpeg arguments it ran. */
async function amphiLadder(options: Omit<HlsLadderOptions, 'origin'>): Promise<{ window: Window; args: string[] }> {
  const child = fork(path.join(import.meta.dirname, 'ladderProcess.ts'), [JSON.stringify(options)], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<{ ffmpegPid: number; args: string[] }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { ffmpegPid: number; args: string[] }));
      child.once('exit', (code) => reject(new Error(`ladder process exited (${code})`)));
    });
    await sleep(WARMUP_S() * 1000);
    const stats = () =>
      new Promise<Output>((resolve) => {
        const listener = (m: unknown) => {
          const message = m as Output & { type?: string };
          if (message.type !== 'stats') return;
          child.off('message', listener);
          resolve(message);
        };
        child.on('message', listener);
        child.send('stats');
      });
    const window = await measureValid(() => measure({ ffmpeg: ready.ffmpegPid, node: child.pid! }, stats), 'Amphi');
    return { window, args: ready.args };
  } finally {
    await stop(child);
  }
}

/** The same ffmpeg arguments, each `pipe:N` output a file instead. */
async function bareFfmpeg(args: string[], names: string[]): Promise<Window> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-ladder-bare-'));
  const files: Record<string, string> = {};
  const bareArgs = args.map((arg) => {
    const match = /^pipe:(\d+)$/.exec(arg);
    if (!match) return arg;
    const name = names[Number(match[1]) - 3]!;
    return (files[name] = path.join(dir, `${name}.mp4`));
  });
  if (Object.keys(files).length !== names.length) throw new Error(`expected ${names.length} pipe outputs in ${args.join(' ')}`);
  let child: ChildProcess | undefined;
  try {
    child = spawn('ffmpeg', bareArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
    await sleep(WARMUP_S() * 1000);
    if (child.exitCode !== null) throw new Error(`bare ffmpeg exited (${child.exitCode})`);
    // Sizes, and the media written so far (parsed from the files: the same parser as the packager).
    const written = async (): Promise<Output> => ({
      bytes: Object.fromEntries(names.map((n) => [n, statSync(files[n]!, { throwIfNoEntry: false })?.size ?? 0])),
      parts: {},
      seconds: Object.fromEntries(names.map((n) => [n, mediaSeconds(readFileSync(files[n]!))])),
    });
    const pid = child.pid!;
    return await measureValid(() => measure({ ffmpeg: pid }, written), 'bare ffmpeg');
  } finally {
    if (child) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const kbps = (bytes: Record<string, number>) => Object.entries(bytes).map(([n, b]) => `${n} ${Math.round((b * 8) / 1000)}`).join(', ');
const summary = (w: Window) =>
  `${w.cores.toFixed(3)} cores${w.nodeCores ? ` (Node packager ${w.nodeCores.toFixed(3)})` : ''}, ${w.speed}× real time${w.speed < REAL_TIME ? ' (NOT CLEAN: fell behind)' : ''}, ` +
  `output kb/s ${kbps(w.bytesPerS)}, whole machine ${w.machineCores.toFixed(2)} cores busy`;

/** Measures the default ladder's CPU against bare ffmpeg with the same arguments. */
export async function ladderCpu(): Promise<{ figures: Record<string, Figure>; notes: string }> {
  const clip = ladderSource();
  const options: Omit<HlsLadderOptions, 'origin'> = {
    streamId: `ladderbench${Date.now().toString(36)}`,
    input: ['-re', '-stream_loop', '-1', '-i', clip],
    renditions: RENDITIONS,
    preset: 'veryfast',
    fps: 30,
  };
  log(`Amphi's ladder (src passthrough + 720p + 360p, veryfast) on a 1080p30 clip: ${WARMUP_S()} s warm-up, ${WINDOW_S()} s window…`);
  const amphi = await amphiLadder(options);
  log(`Amphi: ${summary(amphi.window)}; parts/s ${JSON.stringify(amphi.window.partsPerS)}`);
  log('baseline: the same ffmpeg arguments, outputs to files…');
  const bare = await bareFfmpeg(amphi.args, RENDITIONS.map((r) => r.name));
  log(`bare ffmpeg: ${summary(bare)}`);
  const cores = (v: number, b?: number) => {
    const f = figure(v, 'cores', b);
    return { ...f, value: Math.round(v * 1000) / 1000, ...(b === undefined ? {} : { baseline: Math.round(b * 1000) / 1000 }) };
  };
  const figures: Record<string, Figure> = { ladder_cpu_cores: cores(amphi.window.cores, bare.cores) };
  const notes =
    `ladder_cpu_cores: the default ladder (src passthrough + 720p 2.8 Mb/s + 360p 0.8 Mb/s, x264 veryfast, 1 s GOP, AAC 96 kb/s per rung) on a pre-encoded 1080p30 H.264 High + AAC test-pattern clip read with -re, ` +
    `CPU from /proc over ${WINDOW_S()} s after ${WARMUP_S()} s. Amphi (HlsLadder: ffmpeg → fMP4 pipes → Node packager → in-memory origin, own process; ffmpeg + Node): ${summary(amphi.window)}; ` +
    `LL-HLS parts/s ${JSON.stringify(amphi.window.partsPerS)}. Baseline, the same ffmpeg arguments run bare (outputs to files): ${summary(bare)}. ` +
    `A test pattern is easier to encode than a camera: a real lecture costs more in both.`;
  return { figures, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.BENCH_LADDER_WARMUP_S ??= '4';
  process.env.BENCH_LADDER_WINDOW_S ??= '8';
  console.log(JSON.stringify(await ladderCpu(), null, 2));
}
