/**
 * The HLS ladder against real ffmpeg (Debian 5.1) and a real server: a live test pattern encoded
 * into two renditions, published into the app's origin and read back over HTTP like a player;
 * a program composed from several inputs; an H.264 source passed through as the top rung; and
 * the RTP feed of the WebRTC audience, received and decoded by a second ffmpeg.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HlsLadder, type BroadcastError, type HlsLadderOptions, type RenditionConfig } from '../src/broadcast/index.js';
import { canPassThrough, probeSource } from '../src/broadcast/probeSource.js';
import { programLayout } from '../src/broadcast/programLayout.js';
import { isRunning, startServer, type TestServer } from './harness.js';
import { blockingReload, decodeSegment } from './hlsClient.js';
import { until } from './helpers.js';

const run = promisify(execFile);

/** A live (`-re`) test pattern with a tone; small, so two ultrafast rungs stay light on 2 cores. */
const INPUT = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const RENDITIONS = [
  { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
  { name: '180p', width: 320, height: 180, videoBitrate: 300_000 },
];
/**
 * A stage as ffmpeg inputs: 0 a shared screen (testsrc2, 16:9), 1 a camera (smptebars, 4:3, at
 * another frame rate), 2 and 3 two microphones (one at 44.1 kHz, as a browser may send).
 */
const STAGE_INPUT = [
  ...['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
  ...['-re', '-f', 'lavfi', '-i', 'smptebars=size=320x240:rate=25'],
  ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
  ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=44100'],
];
const STAGE_PROGRAM = programLayout('screen', { screen: 0, cameras: [1], audios: [2, 3], width: 640, height: 360, fps: 30 });

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());

/** Starts a ladder and resolves once it is ready (rejects if ffmpeg exits first); errors are collected. */
async function startLadder(options: HlsLadderOptions): Promise<{ ladder: HlsLadder; errors: BroadcastError[] }> {
  const ladder = new HlsLadder(options);
  const errors: BroadcastError[] = [];
  ladder.on('error', (error) => errors.push(error));
  const ready = new Promise<void>((resolve, reject) => {
    ladder.on('ready', resolve);
    ladder.on('exited', (exit) => reject(new Error(`ffmpeg exited before ready: ${JSON.stringify(exit)} ${errors.map((e) => e.message).join('; ')}`)));
  });
  ladder.start();
  try {
    await ready;
  } catch (error) {
    await ladder.stop();
    throw error;
  }
  return { ladder, errors };
}

/** The master playlist's `EXT-X-STREAM-INF` line of each rendition. */
async function masterEntries(base: string, names: readonly string[]): Promise<Record<string, string>> {
  const master = await fetch(`${base}/master.m3u8`);
  expect(master.status).toBe(200);
  const lines = (await master.text()).trimEnd().split('\n');
  expect(lines.slice(0, 3)).toEqual(['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS']);
  expect(lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).length).toBe(names.length);
  return Object.fromEntries(
    names.map((name) => {
      const at = lines.indexOf(`${name}/playlist.m3u8`);
      expect(at, name).toBeGreaterThan(0);
      return [name, lines[at - 1]!];
    }),
  );
}

/** A free even UDP port whose successor (RTCP) is free too, and not among `taken`. */
async function freeRtpPort(taken: readonly number[] = []): Promise<number> {
  const bind = (port: number) =>
    new Promise<ReturnType<typeof createSocket> | null>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => {
        socket.close();
        resolve(null);
      });
      socket.bind(port, '127.0.0.1', () => resolve(socket));
    });
  for (;;) {
    const first = await bind(0);
    if (!first) continue;
    const port = first.address().port;
    const second = port % 2 === 0 && port < 65534 && !taken.some((t) => Math.abs(t - port) < 2) ? await bind(port + 1) : null;
    first.close();
    second?.close();
    if (second) return port;
  }
}

