/**
 * Pre-encoded media for the load bots: three VP8 clips (the simulcast layers) and one Opus
 * clip, encoded once with ffmpeg into a cache folder outside the repository, then read into
 * memory as frames (video) and packets (audio). The bots only packetize and replay them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const VIDEO_FPS = 15;
export const AUDIO_FRAME_MS = 20;

/** One simulcast layer as Chrome names it (rid) and how it is encoded. */
export interface LayerSpec {
  rid: 'l' | 'm' | 'h';
  width: number;
  height: number;
  kbps: number;
}

/** Lowest first: substream 0, 1, 2 in Janus. Bitrates are kept low so the bots stay cheap. */
export const LAYERS: readonly LayerSpec[] = [
  { rid: 'l', width: 320, height: 180, kbps: 60 },
  { rid: 'm', width: 640, height: 360, kbps: 150 },
  { rid: 'h', width: 1280, height: 720, kbps: 400 },
];

export interface VideoFrame {
  data: Buffer;
  key: boolean;
}

export interface Clips {
  /** Frames of each layer, in LAYERS order (same length, keyframes at the same indexes). */
  video: VideoFrame[][];
  /** Opus packets (20 ms each). */
  audio: Buffer[];
}

const SECONDS = 10;
const GOP = 2 * VIDEO_FPS;
const CACHE = process.env.BENCH_MEDIA_CACHE ?? path.join(tmpdir(), 'amphi-bench-media-v1');

function ffmpeg(args: string[], out: string): void {
  if (existsSync(out)) return;
  const partial = `${out}.partial${path.extname(out)}`;
  const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ffmpeg failed for ${out}: ${result.stderr}`);
  renameSync(partial, out);
}

/** Frames of an IVF file (32-byte header, then 12-byte frame headers). */
export function readIvf(file: Buffer): VideoFrame[] {
  if (file.toString('latin1', 0, 4) !== 'DKIF') throw new Error('not an IVF file');
  const frames: VideoFrame[] = [];
  for (let at = file.readUInt16LE(6); at + 12 <= file.length; ) {
    const size = file.readUInt32LE(at);
    const data = file.subarray(at + 12, at + 12 + size);
    frames.push({ data, key: (data[0]! & 0x01) === 0 });
    at += 12 + size;
  }
  return frames;
}

/** Packets of the first logical stream of an Ogg file, without the two Opus header packets. */
export function readOggOpus(file: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let at = 0; at + 27 <= file.length; ) {
    if (file.toString('latin1', at, at + 4) !== 'OggS') throw new Error('bad Ogg page');
    const segments = file[at + 26]!;
    const table = file.subarray(at + 27, at + 27 + segments);
    let data = at + 27 + segments;
    for (const len of table) {
      pending.push(file.subarray(data, data + len));
      data += len;
      if (len < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    at = data;
  }
  return packets.filter((p) => !p.subarray(0, 8).toString('latin1').startsWith('Opus'));
}

let loaded: Clips | undefined;

/** Encodes the clips (first time only) and loads them. */
export function loadClips(): Clips {
  if (loaded) return loaded;
  mkdirSync(CACHE, { recursive: true });
  const video = LAYERS.map((layer) => {
    const out = path.join(CACHE, `${layer.rid}-${layer.width}x${layer.height}-${layer.kbps}k.ivf`);
    // A moving test pattern with a clock, real-time VP8 settings as a browser would use
    // (no alt-ref, no lag), a keyframe every 2 s.
    ffmpeg(
      [
        ...['-f', 'lavfi', '-i', `testsrc2=size=${layer.width}x${layer.height}:rate=${VIDEO_FPS}`, '-t', String(SECONDS)],
        ...['-c:v', 'libvpx', '-b:v', `${layer.kbps}k`, '-deadline', 'realtime', '-cpu-used', '8', '-g', String(GOP), '-keyint_min', String(GOP)],
        ...['-auto-alt-ref', '0', '-lag-in-frames', '0', '-error-resilient', '1', '-f', 'ivf'],
      ],
      out,
    );
    return readIvf(readFileSync(out));
  });
  const audioFile = path.join(CACHE, 'voice-24k.ogg');
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${SECONDS}`, '-c:a', 'libopus', '-b:a', '24k', '-frame_duration', String(AUDIO_FRAME_MS), '-application', 'voip'], audioFile);
  const audio = readOggOpus(readFileSync(audioFile));
  const frames = Math.min(...video.map((v) => v.length));
  if (frames < VIDEO_FPS || audio.length < 50) throw new Error('clips too short');
  loaded = { video: video.map((v) => v.slice(0, frames)), audio };
  return loaded;
}
