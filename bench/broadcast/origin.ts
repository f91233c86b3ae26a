/**
 * Broadcast benchmarks of the HLS origin and of the nginx edge in front of it.
 *
 * `originViewersPerCore()`: a live ladder (2 small rungs) into Amphi's origin, running in a
 * process of its own; simulated LL-HLS viewers (blocking reload, then the new part: ~3 playlist
 * and ~3 part requests a second each) load it; its CPU time gives requests per CPU-second,
 * turned into viewers per core. Baseline: nginx (one worker) serving the same live window
 * written to tmpfs as files; it cannot hold a blocking reload, so its viewers poll the playlist
 * every part duration and fetch the new part: the same request mix.
 *
 * `edgeOriginRequestsPerS(viewers)`: that many viewers (spread over a few processes, connections
 * kept alive) behind the shipped edge configuration (deploy/nginx/amphi-edge.conf); counts the
 * requests reaching the origin per second. Baseline: what the origin would see without the edge
 * (the viewers' own request rate, measured on a smaller audience against the origin directly
 * and scaled).
 *
 * The lead's bench/broadcast.ts calls these; `npx tsx bench/broadcast/origin.ts` runs both
 * briefly (BENCH_DURATION_S, BENCH_VIEWERS, BENCH_EDGE_VIEWERS).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, figure, repoRoot, stop, type Figure } from '../lib.js';
import type { RequestKind } from './liveOrigin.js';
import { renderEdgeConfig, startNginx } from './nginx.js';
import type { ViewerMode, ViewerOptions, ViewerStats } from './viewers.js';

/** Measuring window (s); read when a benchmark starts, so a caller may set it. */
const durationS = () => Number(process.env.BENCH_DURATION_S ?? 20);
/** Viewers for the per-core measure: enough load to dwarf fixed costs, light enough for 2 shared cores. */
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 300);
/** Viewers driven by one load process. */
const VIEWERS_PER_PROCESS = 1250;
/** tmpfs, so the nginx baseline reads from memory as the origin does. */
const SHM = '/dev/shm';

const log = (s: string) => console.log(`  ${s}`);

interface OriginChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly baseUrl: string;
  readonly streamId: string;
  readonly renditions: readonly string[];
  counts(): Promise<Record<RequestKind, number>>;
}

async function startOrigin(mirrorDir?: string): Promise<OriginChild> {
  const child = fork(path.join(import.meta.dirname, 'originProcess.ts'), mirrorDir ? ['--mirror', mirrorDir] : [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ baseUrl: string; streamId: string; renditions: string[]; pid: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { baseUrl: string; streamId: string; renditions: string[]; pid: number }));
    child.once('exit', (code) => reject(new Error(`origin process exited (${code})`)));
  });
  return {
    child,
    ...ready,
    counts: () =>
      new Promise((resolve) => {
        const listener = (m: unknown) => {
          const message = m as { type?: string; counts?: Record<RequestKind, number> };
          if (message.type !== 'counts') return;
          child.off('message', listener);
          resolve(message.counts!);
        };
        child.on('message', listener);
        child.send('counts');
      }),
  };
}

/**
 * Runs `viewers` viewers over as many load processes as needed; `onStarted` runs once every
 * process is running (start the clock there: loading a process takes a second or two).
 */
async function load(options: Omit<ViewerOptions, 'viewers' | 'onPartSeen'>, viewers: number, onStarted: () => void | Promise<void> = () => undefined): Promise<ViewerStats> {
  const processes = Math.max(1, Math.ceil(viewers / VIEWERS_PER_PROCESS));
  const shares = Array.from({ length: processes }, (_, i) => Math.floor(viewers / processes) + (i < viewers % processes ? 1 : 0));
  let started = 0;
  let startedAll: Promise<void> | undefined;
  const results = await Promise.all(
    shares.map(
      (share) =>
        new Promise<ViewerStats>((resolve, reject) => {
          const child = fork(path.join(import.meta.dirname, 'viewerProcess.ts'), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          child.on('message', (m) => {
            if ((m as { type?: string }).type === 'started') {
              if (++started === processes) startedAll = Promise.resolve(onStarted());
            } else void startedAll?.then(() => resolve(m as ViewerStats));
          });
          child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`viewer process exited (${code})`))));
          child.send({ ...options, viewers: share });
        }),
    ),
  );
  const total: ViewerStats = { requests: 0, playlists: 0, parts: 0, bytes: 0, errors: 0, statuses: {} };
  for (const r of results) {
    total.requests += r.requests;
    total.playlists += r.playlists;
    total.parts += r.parts;
    total.bytes += r.bytes;
    total.errors += r.errors;
    for (const [status, n] of Object.entries(r.statuses)) total.statuses[status] = (total.statuses[status] ?? 0) + n;
  }
  return total;
}

