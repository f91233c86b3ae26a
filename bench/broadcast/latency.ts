/**
 * Glass-to-glass latency of a lecture broadcast, through the whole real chain on this machine:
 * an OBS-like encoder (ffmpeg: a 720p30 test pattern with the wall clock burned in as a binary
 * code, x264 veryfast CBR with 1 s keyframes and B-frames, AAC) pushes RTMP with the room's
 * stream key to the Amphi server (started as its own process with its RTMP ingest, a light
 * ladder `src,360p` and the WebRTC tier on) → nginx-rtmp → the ladder's ffmpeg → the HLS origin
 * and the Janus Streaming mountpoint → viewers in Debian's Chromium: hls.js with the settings of
 * the web player (HlsPlayer.tsx), and a WebRTC viewer joined over our protocol
 * (`audience.watch`). Every displayed frame's code is read (latencyPage.ts); latency is the time
 * it is displayed minus the time it was made.
 *
 * Baseline: the same encoder, in the same run and window (one encode, ffmpeg's `tee` muxer), also
 * writes ffmpeg's own HLS (MPEG-TS segments of 2 s) served as files by a bare HTTP server and
 * played by hls.js with its defaults: the usual do-it-yourself HLS.
 *
 * Before measuring, the page's decoder reads known frames (drawn by the same filter, scaled to
 * 360p and through x264 at a low bit rate) and a frame without a code: a decoder that could
 * produce a plausible wrong number stops the benchmark.
 *
 * `npx tsx bench/broadcast/latency.ts` runs it briefly (BENCH_G2G_WARMUP_S, BENCH_G2G_WINDOW_S).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ApiClient, RoomClient } from '@amphi/client';
import type { BroadcastInfo } from '@amphi/protocol';
import { outwardIPv4 } from '../../packages/server/src/media/janus/JanusProcess.js';
import { HLS_PLAYER_CONFIG, LIVE_SYNC_S } from '../../packages/web/src/audience/liveEdge.js';
import { figure, startAmphi, stop, type Figure } from '../lib.js';
import { clockFilter, clockLayout, dataUrl, knownFrame, type ClockLayout } from './clockCode.js';
import { ViewerBrowser, type ClockState, type Sample, type ViewerPage } from './latencyPage.js';
import { machineBusySeconds } from '../media/proc.js';
import { freePort } from './nginx.js';

const WARMUP_S = () => Number(process.env.BENCH_G2G_WARMUP_S ?? 10);
const WINDOW_S = () => Number(process.env.BENCH_G2G_WINDOW_S ?? 30);
/** Source picture (BENCH_G2G_SIZE, default 960x540: light enough to leave the 2 cores to the server under test). */
const SIZE = () => (process.env.BENCH_G2G_SIZE ?? '960x540').split('x').map(Number) as [number, number];
const FPS = 30;

/** hls.js as the web player configures it (packages/web/src/audience/HlsPlayer.tsx). */
const AMPHI_HLS_CONFIG = HLS_PLAYER_CONFIG;

const log = (s: string) => console.log(`  ${s}`);

/** The OBS-like encoder: one encode, pushed over RTMP and written as ffmpeg's own HLS (the baseline). */
function encoderArgs(layout: ClockLayout, epochMs: number, rtmpUrl: string, hlsDir: string): string[] {
  const tee = [`[f=flv:onfail=abort]${rtmpUrl}`, `[f=hls:hls_time=2:hls_list_size=6:hls_flags=delete_segments]${path.join(hlsDir, 'index.m3u8')}`].join('|');
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ...['-re', '-f', 'lavfi', '-i', `testsrc2=size=${layout.width}x${layout.height}:rate=${FPS}`],
    ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-map', '0:v', '-map', '1:a', '-vf', clockFilter(layout, { fps: FPS, epochMs })],
    // OBS's x264 defaults (veryfast, CBR, 2 B-frames) with the keyframe interval Amphi asks for (1 s).
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-bf', '2'],
    ...['-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0'],
    ...['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2'],
    ...['-flags', '+global_header', '-f', 'tee', tee],
  ];
}

/** Serves `dir` as files (the baseline's HLS), readable from any origin, never cached. */
async function fileServer(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, name);
    const type = name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : name.endsWith('.ts') ? 'video/mp2t' : 'text/html';
    const headers = { 'access-control-allow-origin': '*', 'cache-control': 'no-store', 'content-type': type };
    if (name === '' || !existsSync(file)) {
      res.writeHead(name === '' ? 200 : 404, headers).end(name === '' ? '<!doctype html><title>baseline</title>' : '');
      return;
    }
    res.writeHead(200, headers);
    createReadStream(file).on('error', () => res.end()).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

