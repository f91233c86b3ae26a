/**
 * `janus_streaming_viewers_per_core`: how many WebRTC audience viewers one core of Janus serves.
 * A Janus (JanusProcess, the server's own configuration) with a Streaming mountpoint made by the
 * app's `AudienceStream` (as a lecture's WebRTC tier), fed by ffmpeg with a 720p30 H.264
 * Constrained Baseline + Opus RTP program (a pre-encoded clip replayed with `-c copy`, the
 * bit rate and packetisation the ladder's RTP output has); N werift viewers (streamViewer.ts:
 * ICE, DTLS, SRTP; packets counted, never decrypted) `watch` it. Janus's CPU over a window after
 * a warm-up gives viewers per core = N / Janus cores (everything Janus does counted, the ingest
 * of the program included; the ingest alone, with no viewer, is measured first and given in the
 * notes with the cost per viewer beyond it).
 *
 * Baseline, same Janus and run: the same viewers as subscribers of a VideoRoom into which the
 * same program is published (the same RTP packets from the same ffmpeg command, relayed by a
 * werift publisher): what serving the audience as a classroom's stage would cost.
 *
 * `npx tsx bench/broadcast/streaming.ts` runs it briefly (BENCH_STREAM_VIEWERS,
 * BENCH_STREAM_WARMUP_S, BENCH_STREAM_WINDOW_S).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudienceStream } from '../../packages/server/src/media/AudienceStream.js';
import { JanusConnection, type JanusHandle, type JanusSession } from '../../packages/server/src/media/janus/JanusConnection.js';
import { JanusProcess, outwardIPv4 } from '../../packages/server/src/media/janus/JanusProcess.js';
import { cpuSeconds, figure, stop, type Figure } from '../lib.js';
import { machineBusySeconds } from '../media/proc.js';
import { audienceProgram } from './programClips.js';
import { CountingViewer, RelayPublisher } from './streamViewer.js';

const VIEWERS = () => Number(process.env.BENCH_STREAM_VIEWERS ?? 40);
const WARMUP_S = () => Number(process.env.BENCH_STREAM_WARMUP_S ?? 5);
const WINDOW_S = () => Number(process.env.BENCH_STREAM_WINDOW_S ?? 15);
const IDLE_S = 5;

const log = (s: string) => console.log(`  ${s}`);

/** ffmpeg replaying the program as RTP: video (with its RTCP to `videoRtcpPort`, or none) and audio. */
function feed(target: { host: string; videoPort: number; audioPort: number; videoRtcpPort?: number }): ChildProcess {
  const video = `rtp://${target.host}:${target.videoPort}?pkt_size=1200${target.videoRtcpPort ? `&rtcpport=${target.videoRtcpPort}` : ''}`;
  return spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', audienceProgram()],
      ...['-map', '0:v', '-c:v', 'copy', '-payload_type', '96', ...(target.videoRtcpPort ? [] : ['-rtpflags', 'skip_rtcp']), '-f', 'rtp', video],
      ...['-map', '0:a', '-c:a', 'copy', '-payload_type', '111', '-rtpflags', 'skip_rtcp', '-f', 'rtp', `rtp://${target.host}:${target.audioPort}?pkt_size=1200`],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

interface Window {
  janusCores: number;
  machineCores: number;
  /** Packets received per second, all viewers; and the least and most one viewer got. */
  packetsPerS: number;
  minViewerPerS: number;
  maxViewerPerS: number;
  /** Program packets per second into Janus, when known (the VideoRoom's relay counts them). */
  programPerS?: number;
}

async function measure(janusPid: number, viewers: CountingViewer[], seconds: number, program?: () => number): Promise<Window> {
  const snap = () => ({ janus: cpuSeconds(janusPid), machine: machineBusySeconds(), packets: viewers.map((v) => v.packets), program: program?.() ?? 0, t: performance.now() });
  const a = snap();
  await sleep(seconds * 1000);
  const b = snap();
  const wall = (b.t - a.t) / 1000;
  const per = b.packets.map((n, i) => (n - a.packets[i]!) / wall);
  return {
    janusCores: (b.janus - a.janus) / wall,
    machineCores: (b.machine - a.machine) / wall,
    packetsPerS: per.reduce((x, y) => x + y, 0),
    minViewerPerS: per.length ? Math.min(...per) : 0,
    maxViewerPerS: per.length ? Math.max(...per) : 0,
    ...(program ? { programPerS: (b.program - a.program) / wall } : {}),
  };
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function inBatches<T>(items: T[], size: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item, k) => fn(item, i + k)));
}