interface Served {
  /** Requests answered per second, per CPU-second of the server, and per viewer and second. */
  requestsPerS: number;
  requestsPerCpuS: number;
  requestsPerViewerS: number;
  /** Server CPU (cores) under load, and idle before it (the ladder's packaging, timers). */
  cores: number;
  idleCores: number;
  viewersPerCore: number;
  errors: number;
}

/** Loads a server (its processes' CPU read from /proc) with `viewers` viewers of `mode`. */
async function measureServer(label: string, pids: () => number[], urls: string[], mode: ViewerMode, viewers: number): Promise<Served> {
  const cpu = () => pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  // Idle first: what the server spends with nobody watching (subtracted: it is not per viewer).
  let c0 = cpu();
  let t0 = performance.now();
  await sleep(3000);
  const idleCores = (cpu() - c0) / ((performance.now() - t0) / 1000);
  const stats = await load({ renditionUrls: urls, mode, durationMs: durationS() * 1000 }, viewers, () => {
    c0 = cpu();
    t0 = performance.now();
  });
  const seconds = (performance.now() - t0) / 1000;
  const cores = (cpu() - c0) / seconds;
  const busy = Math.max(cores - idleCores, 1e-6);
  const requestsPerS = stats.requests / seconds;
  const requestsPerViewerS = requestsPerS / viewers;
  const served: Served = {
    requestsPerS,
    requestsPerCpuS: requestsPerS / busy,
    requestsPerViewerS,
    cores,
    idleCores,
    viewersPerCore: requestsPerS / busy / requestsPerViewerS,
    errors: stats.errors,
  };
  log(
    `${label}: ${viewers} viewers (${mode}), ${Math.round(requestsPerS)} req/s (${requestsPerViewerS.toFixed(2)} per viewer), ` +
      `${cores.toFixed(3)} cores (idle ${idleCores.toFixed(3)}), ${Math.round(served.requestsPerCpuS)} req per CPU-second → ${Math.round(served.viewersPerCore)} viewers per core; ` +
      `${stats.errors} errors ${JSON.stringify(stats.statuses)}`,
  );
  return served;
}

const urlsOf = (base: string, o: { streamId: string; renditions: readonly string[] }) => o.renditions.map((r) => `${base}/hls/${o.streamId}/${r}/`);

/** Viewers per core of Amphi's origin, against nginx serving the same live files (baseline). */
export async function originViewersPerCore(viewers = VIEWERS): Promise<{ figures: Record<string, Figure>; notes: string }> {
  log(`Amphi origin: live ladder, ${viewers} blocking-reload viewers, ${durationS()} s…`);
  const amphi = await startOrigin();
  let amphiServed: Served;
  try {
    amphiServed = await measureServer('Amphi origin', () => [amphi.pid], urlsOf(amphi.baseUrl, amphi), 'blocking', viewers);
  } finally {
    await stop(amphi.child);
  }

  log(`nginx static baseline: the same live window as files on tmpfs, ${viewers} polling viewers…`);
  const root = mkdtempSync(path.join(SHM, 'amphi-bench-hls-'));
  const writer = await startOrigin(root);
  let nginxServed: Served;
  try {
    const nginx = await startNginx(
      (port) => `  server {
    listen 127.0.0.1:${port};
    root ${root};
    location /hls/ {
      add_header Cache-Control "public, max-age=1";
      add_header Access-Control-Allow-Origin "*";
    }
  }`,
    );
    try {
      nginxServed = await measureServer('nginx static', () => nginx.pids(), urlsOf(`http://127.0.0.1:${nginx.port}`, writer), 'polling', viewers);
    } finally {
      await nginx.stop();
    }
  } finally {
    await stop(writer.child);
    rmSync(root, { recursive: true, force: true });
  }
  const figures = { origin_viewers_per_core: figure(amphiServed.viewersPerCore, 'viewers', nginxServed.viewersPerCore) };
  const notes =
    `origin_viewers_per_core: ${viewers} simulated LL-HLS viewers over 2 rungs (320x180, 256x144; parts of 1/3 s), ${durationS()} s. ` +
    `Amphi origin (own process, blocking reloads): ${Math.round(amphiServed.requestsPerS)} req/s at ${amphiServed.cores.toFixed(3)} cores (idle ${amphiServed.idleCores.toFixed(3)} subtracted) = ${Math.round(amphiServed.requestsPerCpuS)} req per CPU-second; ` +
    `nginx 1.22, 1 worker, files on tmpfs (polling viewers, same mix): ${Math.round(nginxServed.requestsPerS)} req/s at ${nginxServed.cores.toFixed(3)} cores = ${Math.round(nginxServed.requestsPerCpuS)} req per CPU-second. ` +
    `Viewers per core = req per CPU-second / req per viewer-second (${amphiServed.requestsPerViewerS.toFixed(2)} Amphi, ${nginxServed.requestsPerViewerS.toFixed(2)} nginx). ` +
    `Errors: ${amphiServed.errors} / ${nginxServed.errors}.`;
  return { figures, notes };
}