async function until<T>(get: () => T | undefined | null | false, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN;
};

interface Viewer {
  name: string;
  page: ViewerPage;
}

interface Measured {
  samples: number[];
  frames: number;
  failures: number;
  heights: Record<number, number>;
  errors: string[];
  /** Last third's median minus first third's (ms). */
  creep: number;
  player: ClockState['player'];
}

function summarise(state: ClockState, t0: number, t1: number): Measured {
  const inWindow = state.samples.filter(([at]: Sample) => at >= t0 && at <= t1);
  const heights: Record<number, number> = {};
  for (const [, , h] of inWindow) heights[h] = (heights[h] ?? 0) + 1;
  // Creep: the median of the window's last third minus its first third's (a player or a
  // pipeline falling behind shows as a latency that keeps growing).
  const third = Math.floor(inWindow.length / 3);
  const creep = third > 0 ? pct(inWindow.slice(-third).map(([, ms]) => ms), 50) - pct(inWindow.slice(0, third).map(([, ms]) => ms), 50) : 0;
  return { samples: inWindow.map(([, ms]) => ms), frames: state.frames, failures: state.failures, heights, errors: state.errors, creep, player: state.player };
}

const describe = (m: Measured) =>
  `p50 ${Math.round(pct(m.samples, 50))} ms, p95 ${Math.round(pct(m.samples, 95))} ms, min ${Math.round(Math.min(...m.samples))}, max ${Math.round(Math.max(...m.samples))} over ${m.samples.length} frames, ` +
  `creep ${m.creep >= 0 ? '+' : ''}${Math.round(m.creep)} ms over the window ` +
  `(heights ${JSON.stringify(m.heights)}; ${m.failures} of ${m.frames} presented frames unreadable` +
  (m.player
    ? `; hls.js at the end: latency to the live edge ${m.player.latency.toFixed(2)} s, target ${m.player.targetLatency?.toFixed(2)} s, rate ${m.player.playbackRate}, ${m.player.bufferedAhead.toFixed(2)} s buffered ahead`
    : '') +
  `${m.errors.length ? `; errors: ${m.errors.slice(0, 3).join(' | ')}` : ''})`;

interface Taken {
  hls: Measured;
  rtc: Measured;
  baseline: Measured;
  machineCores: number;
  /** How much Amphi's viewers' latency drifted over the window beyond what is normal (ms; 0: it held). */
  behind: number;
}

/** One window of frames from the three viewers (Amphi HLS, Amphi WebRTC, baseline). */
async function takeWindow(viewers: Viewer[]): Promise<Taken> {
  const t0 = Date.now();
  const busy0 = machineBusySeconds();
  await sleep(WINDOW_S() * 1000);
  const t1 = Date.now();
  const machineCores = (machineBusySeconds() - busy0) / ((t1 - t0) / 1000);
  const [hls, rtc, baseline] = await Promise.all(viewers.map(async (v) => summarise(await v.page.state(), t0, t1)));
  viewers.forEach((v, i) => log(`${v.name}: ${describe([hls, rtc, baseline][i]!)}`));
  log(`whole machine ${machineCores.toFixed(2)} cores busy`);
  // The WebRTC tier has no buffer to absorb a late pipeline: its latency growing (falling behind)
  // or shrinking (catching up) is the tell. hls.js's catch-up moves its own latency by itself, so
  // only growth beyond that counts.
  const behind = Math.max(0, Math.abs(rtc!.creep) - 300, hls!.creep - 1000);
  return { hls: hls!, rtc: rtc!, baseline: baseline!, machineCores, behind };
}

