/**
 * The shipped nginx edge cache (deploy/nginx/amphi-edge.conf) in front of the real origin: a live
 * test pattern encoded by real ffmpeg into the app's HlsOrigin, a private nginx (Debian's) running
 * the shipped file with only its placeholders filled in, and players' requests through it.
 * Requests reaching the origin are counted on its HTTP server.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HlsLadder, type BroadcastError, type LlHlsPlaylist } from '../src/broadcast/index.js';
import { freePort, startServer, type TestServer } from './harness.js';
import { until } from './helpers.js';

const run = promisify(execFile);
const EDGE_CONF = path.resolve(import.meta.dirname, '../../../deploy/nginx/amphi-edge.conf');
const STREAM = 'edgeTest000001';
const RENDITION = { name: '180p', width: 320, height: 180, videoBitrate: 300_000 };

let server: TestServer;
let ladder: HlsLadder | undefined;
let nginx: ChildProcess | undefined;
let nginxExited: Promise<unknown> | undefined;
let dir: string;
let edge: string;
let origin: string;
const ladderErrors: BroadcastError[] = [];
/** Paths (with query) of the requests that reached the origin, in order. */
const originRequests: string[] = [];

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The shipped file with its placeholders filled in; nothing else changes. */
function edgeConfig(originHostPort: string, cacheDir: string, port: number, logDir: string): string {
  const shipped = readFileSync(EDGE_CONF, 'utf8');
  expect(shipped).toContain('__AMPHI_ORIGIN__');
  expect(shipped).toContain('__AMPHI_CACHE_DIR__');
  expect(shipped).toMatch(/^\s*listen 80;$/m);
  const text = shipped
    .replaceAll('__AMPHI_ORIGIN__', originHostPort)
    .replaceAll('__AMPHI_CACHE_DIR__', cacheDir)
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`)
    .replaceAll('/var/log/nginx/', `${logDir}/`);
  expect(text).not.toContain('__AMPHI_');
  return text;
}

const playlist = (): LlHlsPlaylist => server.hls.get(STREAM, RENDITION.name)!;

interface PartLine {
  msn: number;
  index: number;
  number: number;
}

/** The last EXT-X-PART of a media playlist: its segment, its index there and its stream number. */
function lastPart(text: string): PartLine {
  let msn = 0;
  let index = 0;
  let last: PartLine | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length));
    else if (line.startsWith('#EXT-X-PART:')) last = { msn, index: index++, number: Number(/URI="part(\d+)\.m4s"/.exec(line)![1]) };
    else if (line && !line.startsWith('#')) {
      msn++;
      index = 0;
    }
  }
  if (!last) throw new Error(`no part in playlist:\n${text}`);
  return last;
}

/** The origin's live edge right now (read directly, so the edge's cache is not touched). */
async function originEdge(): Promise<PartLine> {
  return lastPart(await (await fetch(`${origin}/hls/${STREAM}/${RENDITION.name}/playlist.m3u8?cb=${Date.now()}`)).text());
}

const countOrigin = (pathAndQuery: string) => originRequests.filter((u) => u === pathAndQuery).length;
const spread = (times: number[]) => Math.max(...times) - Math.min(...times);

beforeAll(async () => {
  // Behind an edge the per-address limit is off (docs/operations.md): every viewer comes from the edge.
  server = await startServer({ rateHlsPerMin: 0 });
  // Observes every request the origin's HTTP server receives (Fastify's handler is untouched).
  server.app.server.on('request', (request: { url?: string }) => {
    if (request.url?.startsWith('/hls/')) originRequests.push(request.url);
  });
  origin = server.baseUrl;

  ladder = new HlsLadder({
    origin: server.hls,
    streamId: STREAM,
    input: ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${RENDITION.width}x${RENDITION.height}:rate=30`],
    audio: null,
    renditions: [RENDITION],
    preset: 'ultrafast',
  });
  ladder.on('error', (error) => ladderErrors.push(error));
  const ready = new Promise<void>((resolve, reject) => {
    ladder!.on('ready', resolve);
    ladder!.on('exited', (exit) => reject(new Error(`ffmpeg exited before ready: ${JSON.stringify(exit)} ${ladderErrors.map((e) => e.message).join('; ')}`)));
  });
  ladder.start();

  dir = mkdtempSync(path.join(tmpdir(), 'amphi-edge-'));
  const cacheDir = path.join(dir, 'cache');
  mkdirSync(cacheDir);
  const port = await freePort();
  writeFileSync(path.join(dir, 'amphi-edge.conf'), edgeConfig(new URL(origin).host, cacheDir, port, dir));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t}_temp;`).join('\n  ');
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    // As root nginx would run its workers as `nobody`, who cannot write in our private folder.
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  ${temp}
  types { application/vnd.apple.mpegurl m3u8; video/mp4 mp4 m4s; }
  default_type application/octet-stream;
  include ${dir}/amphi-edge.conf;
}
`,
  );
  let stderr = '';
  nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  nginx.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  nginxExited = new Promise((resolve) => nginx!.once('exit', resolve));
  await until(async () => {
    if (nginx!.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    return accepts(port);
  }, 'nginx listening');
  edge = `http://127.0.0.1:${port}`;

  await ready;
  // A few parts first, so the playlist has something to list.
  await playlist().waitFor(1, 0);
}, 60_000);

