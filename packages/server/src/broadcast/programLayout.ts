/**
 * The stage's program: an ffmpeg `filter_complex` prefix that composes several inputs (the
 * speakers' cameras, a shared screen, every microphone) into one picture `[pv]` and one mixed
 * sound `[pa]`, for `HlsLadder`'s `graph` option. Pure: it only builds the string.
 *
 * Every video input is normalised before it is composed (fit inside its box, padded, square
 * pixels, constant frame rate), because Chrome changes its resolution while ramping up its bit
 * rate: a filter graph that only scaled when needed would be reconfigured mid-stream. Every audio
 * input is resampled to 48 kHz stereo and mixed without normalisation (amix's default divides
 * each input by the number of inputs, so one speaker among four would be 12 dB too quiet). When
 * there is no audio at all the program carries silence, so the HLS renditions always have an
 * audio track (players switching between a silent and a sounding stream stall).
 *
 * Limits: the overlay, xstack and amix filters wait for a frame of each of their inputs, so an
 * input that stops sending without ending (a publisher frozen without leaving) holds the program;
 * the caller rebuilds the graph (restarts the ladder) when the stage changes.
 */
import { BroadcastError } from './errors.js';

/** What the program shows. `auto`: `screen` when a screen is shared, else `speaker`. */
export type ProgramLayoutChoice = 'auto' | 'screen' | 'speaker' | 'grid';
/** The layout really drawn: `slate` is a black picture (no camera, no screen). */
export type ProgramLayoutKind = 'screen' | 'speaker' | 'grid' | 'slate';

export interface ProgramSources {
  /** ffmpeg input indexes of the cameras (their first video stream, `N:v:0`), in stage order. */
  readonly cameras: readonly number[];
  /** ffmpeg input index of the shared screen (its first video stream), if any. */
  readonly screen?: number | null;
  /** ffmpeg input indexes of the microphones (their first audio stream, `N:a:0`). */
  readonly audios: readonly number[];
  /** Index in `cameras` of the active speaker (default 0): the full frame, or the screen's inset. */
  readonly speaker?: number;
  /** Program size in pixels (even numbers). */
  readonly width: number;
  readonly height: number;
  /** Program frame rate (frames per second). */
  readonly fps: number;
}

/** A filter_complex prefix and the labels of its outputs (the shape `HlsLadder`'s `graph` takes). */
export interface ProgramGraph {
  readonly filter: string;
  /** Label of the composed video, `[pv]`. */
  readonly video: string;
  /** Label of the mixed audio, `[pa]`. */
  readonly audio: string;
  readonly layout: ProgramLayoutKind;
}

/** Cameras tiled by the `grid` layout (more are left out; the caller orders them). */
export const GRID_MAX_CAMERAS = 4;
/** Inputs accepted in all (cameras + screen + audios): ffmpeg opens each, and each costs a decode. */
const MAX_INPUTS = 32;
/** The screen layout's camera inset, as a fraction of the program width. */
const INSET_FRACTION = 1 / 5;
/** Margin between the inset and the program's edges, as a fraction of the program width. */
const INSET_MARGIN_FRACTION = 1 / 40;
const SAMPLE_RATE = 48_000;