/** Checks the page's decoder on known frames and on a frame without a code. */
async function checkDecoder(page: ViewerPage, layout: ClockLayout, dir: string): Promise<string> {
  const known = [1, 5_592_405, 11_184_810, 16_777_215];
  const urls = known.map((value, i) => {
    const file = path.join(dir, `known${i}.png`);
    knownFrame(layout, value, { width: 640, height: 360, bitrate: 200_000 }, file);
    return dataUrl(file);
  });
  // The bare test pattern: no code there, so nothing may be read.
  const plain = path.join(dir, 'plain.png');
  const result = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${layout.width}x${layout.height}`, '-frames:v', '1', plain]);
  await new Promise((resolve) => result.on('exit', resolve));
  const read = await page.decode([...urls, dataUrl(plain)], layout);
  const expected = [...known, null];
  if (read.some((v, i) => v !== expected[i])) throw new Error(`the clock decoder is wrong: read ${JSON.stringify(read)}, expected ${JSON.stringify(expected)}`);
  return `decoder checked in the page on ${known.length} known frames (360p, x264 200 kb/s) and a frame without a code`;
}

/** Measures glass-to-glass latency of Amphi's HLS and WebRTC tiers and of the baseline. */
export async function glassToGlass(): Promise<{ figures: Record<string, Figure>; notes: string }> {
  const ip = process.env.BENCH_JANUS_IP ?? outwardIPv4();
  if (!ip) throw new Error('no outward IPv4 address for Janus');
  const [width, height] = SIZE();
  const layout = clockLayout(width, height);
  const dir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-g2g-'));
  const hlsDir = path.join(dir, 'baseline');
  const [port, rtmpPort] = [await freePort(), await freePort()];
  const started: ChildProcess[] = [];
  let browser: ViewerBrowser | undefined;
  let files: Server | undefined;
  let moderator: RoomClient | undefined;
  try {
    log(`Amphi with RTMP ingest, ladder src,360p, WebRTC tier on…`);
    const amphi = await startAmphi(port, {
      AMPHI_DATA_DIR: path.join(dir, 'data'),
      AMPHI_SCRYPT_LOG_N: '12',
      AMPHI_JANUS_IP: ip,
      AMPHI_RTMP_PORT: String(rtmpPort),
      AMPHI_RTMP_HOST: '127.0.0.1',
      AMPHI_HLS_LADDER: 'src,360p',
    });
    started.push(amphi);
    const base = `http://127.0.0.1:${port}`;
    const wsUrl = `ws://127.0.0.1:${port}/ws`;
    const t00 = Date.now();
    const teacher = new ApiClient({ baseUrl: base, manageCookies: true });
    await teacher.signUp({ email: `bench-g2g-${Date.now()}@uni.example`, password: 'benchmark password', name: 'Teacher' });
    const room = await teacher.createRoom({ title: 'Latency', kind: 'lecture' });
    const token = (await teacher.links(room.id)).participant.token;
    const { key } = await teacher.rotateStreamKey(room.id);
    moderator = new RoomClient({ url: wsUrl, ticket: (await teacher.join({ roomId: room.id })).ticket, createSocket: (u) => new WebSocket(u), requestTimeoutMs: 30_000 });
    await moderator.connect();
    const changes: string[] = [];
    moderator.on('session', (session) => {
      const b = session?.broadcast;
      if (b) changes.push(`+${Date.now() - t00} ms ${b.state}/${b.source} encoder=${b.encoderConnected} hls=${b.hls} webrtc=${b.webrtc}`);
      if (process.env.BENCH_DEBUG) log(changes.at(-1)!);
    });
    await moderator.request({ type: 'broadcast.start' });

    // The epoch of the code: a little before now, so every value is positive and small.
    const epochMs = Date.now() - 60_000;
    mkdirSync(hlsDir);
    const encoder = spawn('ffmpeg', encoderArgs(layout, epochMs, `rtmp://127.0.0.1:${rtmpPort}/live/${key}`, hlsDir), { stdio: ['ignore', 'ignore', 'inherit'] });
    started.push(encoder);
    // The slate's program runs until the encoder's replaces it under a new HLS path.
    const live = () => moderator?.session?.broadcast ?? null;
    const slate = (await until(() => live()?.hls, 'the slate program', 30_000))!;
    const info: BroadcastInfo = await until(() => {
      const b = live();
      return b && b.source === 'encoder' && b.hls && b.hls !== slate && b.webrtc ? b : null;
    }, 'the encoder program to be playable (HLS and WebRTC)', 40_000);
    log(`live from the encoder: ${info.hls}`);
    const files0 = await fileServer(hlsDir);
    files = files0.server;

    browser = await ViewerBrowser.launch();
    const hlsPage = await browser.page(`${base}/healthz`);
    const decoderNote = await checkDecoder(hlsPage, layout, dir);
    log(decoderNote);
    const rtcPage = await browser.page(`${base}/healthz`);
    const basePage = await browser.page(`${files0.url}/`);
    const { ticket } = await new ApiClient({ baseUrl: base }).join({ token, displayName: 'WebRTC viewer' });
    await hlsPage.hls(base + info.hls!, AMPHI_HLS_CONFIG, layout, epochMs);
    await rtcPage.webrtc(wsUrl, ticket, layout, epochMs);
    await until(() => existsSync(path.join(hlsDir, 'index.m3u8')), 'the baseline playlist', 20_000);
    await basePage.hls(`${files0.url}/index.m3u8`, {}, layout, epochMs);
    const viewers: Viewer[] = [
      { name: 'Amphi LL-HLS (hls.js as the web player)', page: hlsPage },
      { name: 'Amphi WebRTC tier', page: rtcPage },
      { name: 'baseline: ffmpeg HLS, TS 2 s, hls.js defaults', page: basePage },
    ];

    log(`warm-up ${WARMUP_S()} s, then ${WINDOW_S()} s of frames…`);
    await sleep(WARMUP_S() * 1000);
    let taken: Taken | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const w = await takeWindow(viewers);
      if (encoder.exitCode !== null) throw new Error(`the encoder stopped (code ${encoder.exitCode})`);
      for (const [name, m] of [['HLS', w.hls], ['WebRTC', w.rtc], ['baseline', w.baseline]] as const) {
        if (m.samples.length < WINDOW_S() * 5) throw new Error(`${name} viewer: only ${m.samples.length} frames read in the window: ${describe(m)}`);
      }
      if (!taken || w.behind < taken.behind) taken = w;
      if (w.behind <= 0) break;
      log('the pipeline fell behind real time (saturated machine?): measuring again…');
    }
    const { hls, rtc, baseline, machineCores, behind } = taken!;
    const figures: Record<string, Figure> = {
      hls_glass_to_glass_ms_p50: figure(pct(hls.samples, 50), 'ms', pct(baseline.samples, 50)),
      hls_glass_to_glass_ms_p95: figure(pct(hls.samples, 95), 'ms', pct(baseline.samples, 95)),
      webrtc_audience_latency_ms_p50: figure(pct(rtc.samples, 50), 'ms'),
    };
    const notes =
      `Glass-to-glass: an OBS-like ffmpeg (${width}x${height}@${FPS} test pattern, wall clock burned in as a 2×${layout.bits}-block binary code, x264 veryfast CBR 2.5 Mb/s, 1 s keyframes, 2 B-frames, AAC) ` +
      `pushes RTMP with the room's stream key to the Amphi server (own process, RTMP ingest, ladder src,360p, WebRTC tier on; Janus on ${ip}); viewers in Chromium read the code of every displayed frame ` +
      `(requestVideoFrameCallback + canvas; latency = expected display time − capture time, same machine clock) for ${WINDOW_S()} s after ${WARMUP_S()} s of warm-up; ${decoderNote}. ` +
      `The encoder's own x264 delay (lookahead, B-frames, frame threads, as with OBS's defaults) is inside every figure. ` +
      `Amphi LL-HLS with hls.js as HlsPlayer.tsx sets it (lowLatencyMode, liveSyncDuration ${LIVE_SYNC_S} s, maxLiveSyncPlaybackRate 1.5): ${describe(hls)}. ` +
      `WebRTC tier (audience.watch, Janus Streaming, RTP from the ladder's ffmpeg): ${describe(rtc)}. ` +
      `Baseline, same encode and window (ffmpeg tee): ffmpeg's HLS muxer (MPEG-TS, 2 s segments, 6 in the playlist) served as files, hls.js defaults: ${describe(baseline)}. ` +
      `Whole machine ${machineCores.toFixed(2)} of 2 cores busy during the window` +
      (behind > 0 ? ` (NOT CLEAN: Amphi's latency drifted by ${Math.round(behind)} ms more than normal over the window: the pipeline was not keeping real time on a saturated machine; read with care).` : '.');
    return { figures, notes };
  } finally {
    moderator?.leave();
    await browser?.close().catch(() => undefined);
    files?.close();
    for (const child of started.reverse()) await stop(child).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.BENCH_G2G_WARMUP_S ??= '8';
  process.env.BENCH_G2G_WINDOW_S ??= '10';
  console.log(JSON.stringify(await glassToGlass(), null, 2));
}
