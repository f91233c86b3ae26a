/**
 * What a broadcast source carries, asked of ffprobe before a ladder starts: whether its video can
 * be passed through as the top rung (H.264 ≤ 1080p: copying is nearly free, re-encoding 1080p is
 * most of a core), and the size, frame rate and bit rate the master playlist must announce for it.
 */
import { execFile } from 'node:child_process';
import { BroadcastError } from './errors.js';

export interface SourceProbe {
  /** ffmpeg's codec name of the first video stream (`h264`, `vp8`, …). */
  readonly codec: string;
  /** Picture size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Frames per second (average when known, else the stream's base rate). */
  readonly fps: number;
  /**
   * Bits per second of the video stream when the source declares it (an RTMP encoder's
   * `videodatarate`), else of the whole file (audio included: an upper bound), else undefined.
   */
  readonly bitrate?: number;
}

export interface ProbeSourceOptions {
  /** ffprobe is killed after this many ms (default 10 000): a live source may never answer. */
  readonly timeoutMs?: number;
  /** ffprobe executable (default `ffprobe` on the PATH). */
  readonly ffprobePath?: string;
}

/** Largest picture passed through: 1080p, landscape or portrait. */
const PASSTHROUGH_LONG_SIDE = 1920;
const PASSTHROUGH_SHORT_SIDE = 1080;

/**
 * Probes the first video stream of a source. `input` is a URL or path, or ffprobe's input
 * arguments ending with it (`['-protocol_whitelist', 'file,udp,rtp', 'stage.sdp']`); not copied
 * into a shell. Rejects with `PROBE_FAILED` when ffprobe fails, times out or finds no video.
 */
export function probeSource(input: string | readonly string[], options: ProbeSourceOptions = {}): Promise<SourceProbe> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const args = [
    ...['-v', 'error', '-select_streams', 'v:0', '-of', 'json'],
    ...['-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,bit_rate:format=bit_rate'],
    ...(typeof input === 'string' ? [input] : input),
  ];
  return new Promise((resolve, reject) => {
    execFile(options.ffprobePath ?? 'ffprobe', args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed ? `no answer within ${timeoutMs} ms` : String(stderr).trim().slice(-500) || error.message;
        reject(new BroadcastError('PROBE_FAILED', why));
        return;
      }
      try {
        resolve(parseProbe(String(stdout)));
      } catch (cause) {
        reject(cause instanceof BroadcastError ? cause : new BroadcastError('PROBE_FAILED', String(cause)));
      }
    });
  });
}

/** Whether a probed source can be the ladder's passthrough rung: H.264 of at most 1080p. */
export function canPassThrough(probe: SourceProbe): boolean {
  const long = Math.max(probe.width, probe.height);
  const short = Math.min(probe.width, probe.height);
  return probe.codec === 'h264' && long <= PASSTHROUGH_LONG_SIDE && short <= PASSTHROUGH_SHORT_SIDE;
}

interface FfprobeOutput {
  streams?: { codec_name?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; bit_rate?: string }[];
  format?: { bit_rate?: string };
}

function parseProbe(text: string): SourceProbe {
  const output = JSON.parse(text) as FfprobeOutput;
  const stream = output.streams?.[0];
  if (!stream?.codec_name) throw new BroadcastError('PROBE_FAILED', 'no video stream');
  const { width, height } = stream;
  if (!width || !height) throw new BroadcastError('PROBE_FAILED', `video of unknown size (${stream.codec_name}): no keyframe yet?`);
  const fps = rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate);
  if (fps === undefined) throw new BroadcastError('PROBE_FAILED', 'video of unknown frame rate');
  const bitrate = positive(stream.bit_rate) ?? positive(output.format?.bit_rate);
  return { codec: stream.codec_name, width, height, fps, ...(bitrate === undefined ? {} : { bitrate }) };
}

/** ffprobe's `30000/1001`; `0/0` (unknown) gives undefined. */
function rate(text: string | undefined): number | undefined {
  const [num, den] = (text ?? '').split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return undefined;
  return Math.round((num / den) * 1000) / 1000;
}

function positive(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