const summary = (w: Window) =>
  `Janus ${w.janusCores.toFixed(3)} cores, ${Math.round(w.packetsPerS)} pkt/s received (per viewer ${Math.round(w.minViewerPerS)}–${Math.round(w.maxViewerPerS)}` +
  `${w.programPerS !== undefined ? `; program ${Math.round(w.programPerS)} pkt/s in` : ''}), machine ${w.machineCores.toFixed(2)} cores busy`;

interface Phase {
  idle: Window;
  loaded: Window;
}

/** Streaming mountpoint (AudienceStream) with N watching viewers. */
async function streamingPhase(link: { connection: JanusConnection; adminKey: string }, janusPid: number, ip: string): Promise<Phase> {
  const seats = { take: () => true, release: () => undefined };
  const stream = await AudienceStream.create(link, { host: '127.0.0.1', iface: '127.0.0.1' }, seats, { description: 'bench audience' });
  const ffmpeg = feed(stream.rtpTarget);
  const viewers = Array.from({ length: VIEWERS() }, () => new CountingViewer(ip));
  try {
    await sleep(2000);
    const idle = await measure(janusPid, [], IDLE_S);
    log(`Streaming, program in, no viewer: ${summary(idle)}`);
    await inBatches(viewers, 8, async (viewer, i) => {
      const offer = await stream.watch(`viewer-${i}`);
      await stream.start(`viewer-${i}`, await viewer.answer(offer));
    });
    await until(() => viewers.every((v) => v.packets > 0), 'every Streaming viewer receiving', 30_000);
    await sleep(WARMUP_S() * 1000);
    return { idle, loaded: await measure(janusPid, viewers, WINDOW_S()) };
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
    await stream.close();
    await stop(ffmpeg);
  }
}

/** The same program published into a VideoRoom, the same viewers as its subscribers. */
async function videoRoomPhase(session: JanusSession, adminKey: string, janusPid: number, ip: string): Promise<Phase> {
  const room = 4242;
  const control = await session.attach('janus.plugin.videoroom');
  await control.message({ request: 'create', admin_key: adminKey, room, publishers: 1, audiocodec: 'opus', videocodec: 'h264' });
  const publisher = new RelayPublisher(ip);
  const viewers = Array.from({ length: VIEWERS() }, () => new CountingViewer(ip));
  const handles: JanusHandle[] = [];
  let ffmpeg: ChildProcess | undefined;
  try {
    const pub = await session.attach('janus.plugin.videoroom');
    handles.push(pub);
    await pub.message({ request: 'join', ptype: 'publisher', room, id: 1 });
    const { jsep } = await pub.message({ request: 'publish' }, { type: 'offer', sdp: await publisher.offer() });
    if (!jsep) throw new Error('no answer from the VideoRoom');
    await publisher.answer(jsep.sdp);
    ffmpeg = feed({ host: '127.0.0.1', ...(await publisher.listen()) });
    await sleep(2000);
    const idle = await measure(janusPid, [], IDLE_S, () => publisher.relayed);
    log(`VideoRoom, program published, no subscriber: ${summary(idle)}`);
    await inBatches(viewers, 8, async (viewer) => {
      const handle = await session.attach('janus.plugin.videoroom');
      handles.push(handle);
      const { jsep: offer } = await handle.message({ request: 'join', ptype: 'subscriber', room, streams: [{ feed: 1 }] });
      if (!offer) throw new Error('no subscriber offer from the VideoRoom');
      await handle.message({ request: 'start' }, { type: 'answer', sdp: await viewer.answer(offer.sdp) });
    });
    await until(() => viewers.every((v) => v.packets > 0), 'every VideoRoom subscriber receiving', 30_000);
    await sleep(WARMUP_S() * 1000);
    return { idle, loaded: await measure(janusPid, viewers, WINDOW_S(), () => publisher.relayed) };
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
    for (const handle of handles) await handle.detach().catch(() => undefined);
    await control.message({ request: 'destroy', admin_key: adminKey, room }).catch(() => undefined);
    await control.detach().catch(() => undefined);
    if (ffmpeg) await stop(ffmpeg);
    await publisher.close();
  }
}

