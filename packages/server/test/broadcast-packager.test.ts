/**
 * The LL-HLS packager against real ffmpeg (Debian 5.1): a 4 s test pattern encoded with a
 * keyframe every second and written as CMAF fragments of 1/3 s to a pipe, parsed, grouped into a
 * playlist, and the segments decoded back with ffprobe.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Fmp4Parser, LlHlsPlaylist, type Fmp4Event, type Fragment, type InitSegment } from '../src/broadcast/index.js';

const run = promisify(execFile);

/** The flags that give 1/3 s fragments on ffmpeg 5.1: `cmaf` implies empty_moov, keyframe fragments and default-base-is-moof. */
const FFMPEG_ARGS = [
  ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
  ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
  ...['-t', '4', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0'],
  ...['-c:a', 'aac', '-b:a', '96k'],
  ...['-f', 'mp4', '-movflags', 'cmaf', '-frag_duration', '333333', 'pipe:1'],
];

/** Runs ffmpeg and returns its stdout as the chunks the pipe delivered. */
function encode(): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', FFMPEG_ARGS, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    ffmpeg.on('error', reject);
    ffmpeg.on('close', (code) => (code === 0 ? resolve(chunks) : reject(new Error(`ffmpeg exited with ${code}: ${stderr}`))));
  });
}

function parseAll(chunks: readonly Uint8Array[]): Fmp4Event[] {
  const parser = new Fmp4Parser();
  const events = chunks.flatMap((c) => parser.push(c));
  parser.end();
  return events;
}

describe('LL-HLS packaging of ffmpeg fragmented MP4', () => {
  const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
  let chunks: Buffer[];
  let init: InitSegment;
  let fragments: Fragment[];
  let playlist: LlHlsPlaylist;
  let live: string;

  beforeAll(async () => {
    chunks = await encode();
    const events = parseAll(chunks);
    init = events.flatMap((e) => (e.type === 'init' ? [e.init] : []))[0]!;
    fragments = events.flatMap((e) => (e.type === 'fragment' ? [e.fragment] : []));
    // Parts are pushed as if they arrived in real time.
    let time = T0;
    playlist = new LlHlsPlaylist({ now: () => time });
    playlist.setInit(init.bytes);
    for (const fragment of fragments) {
      time += fragment.duration * 1000;
      playlist.push(fragment);
    }
    live = playlist.render();
    playlist.close();
  });

  it('starts with an init segment (ftyp + moov) describing a video and an audio track', () => {
    expect(Buffer.from(init.bytes.subarray(4, 8)).toString('latin1')).toBe('ftyp');
    expect(init.tracks.map((t) => t.handler)).toEqual(['vide', 'soun']);
  });

  it('cuts parts of about 1/3 s, a keyframe every third', () => {
    const video = fragments.filter((f) => f.tracks.some((t) => t.trackId === init.tracks[0]!.trackId));
    expect(video.length).toBe(12);
    for (const f of video) expect(f.duration).toBeCloseTo(1 / 3, 3);
    expect(video.map((f) => f.independent)).toEqual(Array.from({ length: 12 }, (_, i) => i % 3 === 0));
  });

  it('gives the same fragments however the pipe splits the bytes', () => {
    const stream = Buffer.concat(chunks);
    const summary = (events: Fmp4Event[]) => events.map((e) => (e.type === 'init' ? ['init', e.init.bytes.byteLength] : [e.fragment.bytes.byteLength, e.fragment.duration, e.fragment.independent]));
    const whole = summary(parseAll([stream]));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.byteLength - 1 }), { maxLength: 30 }), (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), stream.byteLength];
        const pieces = points.slice(1).map((end, i) => stream.subarray(points[i], end));
        expect(summary(parseAll(pieces))).toEqual(whole);
      }),
      { numRuns: 25 },
    );
  });

  it('renders a live playlist with the LL-HLS tags in order and consistent numbering', () => {
    const lines = live.trimEnd().split('\n');
    expect(lines.slice(0, 7)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.002',
      '#EXT-X-PART-INF:PART-TARGET=0.33400',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXT-X-MEDIA-SEQUENCE:0',
    ]);
    const segments = lines.filter((l) => /^seg\d+\.m4s$/.test(l));
    expect(segments).toEqual(['seg0.m4s', 'seg1.m4s', 'seg2.m4s']);
    expect(lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))).toEqual([0, 1, 2, 3].map((s) => `#EXT-X-PROGRAM-DATE-TIME:${new Date(T0 + s * 1000).toISOString()}`));
    for (const extinf of lines.filter((l) => l.startsWith('#EXTINF:'))) expect(Number(/^#EXTINF:([\d.]+),$/.exec(extinf)?.[1])).toBeCloseTo(1, 3);
    // Listed parts are numbered without gaps, every segment's first listed part is independent,
    // and the preload hint names the part after the last one.
    const partNumbers = lines.flatMap((l) => /^#EXT-X-PART:.*URI="part(\d+)\.m4s"/.exec(l)?.slice(1).map(Number) ?? []);
    expect(partNumbers).toEqual(Array.from({ length: partNumbers.length }, (_, i) => partNumbers[0]! + i));
    lines.forEach((line, i) => {
      if (line.startsWith('#EXT-X-PART:') && lines[i - 1]!.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) expect(line).toContain('INDEPENDENT=YES');
    });
    expect(lines.at(-1)).toBe(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part${partNumbers.at(-1)! + 1}.m4s"`);
    for (const n of partNumbers) expect(playlist.lookup(`part${n}.m4s`)?.byteLength).toBeGreaterThan(0);
  });

  it('ends the playlist on close with the last segment complete', () => {
    const text = playlist.render();
    expect(text).toMatch(/seg3\.m4s\n#EXT-X-ENDLIST\n$/);
    expect(text).not.toContain('PRELOAD-HINT');
  });

  it('gives segments that, after the init segment, make a file ffprobe reads with the full duration', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amphi-broadcast-'));
    try {
      const file = path.join(dir, 'joined.mp4');
      const segments = [0, 1, 2, 3].map((msn) => playlist.lookup(`seg${msn}.m4s`)!);
      writeFileSync(file, Buffer.concat([playlist.lookup('init.mp4')!, ...segments]));
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,width,height', '-of', 'json', file]);
      const probe = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string; width?: number; height?: number }[] };
      expect(Number(probe.format.duration)).toBeGreaterThan(3.9);
      expect(Number(probe.format.duration)).toBeLessThan(4.1);
      expect(probe.streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
      expect(probe.streams[0]).toMatchObject({ width: 640, height: 360 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
