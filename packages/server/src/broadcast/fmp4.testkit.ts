/**
 * Builds small synthetic fragmented MP4 streams for tests: enough structure for the parser
 * (ftyp, moov with tracks and trex, moof with mfhd/traf/tfhd/tfdt/trun, mdat), no real media.
 */

/** ISO BMFF sample flags as ffmpeg writes them. */
export const KEYFRAME_FLAGS = 0x02000000;
export const DELTA_FLAGS = 0x01010000;

export function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const size = 8 + payload.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let at = 8;
  for (const p of payload) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Big-endian 32-bit words. */
export function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
  return out;
}

export function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export interface SyntheticTrack {
  readonly id: number;
  readonly handler: 'vide' | 'soun';
  readonly timescale: number;
  /** trex default sample duration and flags. */
  readonly defaultDuration?: number;
  readonly defaultFlags?: number;
}

export function initSegment(tracks: readonly SyntheticTrack[]): Uint8Array {
  const ftyp = box('ftyp', new TextEncoder().encode('iso6'), u32(512), new TextEncoder().encode('iso6cmfc'));
  const traks = tracks.map((t) =>
    box(
      'trak',
      box('tkhd', u32(0x00000003, 0, 0, t.id, 0, 0), new Uint8Array(60)),
      box(
        'mdia',
        box('mdhd', u32(0, 0, 0, t.timescale, 0, 0)),
        box('hdlr', u32(0, 0), new TextEncoder().encode(t.handler), u32(0, 0, 0), new Uint8Array(1)),
      ),
    ),
  );
  const mvex = box('mvex', ...tracks.map((t) => box('trex', u32(0, t.id, 1, t.defaultDuration ?? 0, 0, t.defaultFlags ?? 0))));
  return concatBytes([ftyp, box('moov', box('mvhd', u32(0, 0, 0, 1000, 0), new Uint8Array(80)), ...traks, mvex)]);
}

export interface SyntheticRun {
  readonly trackId: number;
  readonly decodeTime: number;
  /** Sample durations; written per sample unless `defaultDuration` puts one in tfhd. */
  readonly durations: readonly number[];
  readonly defaultDuration?: number;
  /** Flags of the first sample: in trun's first_sample_flags, unless `flagsIn` says otherwise. */
  readonly firstFlags: number;
  readonly flagsIn?: 'first' | 'tfhd' | 'samples';
}

/** One moof + mdat with a traf per run. */
export function fragment(sequence: number, runs: readonly SyntheticRun[]): Uint8Array {
  const trafs = runs.map((r) => {
    const where = r.flagsIn ?? 'first';
    const tfhdFlags = 0x020000 | (r.defaultDuration !== undefined ? 0x08 : 0) | (where === 'tfhd' ? 0x20 : 0);
    const tfhd = box('tfhd', u32(tfhdFlags, r.trackId), ...(r.defaultDuration !== undefined ? [u32(r.defaultDuration)] : []), ...(where === 'tfhd' ? [u32(r.firstFlags)] : []));
    const perDuration = r.defaultDuration === undefined;
    const trunFlags = 0x01 | (where === 'first' ? 0x04 : 0) | (perDuration ? 0x100 : 0) | 0x200 | (where === 'samples' ? 0x400 : 0);
    const samples = r.durations.flatMap((d, i) => [...(perDuration ? [d] : []), 4, ...(where === 'samples' ? [i === 0 ? r.firstFlags : DELTA_FLAGS] : [])]);
    const trun = box('trun', u32(trunFlags, r.durations.length, 0), ...(where === 'first' ? [u32(r.firstFlags)] : []), u32(...samples));
    return box('traf', tfhd, box('tfdt', u32(0x01000000), u64(r.decodeTime)), trun);
  });
  const sampleBytes = runs.reduce((n, r) => n + 4 * r.durations.length, 0);
  return concatBytes([box('moof', box('mfhd', u32(0, sequence)), ...trafs), box('mdat', new Uint8Array(sampleBytes))]);
}

export const VIDEO: SyntheticTrack = { id: 1, handler: 'vide', timescale: 15360 };
export const AUDIO: SyntheticTrack = { id: 2, handler: 'soun', timescale: 48000 };

/**
 * A stream of `count` fragments of 10 video frames (1/3 s at 30 fps) and 16 audio frames, with a
 * keyframe every `gop` fragments.
 */
export function syntheticStream(count: number, gop = 3): Uint8Array {
  const parts = [initSegment([VIDEO, AUDIO])];
  for (let i = 0; i < count; i++) {
    parts.push(
      fragment(i + 1, [
        { trackId: 1, decodeTime: i * 5120, durations: Array<number>(10).fill(512), defaultDuration: 512, firstFlags: i % gop === 0 ? KEYFRAME_FLAGS : DELTA_FLAGS },
        { trackId: 2, decodeTime: i * 16 * 1024, durations: Array<number>(16).fill(1024), firstFlags: KEYFRAME_FLAGS, flagsIn: 'tfhd' },
      ]),
    );
  }
  return concatBytes(parts);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