describe('HLS ladder: one live input into an adaptive ladder served by the origin', () => {
  it('serves a master playlist with codecs, live LL-HLS playlists and decodable segments for every rung, and leaves no ffmpeg behind', async () => {
    const streamId = 'ladderTest0001';
    const ladder = new HlsLadder({ origin: server.hls, streamId, input: INPUT, audio: '1:a:0', renditions: RENDITIONS, preset: 'ultrafast' });
    const errors: BroadcastError[] = [];
    ladder.on('error', (error) => errors.push(error));
    const ready = new Promise<void>((resolve, reject) => {
      ladder.on('ready', resolve);
      ladder.on('exited', (exit) => reject(new Error(`ffmpeg exited before ready: ${JSON.stringify(exit)} ${errors.map((e) => e.message).join('; ')}`)));
    });
    let pid: number | undefined;
    const dir = mkdtempSync(path.join(tmpdir(), 'amphi-ladder-'));
    try {
      ladder.start();
      pid = ladder.pid;
      expect(pid).toBeGreaterThan(0);
      await ready;
      const base = `${server.baseUrl}/hls/${streamId}`;

      const master = await fetch(`${base}/master.m3u8`);
      expect(master.status).toBe(200);
      const lines = (await master.text()).trimEnd().split('\n');
      expect(lines.slice(0, 3)).toEqual(['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS']);
      for (const r of RENDITIONS) {
        const at = lines.indexOf(`${r.name}/playlist.m3u8`);
        expect(at, r.name).toBeGreaterThan(0);
        const inf = lines[at - 1]!;
        expect(inf).toMatch(/^#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,/);
        expect(inf).toContain(`RESOLUTION=${r.width}x${r.height},FRAME-RATE=30.000,`);
        expect(inf).toMatch(/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
      }

      for (const r of RENDITIONS) {
        const url = (file: string) => `${base}/${r.name}/${file}`;
        // Segment 0 first, so asking for segment 2 is never "too far ahead" of the live edge.
        expect((await blockingReload(url('playlist.m3u8?_HLS_msn=0'))).status, r.name).toBe(200);
        const reload = await blockingReload(url('playlist.m3u8?_HLS_msn=2'));
        expect(reload.status, r.name).toBe(200);
        const playlist = await reload.text();
        expect(playlist).toContain('\nseg2.m4s\n');
        expect(playlist).toMatch(/\n#EXT-X-PART:DURATION=[\d.]+,URI="part\d+\.m4s"/);

        const init = await fetch(url('init.mp4'));
        const segment = await fetch(url('seg1.m4s'));
        expect([init.status, segment.status], r.name).toEqual([200, 200]);
        const file = path.join(dir, `${r.name}.mp4`);
        writeFileSync(file, Buffer.concat([Buffer.from(await init.arrayBuffer()), Buffer.from(await segment.arrayBuffer())]));
        const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file]);
        const probe = JSON.parse(stdout) as { streams: { codec_name: string; width?: number; height?: number }[] };
        expect(probe.streams.map((s) => s.codec_name), r.name).toEqual(['h264', 'aac']);
        expect(probe.streams[0], r.name).toMatchObject({ width: r.width, height: r.height });
      }
      expect(errors).toEqual([]);
    } finally {
      await ladder.stop();
      await ladder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(isRunning(pid!)).toBe(false);
    // Stopping ended the stream: its playlists are no longer served.
    expect((await fetch(`${server.baseUrl}/hls/${streamId}/360p/playlist.m3u8`)).status).not.toBe(200);
    expect(errors).toEqual([]);
  });

  it('reports an ffmpeg that dies on its own as an error, then exited, and ends the stream', async () => {
    const streamId = 'ladderTest0002';
    // An input that fails at once: ffmpeg exits with an error before writing anything.
    const ladder = new HlsLadder({ origin: server.hls, streamId, input: ['-f', 'lavfi', '-i', 'nosuchfilter'], audio: null, renditions: RENDITIONS.slice(1) });
    const errors: BroadcastError[] = [];
    ladder.on('error', (error) => errors.push(error));
    const exited = new Promise<{ expected: boolean }>((resolve) => ladder.on('exited', resolve));
    try {
      ladder.start();
      expect(await exited).toMatchObject({ expected: false });
      expect(errors.map((e) => e.code)).toEqual(['FFMPEG_FAILED']);
      expect(server.hls.get(streamId, '180p')).toBeUndefined();
    } finally {
      await ladder.stop();
    }
  });
});

describe('HLS ladder: a program composed from several inputs', () => {
  it('encodes the stage program (screen with a camera inset, two microphones mixed) into decodable renditions with audio', async () => {
    const streamId = 'ladderTest0003';
    const rungs = [{ name: '180p', width: 320, height: 180, videoBitrate: 300_000 }];
    const dir = mkdtempSync(path.join(tmpdir(), 'amphi-ladder-'));
    const { ladder, errors } = await startLadder({ origin: server.hls, streamId, input: STAGE_INPUT, graph: STAGE_PROGRAM, renditions: rungs, preset: 'ultrafast' });
    const pid = ladder.pid!;
    try {
      const base = `${server.baseUrl}/hls/${streamId}`;
      const master = await masterEntries(base, ['180p']);
      expect(master['180p']).toMatch(/RESOLUTION=320x180,FRAME-RATE=30\.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
      const [video, audio] = await decodeSegment(base, '180p', dir);
      expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
      expect(Number(video!.nb_read_frames)).toBeGreaterThan(0);
      // The two microphones arrive as one 48 kHz stereo track.
      expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
      expect(Number(audio!.nb_read_frames)).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await ladder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(isRunning(pid)).toBe(false);
    expect(errors).toEqual([]);
  });
});

describe('HLS ladder: an H.264 source passed through as the top rung', () => {
  it('probes the source, copies its video as the src rung and lists every rung with resolution and codecs in the master playlist', async () => {
    const streamId = 'ladderTest0004';
    const dir = mkdtempSync(path.join(tmpdir(), 'amphi-ladder-'));
    let ladder: HlsLadder | undefined;
    try {
      // An encoder's stream as OBS would send it: H.264 with a keyframe every second, and AAC.
      const source = path.join(dir, 'source.flv');
      await run('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ...['-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-c:a', 'aac', source],
      ]);
      const probe = await probeSource(source);
      expect(probe).toMatchObject({ codec: 'h264', width: 640, height: 360, fps: 30 });
      expect(probe.bitrate).toBeGreaterThan(0);
      expect(canPassThrough(probe)).toBe(true);

      const rungs: RenditionConfig[] = [
        { name: 'src', passthrough: true, width: probe.width, height: probe.height, videoBitrate: probe.bitrate!, frameRate: probe.fps },
        { name: '180p', width: 320, height: 180, videoBitrate: 300_000 },
      ];
      const started = await startLadder({ origin: server.hls, streamId, input: ['-re', '-stream_loop', '-1', '-i', source], renditions: rungs, preset: 'ultrafast' });
      ladder = started.ladder;
      expect(ladder.args().join(' ')).toContain('-map 0:v:0 -map 0:a:0 -c:v copy');
      const base = `${server.baseUrl}/hls/${streamId}`;
      const master = await masterEntries(base, ['src', '180p']);
      expect(master.src).toMatch(/RESOLUTION=640x360,FRAME-RATE=30\.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
      expect(master['180p']).toMatch(/RESOLUTION=320x180,FRAME-RATE=30\.000,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
      // The src rung is listed first, with the bandwidth of the source.
      expect(Object.keys(master)).toEqual(['src', '180p']);

      const [video, audio] = await decodeSegment(base, 'src', dir);
      expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
      // FLV timestamps are in ms, so the copied parts are sometimes a frame longer than 1/3 s:
      // the src playlist's part target covers them, as RFC 8216bis requires.
      const playlist = await (await fetch(`${base}/src/playlist.m3u8`)).text();
      const partTarget = Number(/#EXT-X-PART-INF:PART-TARGET=([\d.]+)/.exec(playlist)![1]);
      const parts = [...playlist.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].map((m) => Number(m[1]));
      expect(parts.length).toBeGreaterThan(0);
      for (const duration of parts) expect(duration).toBeLessThanOrEqual(partTarget);
      expect(Number(video!.nb_read_frames)).toBeGreaterThan(0);
      expect(audio).toMatchObject({ codec_name: 'aac' });
      expect(started.errors).toEqual([]);
    } finally {
      await ladder?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a source ffprobe cannot read in time as PROBE_FAILED', async () => {
    // Nobody sends to this port: ffprobe would wait forever, the timeout ends it.
    const port = await freeRtpPort();
    await expect(probeSource(['-f', 'mpegts', `udp://127.0.0.1:${port}`], { timeoutMs: 300 })).rejects.toMatchObject({ code: 'PROBE_FAILED' });
    await expect(probeSource('/nonexistent/source.flv')).rejects.toMatchObject({ code: 'PROBE_FAILED' });
  });
});

describe('HLS ladder: RTP for the WebRTC audience', () => {
  it('sends the program as H.264 constrained baseline and Opus over RTP, which a second ffmpeg decodes from the SDP', async () => {
    const streamId = 'ladderTest0005';
    const dir = mkdtempSync(path.join(tmpdir(), 'amphi-ladder-'));
    const videoPort = await freeRtpPort();
    const audioPort = await freeRtpPort([videoPort]);
    const sdpFile = path.join(dir, 'audience.sdp');
    // As with a Janus mountpoint: the video's reports to its RTCP port, the audio's to none.
    const rtp = { host: '127.0.0.1', videoPort, audioPort, videoRtcpPort: videoPort + 1, audioRtcpPort: null, width: 320, height: 180, videoBitrate: 300_000, sdpFile };
    const rungs = [{ name: '180p', width: 320, height: 180, videoBitrate: 300_000 }];
    const { ladder, errors } = await startLadder({ origin: server.hls, streamId, input: STAGE_INPUT, graph: STAGE_PROGRAM, renditions: rungs, preset: 'ultrafast', rtp });
    let receiver: ReturnType<typeof spawn> | undefined;
    try {
      await until(() => existsSync(sdpFile), 'the SDP file');
      // The receiver a Janus mountpoint stands for: 30 video frames, with the audio that comes along.
      receiver = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile, '-map', '0:v:0', '-map', '0:a:0', '-frames:v', '30', '-f', 'framemd5', '-'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      receiver.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      receiver.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => receiver!.on('exit', resolve));
      expect(code, stderr).toBe(0);

      expect(stderr).toMatch(/Video: h264 \(Constrained Baseline\)[^\n]*320x180/);
      expect(stderr).toMatch(/Audio: opus, 48000 Hz, stereo/);
      expect(stdout).toContain('#dimensions 0: 320x180');
      expect(stdout).toContain('#sample_rate 1: 48000');
      const frames = stdout.split('\n').filter((l) => !l.startsWith('#'));
      expect(frames.filter((l) => l.startsWith('0,')).length).toBe(30);
      expect(frames.filter((l) => l.startsWith('1,')).length).toBeGreaterThan(0);
      // The HLS rung keeps going alongside.
      expect(ladder.ready).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      if (receiver?.pid && receiver.exitCode === null && receiver.signalCode === null) receiver.kill('SIGKILL');
      await ladder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HLS ladder: arguments and validation', () => {
  const base = { origin: undefined as unknown as HlsLadderOptions['origin'], streamId: 'ladderTest0099', input: INPUT };

  it('splits the program once per encoded output and its audio once per output, and copies a passthrough rung outside the graph', () => {
    const ladder = new HlsLadder({
      ...base,
      input: STAGE_INPUT,
      graph: STAGE_PROGRAM,
      renditions: [{ name: 'src', passthrough: true, width: 640, height: 360, videoBitrate: 1_000_000, video: '0:v:0' }, ...RENDITIONS],
      rtp: { host: '::1', videoPort: 5004, audioPort: 5006, width: 320, height: 180, videoBitrate: 300_000, videoSsrc: 0xfffffffe, audioSsrc: 7 },
    });
    const args = ladder.args();
    const filter = args[args.indexOf('-filter_complex') + 1]!;
    expect(filter.startsWith(`${STAGE_PROGRAM.filter};`)).toBe(true);
    // Two encoded rungs + RTP take the picture; three rungs + RTP take the sound.
    expect(filter).toContain('[pv]fps=30,split=3[ladder_sv0][ladder_sv1][ladder_svrtp]');
    expect(filter).toContain('[pa]asplit=4[ladder_a0][ladder_a1][ladder_a2][ladder_a3]');
    const line = args.join(' ');
    expect(line).toContain('-map 0:v:0 -map [ladder_a0] -c:v copy -c:a aac');
    expect(line).toContain('-map [ladder_v0] -map [ladder_a1] -c:v libx264');
    expect(line).toMatch(/-map \[ladder_vrtp\] -c:v libx264 .*-profile:v baseline -level:v 3\.1 .*-bf 0 .*-payload_type 96 -ssrc -2 -f rtp rtp:\/\/\[::1\]:5004\?pkt_size=1200/);
    expect(line).toMatch(/-map \[ladder_a3\] -c:a libopus .*-payload_type 111 -ssrc 7 -f rtp rtp:\/\/\[::1\]:5006\?pkt_size=1200$/);
    // Where the sender reports go, or that there are none.
    const named = new HlsLadder({ ...base, rtp: { host: '10.0.0.2', videoPort: 20000, audioPort: 20001, videoRtcpPort: 20002, audioRtcpPort: null, width: 320, height: 180, videoBitrate: 300_000 } });
    const namedLine = named.args().join(' ');
    expect(namedLine).toContain('-payload_type 96 -f rtp rtp://10.0.0.2:20000?pkt_size=1200&rtcpport=20002');
    expect(namedLine).toMatch(/-payload_type 111 -rtpflags skip_rtcp -f rtp rtp:\/\/10\.0\.0\.2:20001\?pkt_size=1200$/);
  });

  it('needs no filter for a passthrough-only ladder, and sinks an unused program picture', () => {
    const only = [{ name: 'src', passthrough: true as const, width: 1920, height: 1080, videoBitrate: 6_000_000 }];
    expect(new HlsLadder({ ...base, renditions: only }).args()).not.toContain('-filter_complex');
    const args = new HlsLadder({ ...base, input: STAGE_INPUT, graph: STAGE_PROGRAM, renditions: only }).args();
    expect(args[args.indexOf('-filter_complex') + 1]).toContain(';[pv]nullsink;[pa]asplit=1[ladder_a0]');
  });

  it('refuses options ffmpeg could not run', () => {
    const refuse = (options: Partial<HlsLadderOptions>, why: RegExp) => {
      expect(() => new HlsLadder({ ...base, ...options })).toThrow(why);
    };
    const src = { name: 'src', passthrough: true as const, width: 1280, height: 720, videoBitrate: 3_000_000 };
    const rtp = { host: '127.0.0.1', videoPort: 5004, audioPort: 5006, width: 640, height: 360, videoBitrate: 500_000 };
    refuse({ renditions: [RENDITIONS[0]!, src] }, /INVALID_LADDER: src: a passthrough rendition must be the first/);
    refuse({ renditions: [src, { ...src, name: 'src2' }] }, /must be the first \(top\) rung, and the only one/);
    refuse({ renditions: [{ ...src, width: 2560, height: 1440 }] }, /at most 1080p/);
    refuse({ renditions: [{ ...src, video: '[pv]' }] }, /a filter output cannot be copied/);
    refuse({ graph: STAGE_PROGRAM, audio: null }, /with a graph, audio comes from the graph/);
    refuse({ graph: STAGE_PROGRAM, video: '0:v:0' }, /video only names the stream a passthrough rung copies/);
    refuse({ graph: { ...STAGE_PROGRAM, video: '[ladder_x]' } }, /the ladder_ prefix is the ladder's/);
    refuse({ graph: { ...STAGE_PROGRAM, audio: '[other]' } }, /never produces \[other\]/);
    refuse({ graph: { ...STAGE_PROGRAM, video: 'pv' } }, /must look like \[pv\]/);
    refuse({ rtp: { ...rtp, videoPort: 0 } }, /rtp: port 0/);
    refuse({ rtp: { ...rtp, videoRtcpPort: 70000 } }, /rtp: port 70000/);
    refuse({ rtp: { ...rtp, audioPort: 5004 } }, /same port/);
    refuse({ rtp: { ...rtp, audioPort: 65535 } }, /audio RTCP would go to port 65536/);
    // Janus chose adjacent ports: the video's reports must go elsewhere (or nowhere).
    refuse({ rtp: { ...rtp, audioPort: 5005 } }, /video RTCP would go to RTP port 5005/);
    expect(() => new HlsLadder({ ...base, rtp: { ...rtp, audioPort: 5005, videoRtcpPort: 5010 } })).not.toThrow();
    expect(() => new HlsLadder({ ...base, rtp: { ...rtp, audioPort: 5005, videoRtcpPort: null } })).not.toThrow();
    refuse({ rtp: { ...rtp, videoPort: 5007, audioPort: 5006, audioRtcpPort: undefined } }, /audio RTCP would go to RTP port 5007/);
    refuse({ rtp: { ...rtp, width: 641 } }, /rtp: size 641x360/);
    refuse({ rtp: { ...rtp, width: 1920, height: 1080 } }, /exceeds H\.264 level 3\.1/);
    refuse({ rtp: { ...rtp, videoPayloadType: 8 } }, /payload type 8/);
    refuse({ rtp: { ...rtp, audioPayloadType: 96 } }, /share a payload type/);
    refuse({ rtp: { ...rtp, videoSsrc: 2 ** 32 } }, /SSRC/);
    refuse({ rtp: { ...rtp, audioSsrc: 0 } }, /SSRC 0/);
    refuse({ rtp: { ...rtp, host: 'a b?c' } }, /rtp: host/);
  });
});
