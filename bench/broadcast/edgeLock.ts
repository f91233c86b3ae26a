/**
 * How the edge's cache lock treats LL-HLS: for one edge configuration, simulated viewers doing
 * blocking reloads through the edge; measures how late each viewer sees each part (from the
 * moment the origin published it) and how many requests reach the origin. Used to choose the
 * lock settings of deploy/nginx/amphi-edge.conf; `npx tsx bench/broadcast/edgeLock.ts`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { cpuSeconds } from '../lib.js';
import { renderEdgeConfig, startNginx } from './nginx.js';
import { startLiveOrigin, type LiveOrigin, type RequestKind } from './liveOrigin.js';
import { runViewers } from './viewers.js';

export interface LockVariant {
  readonly name: string;
  /** Rewrites the shipped configuration text (identity: the shipped file). */
  readonly edit: (text: string) => string;
}

export interface LockResult {
  name: string;
  /** Lateness of a viewer seeing a part, after the origin published it (ms). */
  p50: number;
  p95: number;
  max: number;
  /** Requests that reached the origin per second, by kind. */
  originPerS: Partial<Record<RequestKind, number>>;
  viewerRequestsPerS: number;
  /** Edge CPU (all nginx processes) per thousand viewer requests (ms). */
  edgeCpuMsPerKReq: number;
  errors: number;
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN;
};

/** Measures one variant (or the origin directly with `variant` undefined) on a running origin. */
export async function measureLock(origin: LiveOrigin, variant: LockVariant | undefined, viewers: number, durationMs: number): Promise<LockResult> {
  const edge = variant
    ? await startNginx((port, dir) => {
        mkdirSync(path.join(dir, 'cache'));
        return variant.edit(renderEdgeConfig({ origin: origin.baseUrl.replace('http://', ''), cacheDir: path.join(dir, 'cache'), port, logDir: dir }));
      })
    : undefined;
  try {
    const base = edge ? `http://127.0.0.1:${edge.port}` : origin.baseUrl;
    const urls = origin.renditions.map((r) => `${base}/hls/${origin.streamId}/${r.name}/`);
    const lateness: number[] = [];
    const before = { ...origin.counts };
    const edgeCpu = () => (edge ? edge.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) : 0);
    const cpu0 = edgeCpu();
    const t0 = performance.now();
    const stats = await runViewers({
      renditionUrls: urls,
      viewers,
      mode: 'blocking',
      durationMs,
      onPartSeen: (part, r, at) => {
        const published = origin.published.get(origin.renditions[r]!.name)!.get(part);
        // Skip the first sighting of each viewer (a plain reload shows an old part).
        if (published !== undefined && at - published < 2000) lateness.push(at - published);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = edgeCpu() - cpu0;
    const originPerS: Partial<Record<RequestKind, number>> = {};
    for (const kind of Object.keys(before) as RequestKind[]) {
      const n = origin.counts[kind] - before[kind];
      if (n) originPerS[kind] = Math.round((n / seconds) * 10) / 10;
    }
    return { name: variant?.name ?? 'origin directly', p50: pct(lateness, 50), p95: pct(lateness, 95), max: Math.max(...lateness), originPerS, viewerRequestsPerS: Math.round(stats.requests / seconds), edgeCpuMsPerKReq: Math.round((cpu * 1e6) / stats.requests) / 1, errors: stats.errors };
  } finally {
    await edge?.stop();
  }
}

/** The public playlist location without the relay: straight to the origin, with this lock timeout (and extra lines). */
const direct =
  (timeout: string, extra = '') =>
  (text: string) =>
    text.replace(
      /proxy_pass http:\/\/amphi_relay\/_relay\/1\$uri\$is_args\$args;\n(\s*)proxy_cache_lock_timeout [^;]+;/,
      (_m, indent: string) => `proxy_pass http://amphi_origin;\n${indent}proxy_cache_lock_timeout ${timeout};${extra ? `\n${indent}${extra}` : ''}`,
    );
/** The relay's hops with another lock timeout. */
const hopTimeout = (timeout: string) => (text: string) => text.replace(/proxy_cache_lock_timeout 100ms;/g, `proxy_cache_lock_timeout ${timeout};`);

export const VARIANTS: LockVariant[] = [
  { name: 'shipped (relay, 4 hops of 100ms)', edit: (t) => t },
  { name: 'one lock, lock_timeout 5s (nginx default)', edit: direct('5s') },
  { name: 'one lock, lock_timeout 100ms', edit: direct('100ms') },
  { name: 'one lock, lock_timeout 400ms', edit: direct('400ms') },
  { name: 'one lock, lock_age 50ms', edit: direct('5s', 'proxy_cache_lock_age 50ms;') },
  { name: 'no lock for playlists', edit: direct('5s', 'proxy_cache_lock off;') },
  { name: 'relay, 4 hops of 60ms', edit: hopTimeout('60ms') },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const viewers = Number(process.env.BENCH_VIEWERS ?? 60);
  const durationMs = Number(process.env.BENCH_DURATION_S ?? 12) * 1000;
  const only = process.env.BENCH_VARIANTS?.split(',');
  const origin = await startLiveOrigin();
  try {
    // Let the window fill (a few segments) before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const results = [await measureLock(origin, undefined, viewers, durationMs)];
    for (const v of VARIANTS) if (!only || only.some((o) => v.name.includes(o))) results.push(await measureLock(origin, v, viewers, durationMs));
    for (const r of results) console.log(JSON.stringify(r));
  } finally {
    await origin.close();
  }
}
