/**
 * An Amphi HLS origin with a live test ladder, in this process: the real app (buildApp, its
 * /hls/ routes and hooks) listening on 127.0.0.1, an HlsLadder encoding a lavfi test pattern
 * into small rungs, and a count of the requests that reach the origin, by kind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, openDatabase, testConfig, type AmphiApp } from '../../packages/server/src/index.js';
import { HlsLadder, type RenditionConfig } from '../../packages/server/src/broadcast/index.js';

/** Small rungs: the benchmark measures serving, not encoding (2 ultrafast rungs ≈ 0.1 core). */
export const BENCH_RENDITIONS: readonly RenditionConfig[] = [
  { name: '180p', width: 320, height: 180, videoBitrate: 300_000 },
  { name: '144p', width: 256, height: 144, videoBitrate: 200_000 },
];

export type RequestKind = 'blocking' | 'playlist' | 'part' | 'segment' | 'other';

export interface LiveOrigin {
  readonly app: AmphiApp;
  readonly ladder: HlsLadder;
  readonly streamId: string;
  readonly baseUrl: string;
  readonly renditions: readonly RenditionConfig[];
  /** Requests answered by the origin so far, by kind. */
  readonly counts: Record<RequestKind, number>;
  /** Wall-clock time (ms since the epoch, sub-ms) each part was published, per rendition name. */
  readonly published: Map<string, Map<number, number>>;
  close(): Promise<void>;
}

export function kindOf(url: string): RequestKind {
  const [pathname = '', query = ''] = url.split('?');
  if (pathname.endsWith('/playlist.m3u8')) return /(?:^|&)_HLS_msn=/.test(query) ? 'blocking' : 'playlist';
  if (/\/part\d+\.m4s$/.test(pathname)) return 'part';
  if (/\/seg\d+\.m4s$/.test(pathname)) return 'segment';
  return 'other';
}

export async function startLiveOrigin(options: { streamId?: string; renditions?: readonly RenditionConfig[]; fps?: number } = {}): Promise<LiveOrigin> {
  const streamId = options.streamId ?? `bench${Date.now().toString(36)}`;
  const renditions = options.renditions ?? BENCH_RENDITIONS;
  // No per-address limit: the origin sits behind an edge (or takes a whole simulated audience from one address).
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-origin-'));
  const config = testConfig({ rateHlsPerMin: 0, dataDir });
  const database = await openDatabase({ dataDir: 'memory' });
  const app = await buildApp({ config, database });
  const counts: Record<RequestKind, number> = { blocking: 0, playlist: 0, part: 0, segment: 0, other: 0 };
  app.app.addHook('onResponse', async (request) => {
    if (request.url.startsWith('/hls/')) counts[kindOf(request.url)]++;
  });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const fps = options.fps ?? 30;
  const ladder = new HlsLadder({
    origin: app.hls,
    streamId,
    input: ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${renditions[0]!.width}x${renditions[0]!.height}:rate=${fps}`],
    audio: null,
    renditions,
    fps,
    preset: 'ultrafast',
  });
  const published = new Map<string, Map<number, number>>();
  const ready = new Promise<void>((resolve, reject) => {
    ladder.on('ready', resolve);
    ladder.on('exited', (exit) => reject(new Error(`ffmpeg exited before ready: ${JSON.stringify(exit)}`)));
  });
  ladder.start();
  for (const r of renditions) {
    const times = new Map<number, number>();
    published.set(r.name, times);
    app.hls.get(streamId, r.name)!.on('part', (ref) => times.set(ref.number, performance.timeOrigin + performance.now()));
  }
  try {
    await ready;
  } catch (error) {
    await app.app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    app,
    ladder,
    streamId,
    baseUrl: `http://127.0.0.1:${port}`,
    renditions,
    counts,
    published,
    close() {
      closed ??= (async () => {
        await ladder.stop();
        await app.app.close();
        await database.close();
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