/** Builds the program's filter graph for `layout` from `sources`; throws `INVALID_LADDER` on unusable sources. */
export function programLayout(layout: ProgramLayoutChoice, sources: ProgramSources): ProgramGraph {
  validate(sources);
  const { width: W, height: H, fps } = sources;
  const cameras = sources.cameras;
  const screen = sources.screen ?? null;
  const speaker = cameras[sources.speaker ?? 0];
  const kind = resolveLayout(layout, cameras.length, screen !== null);
  const parts: string[] = [];

  switch (kind) {
    case 'screen': {
      if (speaker === undefined) {
        parts.push(`[${screen}:v:0]${fit(W, H, fps)}[pv]`);
        break;
      }
      const w = even(W * INSET_FRACTION);
      const h = even((w * H) / W);
      const margin = even(W * INSET_MARGIN_FRACTION);
      parts.push(`[${screen}:v:0]${fit(W, H, fps)}[pscreen]`, `[${speaker}:v:0]${fit(w, h, fps)}[pinset]`);
      // repeatlast: a camera that pauses keeps its last picture instead of vanishing.
      parts.push(`[pscreen][pinset]overlay=x=${W - w - margin}:y=${H - h - margin}:eof_action=repeat:repeatlast=1[pv]`);
      break;
    }
    case 'speaker':
      parts.push(`[${speaker}:v:0]${fit(W, H, fps)}[pv]`);
      break;
    case 'grid': {
      const tiles = cameras.slice(0, GRID_MAX_CAMERAS);
      const columns = 2;
      const rows = tiles.length <= 2 ? 1 : 2;
      const cw = even(W / columns);
      const ch = even(H / rows);
      // Two cameras side by side; three as two above one centred below; four as 2×2.
      const positions = tiles.map((_, i) => (i === 2 && tiles.length === 3 ? `${even(cw / 2)}_${ch}` : `${(i % columns) * cw}_${Math.floor(i / columns) * ch}`));
      tiles.forEach((input, i) => parts.push(`[${input}:v:0]${fit(cw, ch, fps)}[pcell${i}]`));
      // fill: the cells left free (beside the third camera) are black, not undefined memory;
      // the pad absorbs the pixel lost when the program size does not divide evenly.
      parts.push(
        `${tiles.map((_, i) => `[pcell${i}]`).join('')}xstack=inputs=${tiles.length}:layout=${positions.join('|')}:fill=black,` +
          `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1[pv]`,
      );
      break;
    }
    case 'slate':
      parts.push(`color=c=black:s=${W}x${H}:r=${fps},setsar=1[pv]`);
      break;
  }

  if (sources.audios.length === 0) {
    parts.push(`anullsrc=channel_layout=stereo:sample_rate=${SAMPLE_RATE}[pa]`);
  } else {
    // async=1: RTP inputs lose packets; filling their gaps with silence keeps every input on the
    // same timeline, which amix (sample-counting, not timestamp-reading) relies on.
    sources.audios.forEach((input, i) =>
      parts.push(`[${input}:a:0]aresample=${SAMPLE_RATE}:async=1,aformat=sample_fmts=fltp:channel_layouts=stereo[pmic${i}]`),
    );
    parts.push(`${sources.audios.map((_, i) => `[pmic${i}]`).join('')}amix=inputs=${sources.audios.length}:normalize=0[pa]`);
  }
  return { filter: parts.join(';'), video: '[pv]', audio: '[pa]', layout: kind };
}

/** The layout drawn for a choice, given what is on stage; a layout lacking its sources falls back. */
export function resolveLayout(layout: ProgramLayoutChoice, cameras: number, screen: boolean): ProgramLayoutKind {
  if ((layout === 'screen' || layout === 'auto') && screen) return 'screen';
  if (layout === 'grid' && cameras >= 2) return 'grid';
  if (cameras >= 1) return 'speaker';
  return screen ? 'screen' : 'slate';
}

/** Fit inside w×h keeping the aspect ratio, centre on black, square pixels, constant frame rate. */
function fit(w: number, h: number, fps: number): string {
  return `scale=${w}:${h}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=${fps}`;
}

/** The even integer at or below `n` (x264 with 4:2:0 chroma needs even sizes). */
function even(n: number): number {
  return 2 * Math.floor(n / 2);
}

function validate(s: ProgramSources): void {
  const fail = (detail: string) => new BroadcastError('INVALID_LADDER', `program: ${detail}`);
  for (const side of [s.width, s.height]) {
    if (!Number.isInteger(side) || side < 64 || side > 4096 || side % 2 !== 0) throw fail(`size ${s.width}x${s.height} (even, 64–4096)`);
  }
  if (!(Number.isFinite(s.fps) && s.fps > 0 && s.fps <= 120)) throw fail(`fps ${s.fps}`);
  const inputs = [...s.cameras, ...s.audios, ...(s.screen === undefined || s.screen === null ? [] : [s.screen])];
  if (inputs.length > MAX_INPUTS) throw fail(`${inputs.length} inputs (at most ${MAX_INPUTS})`);
  for (const input of inputs) if (!Number.isInteger(input) || input < 0 || input > 999) throw fail(`input index ${input}`);
  const speaker = s.speaker ?? 0;
  if (!Number.isInteger(speaker) || speaker < 0 || (s.cameras.length > 0 && speaker >= s.cameras.length))
    throw fail(`speaker ${speaker} among ${s.cameras.length} cameras`);
}