/** Janus Streaming viewers per core, against the same viewers on a VideoRoom. */
export async function streamingViewersPerCore(): Promise<{ figures: Record<string, Figure>; notes: string }> {
  const ip = process.env.BENCH_JANUS_IP ?? outwardIPv4();
  if (!ip) throw new Error('no outward IPv4 address for Janus and the viewers');
  const n = VIEWERS();
  const workDir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-streaming-janus-'));
  const janus = new JanusProcess({ workDir, ip, rtpPortRange: [20000, 40000] });
  try {
    const info = await janus.start();
    const connection = await JanusConnection.connect(info.url, { apiSecret: info.apiSecret, timeoutMs: 30_000 });
    try {
      log(`${n} werift viewers of a 720p30 H.264 + Opus program: Streaming mountpoint, then VideoRoom; ${WINDOW_S()} s windows after ${WARMUP_S()} s…`);
      const streaming = await streamingPhase({ connection, adminKey: info.adminKey }, info.pid, ip);
      log(`Streaming, ${n} viewers: ${summary(streaming.loaded)}`);
      const session = await connection.createSession();
      const room = await videoRoomPhase(session, info.adminKey, info.pid, ip);
      log(`VideoRoom, ${n} subscribers: ${summary(room.loaded)}`);
      await session.destroy().catch(() => undefined);
      const perCore = (p: Phase) => n / p.loaded.janusCores;
      const marginal = (p: Phase) => (p.loaded.janusCores - p.idle.janusCores) / n;
      const figures: Record<string, Figure> = {
        janus_streaming_viewers_per_core: figure(perCore(streaming), 'viewers/core', perCore(room)),
      };
      const notes =
        `janus_streaming_viewers_per_core: ${n} werift viewers (ICE, DTLS, SRTP; received packets counted, not decrypted) of a 720p30 H.264 Constrained Baseline 1.5 Mb/s + Opus 64 kb/s program ` +
        `(pre-encoded, replayed by ffmpeg -re -c copy as RTP, 1200-byte packets), Janus 1.1 as JanusProcess configures it (event_loops = cores), CPU from /proc over ${WINDOW_S()} s after ${WARMUP_S()} s; viewers per core = viewers / Janus cores (the program's ingest included). ` +
        `Streaming mountpoint made by AudienceStream: ${summary(streaming.loaded)}; with no viewer ${streaming.idle.janusCores.toFixed(3)} cores; ${(marginal(streaming) * 100).toFixed(2)} % of a core per viewer beyond that. ` +
        `Baseline, the same viewers subscribing to the same program published into a VideoRoom (the same ffmpeg RTP relayed by a werift publisher) on the same Janus: ${summary(room.loaded)}; ` +
        `with no subscriber ${room.idle.janusCores.toFixed(3)} cores; ${(marginal(room) * 100).toFixed(2)} % of a core per subscriber beyond that. The bots and ffmpeg share the 2 cores with Janus.`;
      return { figures, notes };
    } finally {
      connection.close();
    }
  } finally {
    await janus.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.BENCH_STREAM_VIEWERS ??= '20';
  process.env.BENCH_STREAM_WARMUP_S ??= '3';
  process.env.BENCH_STREAM_WINDOW_S ??= '8';
  console.log(JSON.stringify(await streamingViewersPerCore(), null, 2));
}