afterAll(async () => {
  await ladder?.stop();
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGQUIT');
    const timer = setTimeout(() => nginx?.kill('SIGKILL'), 3000);
    await nginxExited;
    clearTimeout(timer);
  }
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nginx edge cache (deploy/nginx/amphi-edge.conf) in front of the LL-HLS origin', () => {
  it('serves the master and a live LL-HLS rendition playlist with the origin’s cache and CORS headers', async () => {
    const master = await fetch(`${edge}/hls/${STREAM}/master.m3u8`);
    expect(master.status).toBe(200);
    expect(master.headers.get('cache-control')).toBe('public, max-age=1');
    expect(master.headers.get('access-control-allow-origin')).toBe('*');
    expect(master.headers.get('x-cache-status')).toMatch(/^(MISS|HIT|UPDATING|STALE|EXPIRED)$/);
    const lines = (await master.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('#EXTM3U');
    const at = lines.indexOf(`${RENDITION.name}/playlist.m3u8`);
    expect(lines[at - 1]).toMatch(/^#EXT-X-STREAM-INF:BANDWIDTH=\d+,.*RESOLUTION=320x180,.*CODECS="avc1\.[0-9a-f]{6}"$/);

    const plain = await fetch(`${edge}/hls/${STREAM}/${RENDITION.name}/playlist.m3u8`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=1');
    expect(plain.headers.get('access-control-allow-origin')).toBe('*');
    expect(plain.headers.get('access-control-expose-headers')).toBe('Age');
    const text = await plain.text();
    expect(text).toMatch(/^#EXTM3U\n/);
    expect(text).toMatch(/\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=[\d.]+\n/);
    expect(text).toMatch(/\n#EXT-X-PART-INF:PART-TARGET=[\d.]+\n/);
    expect(text).toMatch(/\n#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT[\d:.]+Z\n/);
    expect(text).toMatch(/\n#EXT-X-PART:DURATION=[\d.]+,URI="part\d+\.m4s"/);
    expect(text).toMatch(/\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part\d+\.m4s"\n$/);

    // A blocking reload is kept longer (6 s) than a plain one: it stays a correct answer to its URL.
    const next = lastPart(text);
    const blocking = await fetch(`${edge}/hls/${STREAM}/${RENDITION.name}/playlist.m3u8?_HLS_msn=${next.msn}&_HLS_part=${next.index + 1}`);
    expect(blocking.status).toBe(200);
    expect(blocking.headers.get('cache-control')).toBe('public, max-age=6');
    expect(blocking.headers.get('access-control-allow-origin')).toBe('*');
    await blocking.arrayBuffer();
  });

  it('serves a segment that decodes, immutable, from its cache on the second request', async () => {
    await playlist().waitFor(2);
    const url = (file: string) => `${edge}/hls/${STREAM}/${RENDITION.name}/${file}`;
    const init = await fetch(url('init.mp4'));
    const first = await fetch(url('seg1.m4s'));
    expect([init.status, first.status]).toEqual([200, 200]);
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('content-type')).toBe('video/mp4');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    const bytes = Buffer.from(await first.arrayBuffer());

    const second = await fetch(url('seg1.m4s'));
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect(second.headers.get('access-control-allow-origin')).toBe('*');
    expect(Buffer.from(await second.arrayBuffer()).equals(bytes)).toBe(true);
    expect(countOrigin(`/hls/${STREAM}/${RENDITION.name}/seg1.m4s`)).toBe(1);

    const file = path.join(dir, 'seg1.mp4');
    writeFileSync(file, Buffer.concat([Buffer.from(await init.arrayBuffer()), bytes]));
    const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file]);
    const probe = JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] };
    expect(probe.streams).toHaveLength(1);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    // One second at 30 fps, decoded.
    expect(Number(probe.streams[0]!.nb_read_frames)).toBeGreaterThanOrEqual(29);
  });

  it('does not keep a 404 for a part asked for before it exists', async () => {
    // Two beyond the preload hint (number + 1), which the origin would hold rather than answer 404;
    // two, so that a part published meanwhile does not make it the hinted one.
    const ahead = (await originEdge()).number + 3;
    const early = await fetch(`${edge}/hls/${STREAM}/${RENDITION.name}/part${ahead}.m4s`);
    expect(early.status).toBe(404);
    expect(early.headers.get('cache-control')).toBe('no-cache');
    await early.arrayBuffer();
    await until(() => playlist().part(ahead) !== undefined, `part ${ahead}`);
    const later = await fetch(`${edge}/hls/${STREAM}/${RENDITION.name}/part${ahead}.m4s`);
    expect(later.status).toBe(200);
    expect(Buffer.from(await later.arrayBuffer()).equals(Buffer.from(playlist().part(ahead)!))).toBe(true);
  });

  it('answers a blocking reload for the next part once that part exists', async () => {
    const last = await originEdge();
    let publishedAt: number | undefined;
    const onPart = (ref: { number: number }) => {
      if (ref.number === last.number + 1) publishedAt = performance.now();
    };
    playlist().on('part', onPart);
    try {
      const res = await fetch(`${edge}/hls/${STREAM}/${RENDITION.name}/playlist.m3u8?_HLS_msn=${last.msn}&_HLS_part=${last.index + 1}`);
      const answeredAt = performance.now();
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain(`URI="part${last.number + 1}.m4s"`);
      // The origin published the part before the edge answered (an order, not a duration).
      expect(publishedAt).toBeDefined();
      expect(publishedAt!).toBeLessThanOrEqual(answeredAt);
    } finally {
      playlist().off('part', onPart);
    }
  });

  it('collapses 50 concurrent requests for an uncached part, and for an uncached segment, into one origin request each', async () => {
    // A part and a segment the origin has, that nobody asked the edge for yet.
    await playlist().waitFor((await originEdge()).msn + 1, 1);
    const { number } = await originEdge();
    const msn = playlist().mediaSequence + 2;
    expect(playlist().segment(msn)).toBeDefined();
    for (const file of [`part${number}.m4s`, `seg${msn}.m4s`]) {
      const pathname = `/hls/${STREAM}/${RENDITION.name}/${file}`;
      expect(countOrigin(pathname), file).toBe(0);
      const answers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await fetch(edge + pathname);
          return { status: res.status, cache: res.headers.get('x-cache-status'), bytes: Buffer.from(await res.arrayBuffer()) };
        }),
      );
      expect(answers.map((a) => a.status), file).toEqual(Array(50).fill(200));
      expect(answers.every((a) => a.bytes.equals(answers[0]!.bytes)), file).toBe(true);
      expect(answers.filter((a) => a.cache === 'MISS').length, file).toBe(1);
      expect(countOrigin(pathname), file).toBe(1);
    }
  });

  it('collapses 20 concurrent blocking reloads for the next part into one origin request, and answers them all', async () => {
    /** 20 concurrent blocking reloads for the part after the live edge; completion times (performance.now()) and when the origin published that part. */
    const blockingOnce = async (base: string) => {
      const last = await originEdge();
      const query = `?_HLS_msn=${last.msn}&_HLS_part=${last.index + 1}`;
      let publishedAt = NaN;
      const onPart = (ref: { number: number }) => {
        if (ref.number === last.number + 1) publishedAt = performance.now();
      };
      playlist().on('part', onPart);
      try {
        const answers = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const res = await fetch(`${base}/hls/${STREAM}/${RENDITION.name}/playlist.m3u8${query}`);
            const body = await res.text();
            return { status: res.status, body, doneAt: performance.now() };
          }),
        );
        return { last, query, answers, publishedAt };
      } finally {
        playlist().off('part', onPart);
      }
    };

    const viaEdge = await blockingOnce(edge);
    expect(viaEdge.answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(viaEdge.answers.map((a) => a.body)).size).toBe(1);
    expect(viaEdge.answers[0]!.body).toContain(`URI="part${viaEdge.last.number + 1}.m4s"`);
    expect(countOrigin(`/hls/${STREAM}/${RENDITION.name}/playlist.m3u8${viaEdge.query}`)).toBe(1);

    // The same against the origin directly, for the figures below.
    const direct = await blockingOnce(origin);
    expect(direct.answers.map((a) => a.status)).toEqual(Array(20).fill(200));

    // Figures for the log, not thresholds: how far apart the 20 answers came, and how long after the part.
    const figures = (run: typeof direct) => {
      const done = run.answers.map((a) => a.doneAt);
      return `spread ${spread(done).toFixed(1)} ms, last ${(Math.max(...done) - run.publishedAt).toFixed(1)} ms after the part`;
    };
    console.log(`20 concurrent blocking reloads — through the edge: ${figures(viaEdge)}; at the origin directly: ${figures(direct)}`);
    expect(ladderErrors).toEqual([]);
  });
});
