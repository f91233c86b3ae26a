import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BroadcastError } from './errors.js';
import { Fmp4Parser, isSync, type Fmp4Event } from './fmp4.js';
import { AUDIO, DELTA_FLAGS, KEYFRAME_FLAGS, VIDEO, box, concatBytes, fragment, initSegment, syntheticStream, u32 } from './fmp4.testkit.js';

/** Parses `bytes` cut at the given offsets; returns the events, or the error thrown. */
function parse(bytes: Uint8Array, cuts: readonly number[] = [], maxBoxSize?: number): Fmp4Event[] {
  const parser = new Fmp4Parser(maxBoxSize === undefined ? {} : { maxBoxSize });
  const events: Fmp4Event[] = [];
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  let from = 0;
  for (const at of [...points, bytes.byteLength]) {
    events.push(...parser.push(bytes.subarray(from, at)));
    from = at;
  }
  parser.end();
  return events;
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BroadcastError) return error.code;
    throw error;
  }
  return 'none';
}

describe('Fmp4Parser', () => {
  it('splits a stream into the init segment and fragments with their duration and keyframe', () => {
    const events = parse(syntheticStream(4));
    expect(events.map((e) => e.type)).toEqual(['init', 'fragment', 'fragment', 'fragment', 'fragment']);
    const init = events[0]!.type === 'init' ? events[0]!.init : undefined;
    expect(init?.tracks.map((t) => [t.trackId, t.handler, t.timescale])).toEqual([
      [1, 'vide', 15360],
      [2, 'soun', 48000],
    ]);
    expect(new TextDecoder().decode(init!.bytes.subarray(4, 8))).toBe('ftyp');
    const fragments = events.flatMap((e) => (e.type === 'fragment' ? [e.fragment] : []));
    expect(fragments.map((f) => f.sequenceNumber)).toEqual([1, 2, 3, 4]);
    expect(fragments.map((f) => f.independent)).toEqual([true, false, false, true]);
    for (const f of fragments) expect(f.duration).toBeCloseTo(1 / 3, 6);
    expect(fragments[1]!.tracks.map((t) => [t.trackId, t.baseMediaDecodeTime, t.duration, t.sampleCount])).toEqual([
      [1, 5120, 5120, 10],
      [2, 16384, 16384, 16],
    ]);
    expect(new TextDecoder().decode(fragments[0]!.bytes.subarray(4, 8))).toBe('moof');
  });

  it('gives the same result however the bytes are split', () => {
    const stream = syntheticStream(5);
    const whole = parse(stream);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.byteLength }), { maxLength: 40 }), (cuts) => {
        expect(parse(stream, cuts)).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it('handles a stream delivered one byte at a time', () => {
    const stream = syntheticStream(2);
    const parser = new Fmp4Parser();
    const types = [];
    for (let i = 0; i < stream.byteLength; i++) types.push(...parser.push(stream.subarray(i, i + 1)).map((e) => e.type));
    expect(types).toEqual(['init', 'fragment', 'fragment']);
  });

  it('reads sample flags from trun samples, tfhd defaults or trex defaults, and durations from trex', () => {
    const video = { ...VIDEO, defaultDuration: 1000, defaultFlags: DELTA_FLAGS };
    const stream = concatBytes([
      initSegment([video]),
      fragment(1, [{ trackId: 1, decodeTime: 0, durations: [512, 512], firstFlags: KEYFRAME_FLAGS, flagsIn: 'samples' }]),
      fragment(2, [{ trackId: 1, decodeTime: 1024, durations: [512], firstFlags: DELTA_FLAGS, flagsIn: 'tfhd' }]),
    ]);
    const fragments = parse(stream).flatMap((e) => (e.type === 'fragment' ? [e.fragment] : []));
    expect(fragments.map((f) => [f.independent, f.tracks[0]!.duration])).toEqual([
      [true, 1024],
      [false, 512],
    ]);
    // A trun with neither durations nor flags falls back to trex (1000 units, a delta frame).
    const bare = box('traf', box('tfhd', u32(0x020000, 1)), box('trun', u32(0, 3)));
    const [, only] = parse(concatBytes([initSegment([video]), box('moof', box('mfhd', u32(0, 9)), bare), box('mdat')]));
    expect(only?.type === 'fragment' && [only.fragment.duration, only.fragment.independent]).toEqual([3000 / 15360, false]);
  });

  it('measures a fragment without video by its audio track, and never calls it independent', () => {
    const stream = concatBytes([initSegment([VIDEO, AUDIO]), fragment(1, [{ trackId: 2, decodeTime: 0, durations: [1024, 1024], firstFlags: KEYFRAME_FLAGS }])]);
    const [, last] = parse(stream);
    expect(last?.type === 'fragment' && [last.fragment.duration, last.fragment.independent]).toEqual([2048 / 48000, false]);
  });

  it('keeps styp/prft boxes with the next fragment and skips free and mfra boxes', () => {
    const prft = box('prft', u32(0, 1, 0, 0, 0));
    const stream = concatBytes([initSegment([VIDEO]), box('free'), prft, fragment(1, [{ trackId: 1, decodeTime: 0, durations: [512], firstFlags: KEYFRAME_FLAGS }]), box('mfra', u32(0))]);
    const [, f] = parse(stream);
    expect(f?.type === 'fragment' && new TextDecoder().decode(f.fragment.bytes.subarray(4, 8))).toBe('prft');
  });

  it('accepts 64-bit box sizes', () => {
    const mdat = new Uint8Array([0, 0, 0, 1, 0x6d, 0x64, 0x61, 0x74, 0, 0, 0, 0, 0, 0, 0, 20, 1, 2, 3, 4]);
    const moof = fragment(1, [{ trackId: 1, decodeTime: 0, durations: [512], firstFlags: KEYFRAME_FLAGS }]);
    const moofOnly = moof.subarray(0, new DataView(moof.buffer, moof.byteOffset).getUint32(0));
    const events = parse(concatBytes([initSegment([VIDEO]), moofOnly, mdat]));
    expect(events.map((e) => e.type)).toEqual(['init', 'fragment']);
  });

  it('refuses boxes that are too small or too large, as typed errors', () => {
    const init = initSegment([VIDEO]);
    expect(codeOf(() => parse(concatBytes([init, u32(4, 0x6d646174)])))).toBe('FMP4_BOX_TOO_SMALL');
    expect(codeOf(() => parse(concatBytes([init, u32(0, 0x6d646174)])))).toBe('FMP4_BOX_TOO_SMALL');
    expect(codeOf(() => parse(concatBytes([init, u32(1024 * 1024 + 1, 0x6d646174)]), [], 1024 * 1024))).toBe('FMP4_BOX_TOO_LARGE');
    // The cap is checked from the header alone: a huge box is refused before its bytes arrive.
    expect(codeOf(() => new Fmp4Parser().push(u32(0xffffffff, 0x6d646174)))).toBe('FMP4_BOX_TOO_LARGE');
  });

  it('refuses fragments out of order and a stream cut in the middle', () => {
    const init = initSegment([VIDEO]);
    const frag = fragment(1, [{ trackId: 1, decodeTime: 0, durations: [512], firstFlags: KEYFRAME_FLAGS }]);
    expect(codeOf(() => parse(frag))).toBe('FMP4_UNEXPECTED_BOX');
    expect(codeOf(() => parse(concatBytes([init, box('mdat')])))).toBe('FMP4_UNEXPECTED_BOX');
    expect(codeOf(() => parse(concatBytes([init, init])))).toBe('FMP4_UNEXPECTED_BOX');
    expect(codeOf(() => parse(concatBytes([init, frag.subarray(0, frag.byteLength - 1)])))).toBe('FMP4_TRUNCATED');
    expect(codeOf(() => parse(concatBytes([init, box('moof', box('mfhd', u32(0, 1)))])))).toBe('FMP4_TRUNCATED');
  });

  it('refuses a sample table that overruns its box, and a traf for an unknown track', () => {
    const init = initSegment([VIDEO]);
    const forged = box('traf', box('tfhd', u32(0x020000, 1)), box('trun', u32(0x100, 0xffffffff)));
    expect(codeOf(() => parse(concatBytes([init, box('moof', forged), box('mdat')])))).toBe('FMP4_MALFORMED');
    const stranger = box('traf', box('tfhd', u32(0x020000, 7)), box('trun', u32(0, 1)));
    expect(codeOf(() => parse(concatBytes([init, box('moof', stranger), box('mdat')])))).toBe('FMP4_MALFORMED');
  });

  it('stays failed after an error', () => {
    const parser = new Fmp4Parser();
    expect(() => parser.push(u32(3, 0))).toThrow(BroadcastError);
    expect(() => parser.push(syntheticStream(1))).toThrow(/FMP4_BOX_TOO_SMALL/);
  });

  it('throws nothing but a BroadcastError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        codeOf(() => parse(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but a BroadcastError on a valid stream with random bytes overwritten', () => {
    const stream = syntheticStream(3);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(stream.byteLength - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const copy = stream.slice();
        for (const [at, value] of edits) copy[at] = value;
        codeOf(() => parse(copy));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isSync', () => {
  it('tells keyframes from frames that depend on others', () => {
    expect(isSync(KEYFRAME_FLAGS)).toBe(true);
    expect(isSync(DELTA_FLAGS)).toBe(false);
    expect(isSync(0x00010000)).toBe(false); // non-sync bit alone
    expect(isSync(0)).toBe(true); // no information: a sync sample by default
  });
});
