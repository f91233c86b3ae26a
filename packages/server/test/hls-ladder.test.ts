/**
 * The HLS ladder against real ffmpeg (Debian 5.1) and a real server: a live test pattern encoded
 * into two renditions, published into the app's origin and read back over HTTP like a player.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HlsLadder, type BroadcastError } from '../src/broadcast/index.js';
import { startServer, type TestServer } from './harness.js';

const run = promisify(execFile);

/** A live (`-re`) test pattern with a tone; small, so two ultrafast rungs stay light on 2 cores. */
const INPUT = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const RENDITIONS = [
  { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
  { name: '180p', width: 320, height: 180, videoBitrate: 300_000 },
];

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A blocking playlist reload; a 503 (the part was late) is retried, as a player would. */
async function blockingReload(url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url);
    if (res.status !== 503 || attempt === 4) return res;
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
