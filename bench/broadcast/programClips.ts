/**
 * Pre-encoded programs for the broadcast benchmarks, encoded once with ffmpeg into the bench
 * media cache (outside the repository) and replayed with `-re -stream_loop -1`, so that what is
 * measured is the pipeline under test, not the making of its input:
 *  - `ladderSource()`: what an encoder sends a lecture (1080p30 H.264 High, 5 Mb/s, a keyframe
 *    every second, AAC), the input of the ladder's CPU benchmark;
 *  - `audienceProgram()`: the WebRTC tier's program as the ladder sends it to Janus (720p30 H.264
 *    Constrained Baseline, no B-frames, SPS/PPS before each keyframe, 1.5 Mb/s; Opus 64 kb/s), in
 *    MPEG-TS so the H.264 stays Annex B for the RTP muxer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CACHE = process.env.BENCH_MEDIA_CACHE ?? path.join(tmpdir(), 'amphi-bench-media-v1');
const SECONDS = 10;

function encode(name: string, args: string[]): string {
  mkdirSync(CACHE, { recursive: true });
  const out = path.join(CACHE, name);
  if (existsSync(out)) return out;
  const partial = `${out}.partial${path.extname(out)}`;
  const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ffmpeg failed for ${out}: ${result.stderr}`);
  renameSync(partial, out);
  return out;
}

const testPattern = (size: string) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(SECONDS)];

/** 1080p30 H.264 (High, 5 Mb/s, 1 s GOP) + AAC in MP4. */
export function ladderSource(): string {
  return encode('ladder-source-1080p30-5M.mp4', [
    ...testPattern('1920x1080'),
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-b:v', '5M', '-maxrate', '5M', '-bufsize', '5M'],
    ...['-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2', '-movflags', '+faststart'],
  ]);
}

/** 720p30 H.264 Constrained Baseline (1.5 Mb/s, 1 s GOP, no B-frames) + Opus in MPEG-TS. */
export function audienceProgram(): string {
  return encode('audience-program-720p30-1500k.ts', [
    ...testPattern('1280x720'),
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-level:v', '3.1', '-pix_fmt', 'yuv420p', '-bf', '0'],
    ...['-b:v', '1500k', '-maxrate', '1500k', '-bufsize', '1500k', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0'],
    ...['-c:a', 'libopus', '-b:a', '64k', '-ar', '48000', '-ac', '2', '-f', 'mpegts'],
  ]);
}