/** Requests per second reaching the origin behind the shipped edge, for `viewers` LL-HLS viewers. */
export async function edgeOriginRequestsPerS(viewers = Number(process.env.BENCH_EDGE_VIEWERS ?? 5000)): Promise<{ figures: Record<string, Figure>; notes: string }> {
  const origin = await startOrigin();
  try {
    // Baseline: without an edge every viewer request reaches the origin; measured on a smaller audience, scaled.
    const sample = Math.min(viewers, VIEWERS);
    log(`without the edge: ${sample} viewers against the origin directly…`);
    let c0 = await origin.counts();
    let t0 = performance.now();
    const direct = await load({ renditionUrls: urlsOf(origin.baseUrl, origin), mode: 'blocking', durationMs: durationS() * 1000 }, sample, async () => {
      c0 = await origin.counts();
      t0 = performance.now();
    });
    let seconds = (performance.now() - t0) / 1000;
    const c1 = await origin.counts();
    const directPerViewer = sum(c1) - sum(c0) > 0 ? (sum(c1) - sum(c0)) / seconds / sample : direct.requests / seconds / sample;
    const baseline = directPerViewer * viewers;
    log(`without the edge: ${(directPerViewer * sample).toFixed(0)} origin req/s for ${sample} viewers → ${Math.round(baseline)} req/s for ${viewers}`);

    log(`through the edge (deploy/nginx/amphi-edge.conf, 2 workers): ${viewers} viewers…`);
    const nginx = await startNginx(
      (port, dir) => {
        mkdirSync(path.join(dir, 'cache'));
        return renderEdgeConfig({ origin: origin.baseUrl.replace('http://', ''), cacheDir: path.join(dir, 'cache'), port, logDir: dir });
      },
      { workers: 2 },
    );
    try {
      const edgeCpu = () => nginx.pids().reduce((s, pid) => s + cpuSeconds(pid), 0);
      let e0 = 0;
      let before = await origin.counts();
      const stats = await load({ renditionUrls: urlsOf(`http://127.0.0.1:${nginx.port}`, origin), mode: 'blocking', durationMs: durationS() * 1000 }, viewers, async () => {
        e0 = edgeCpu();
        before = await origin.counts();
        t0 = performance.now();
      });
      seconds = (performance.now() - t0) / 1000;
      const after = await origin.counts();
      const edgeCores = (edgeCpu() - e0) / seconds;
      const perKind = Object.fromEntries((Object.keys(after) as RequestKind[]).map((k) => [k, Math.round(((after[k] - before[k]) / seconds) * 10) / 10]));
      const originPerS = (sum(after) - sum(before)) / seconds;
      log(
        `through the edge: ${Math.round(stats.requests / seconds)} viewer req/s (${(stats.requests / seconds / viewers).toFixed(2)} per viewer), ` +
          `origin ${originPerS.toFixed(1)} req/s ${JSON.stringify(perKind)}, edge ${edgeCores.toFixed(2)} cores; ${stats.errors} errors ${JSON.stringify(stats.statuses)}`,
      );
      const figures = { edge_origin_requests_per_s: figure(originPerS, 'req/s', baseline) };
      const notes =
        `edge_origin_requests_per_s: ${viewers} simulated LL-HLS viewers (blocking reload + part, keep-alive, ${Math.ceil(viewers / VIEWERS_PER_PROCESS)} load processes) behind one nginx 1.22 with the shipped deploy/nginx/amphi-edge.conf (2 workers), ${origin.renditions.length} renditions, ${durationS()} s: ` +
        `${Math.round(stats.requests / seconds)} viewer req/s served (${(stats.requests / seconds / viewers).toFixed(2)} per viewer: the load processes share 2 cores with nginx, origin and ffmpeg), edge ${edgeCores.toFixed(2)} cores; ` +
        `origin ${originPerS.toFixed(1)} req/s (${JSON.stringify(perKind)}); ideal ≈ renditions × (3 blocking + 3 parts) + segments = ${origin.renditions.length * 7}/s. ` +
        `Baseline (no edge): ${directPerViewer.toFixed(2)} origin req/s per viewer measured with ${sample} viewers, × ${viewers}.`;
      return { figures, notes };
    } finally {
      await nginx.stop();
    }
  } finally {
    await stop(origin.child);
  }
}

function sum(counts: Record<RequestKind, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A quick check by default; the lead's bench/broadcast.ts runs the full 20 s windows.
  process.env.BENCH_DURATION_S ??= '8';
  const a = await originViewersPerCore();
  console.log(JSON.stringify(a, null, 2));
  const b = await edgeOriginRequestsPerS();
  console.log(JSON.stringify(b, null, 2));
}
