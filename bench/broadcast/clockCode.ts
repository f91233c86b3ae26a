/**
 * A machine-readable clock burned into a video by the encoder, for glass-to-glass latency: each
 * frame carries, as two rows of black and white blocks at its top left, the wall-clock time
 * (ms since an epoch the benchmark chooses) at which the frame was made. The second row is the
 * first inverted, so a frame the decoder cannot read cleanly (a blurred transition, a wrong
 * position, a scaled or compressed rung gone soft) is rejected instead of read as a plausible
 * wrong number.
 *
 * ffmpeg draws it: `setpts=RTCTIME-…` turns each frame's timestamp into the wall clock (µs, at
 * the moment the frame is filtered, i.e. when `-re` lets the source produce it: the "capture"),
 * one `drawbox` per bit is enabled when that bit of the time is set, then the timestamps are
 * made regular again (`setpts=N/(fps*TB)`) for the encoder.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Bits of the time code (ms): 24 bits wrap after 4.6 hours. */
export const CLOCK_BITS = 24;

/** Where the code sits in the source picture (pixels of the source). */
export interface ClockLayout {
  /** Source picture size. */
  width: number;
  height: number;
  /** Side of one block (source pixels). */
  block: number;
  bits: number;
}

export function clockLayout(width: number, height: number): ClockLayout {
  // 32 blocks across the picture: 40 px at 1280 wide, 20 px once scaled to 640 (360p).
  return { width, height, block: Math.floor(width / 32 / 2) * 2, bits: CLOCK_BITS };
}

/**
 * The filter chain drawing the code. `pts` is the timestamp expression (µs) the code shows: by
 * default the wall clock minus `epochMs`; a constant for a known frame.
 */
export function clockFilter(layout: ClockLayout, options: { fps: number; epochMs?: number; pts?: string }): string {
  const { block, bits } = layout;
  const pts = options.pts ?? `RTCTIME-${Math.round(options.epochMs ?? 0)}000`;
  const filters = ['settb=1/1000000', `setpts=${pts}`, `drawbox=x=0:y=0:w=${bits * block}:h=${2 * block}:color=black:t=fill`];
  for (let k = 0; k < bits; k++) {
    // Bit k of the time in whole ms (rounded), most significant bit first (leftmost).
    const bit = `mod(floor((t*1000+0.5)/${2 ** k}),2)`;
    const x = (bits - 1 - k) * block;
    filters.push(`drawbox=x=${x}:y=0:w=${block}:h=${block}:color=white:t=fill:enable='${bit}'`);
    filters.push(`drawbox=x=${x}:y=${block}:w=${block}:h=${block}:color=white:t=fill:enable='not(${bit})'`);
  }
  filters.push(`setpts=N/(${options.fps}*TB)`);
  return filters.join(',');
}

/**
 * Reads the code from RGBA pixels of the strip (top left of the picture, at the picture's own
 * scale: `blockW`×`blockH` pixels per block). Returns the time in ms since the epoch, or null
 * when any block is ambiguous or the inverted row does not match.
 *
 * Self-contained (no outside references): it also runs in the browser page, from its source.
 */
export function decodeClock(rgba: ArrayLike<number>, width: number, blockW: number, blockH: number, bits: number): number | null {
  const luma = (row: number, k: number): number => {
    // The centre half of the block: its edges are smeared by scaling and compression.
    const x0 = Math.floor((k + 0.25) * blockW);
    const x1 = Math.max(x0 + 1, Math.floor((k + 0.75) * blockW));
    const y0 = Math.floor((row + 0.25) * blockH);
    const y1 = Math.max(y0 + 1, Math.floor((row + 0.75) * blockH));
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = (y * width + x) * 4;
        sum += 0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!;
        n++;
      }
    }
    return sum / n;
  };
  let value = 0;
  for (let k = 0; k < bits; k++) {
    const top = luma(0, k);
    const bottom = luma(1, k);
    // Black is ~16, white ~235 once through YUV: demand a clear margin on both rows.
    if (Math.abs(top - 128) < 50 || Math.abs(bottom - 128) < 50) return null;
    const bit = top > 128;
    if (bit === bottom > 128) return null;
    value = value * 2 + (bit ? 1 : 0);
  }
  return value;
}

/**
 * Decodes the code of a picture file with ffmpeg (RGBA at the file's size), for the known-frame
 * check of the decoder.
 */
export function decodeFile(file: string, layout: ClockLayout): number | null {
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const [width, height] = probe.stdout.trim().split(',').map(Number) as [number, number];
  const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 64 * 1024 * 1024 });
  if (raw.status !== 0) throw new Error(`ffmpeg could not read ${file}: ${String(raw.stderr)}`);
  return decodeClock(raw.stdout, width, (layout.block * width) / layout.width, (layout.block * height) / layout.height, layout.bits);
}

/**
 * Writes a known frame: the code for `valueMs` drawn on the test pattern, then scaled to
 * `scaled` and through x264 at a low bit rate (what the smallest rung does to it), as PNG.
 */
export function knownFrame(layout: ClockLayout, valueMs: number, scaled: { width: number; height: number; bitrate: number }, file: string): void {
  const mp4 = `${file}.mp4`;
  const filter = `${clockFilter(layout, { fps: 30, pts: `${valueMs}*1000` })},scale=${scaled.width}:${scaled.height}`;
  const steps = [
    ['-f', 'lavfi', '-i', `testsrc2=size=${layout.width}x${layout.height}:rate=30`, '-frames:v', '1', '-vf', filter, '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', String(scaled.bitrate), '-pix_fmt', 'yuv420p', mp4],
    ['-i', mp4, '-frames:v', '1', file],
  ];
  for (const args of steps) {
    const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ffmpeg failed writing the known frame: ${result.stderr}`);
  }
}

/** A file as a data: URL (to hand a known frame to the page). */
export function dataUrl(file: string, type = 'image/png'): string {
  return `data:${type};base64,${readFileSync(file).toString('base64')}`;
}
