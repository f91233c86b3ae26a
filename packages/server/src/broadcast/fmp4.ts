/**
 * An incremental parser of the fragmented MP4 that ffmpeg writes to a pipe
 * (`-f mp4 -movflags cmaf -frag_duration 333333 pipe:1`): it cuts the byte stream into the
 * init segment (ftyp + moov) and fragments (moof + mdat), and tells, for each fragment, its
 * duration and whether it starts with a keyframe. Bytes may arrive split anywhere.
 *
 * Every problem in the input is a `BroadcastError` with an `FMP4_*` code; after one, the parser
 * stays failed (the stream cannot be resynchronised without a box boundary).
 */
import { BroadcastError } from './errors.js';

/** Largest box accepted, in bytes (default 32 MiB): a 1 s 1080p fragment is well under 2 MiB. */
export const DEFAULT_MAX_BOX_SIZE = 32 * 1024 * 1024;

export interface Fmp4Track {
  readonly trackId: number;
  /** The handler type of the track (`vide`, `soun`, …). */
  readonly handler: string;
  /** Units per second of the track's times (mdhd). */
  readonly timescale: number;
  /** Defaults from `trex`, used when a fragment gives none. */
  readonly defaultSampleDuration: number;
  readonly defaultSampleFlags: number;
}

export interface InitSegment {
  /** ftyp + moov, as received. */
  readonly bytes: Uint8Array;
  readonly tracks: readonly Fmp4Track[];
}

export interface TrackFragment {
  readonly trackId: number;
  /** Decode time of the first sample, in the track timescale (tfdt); undefined without tfdt. */
  readonly baseMediaDecodeTime: number | undefined;
  /** Sum of the sample durations, in the track timescale. */
  readonly duration: number;
  readonly sampleCount: number;
  /** Whether the first sample is a sync sample (not is_non_sync, not depending on others). */
  readonly startsWithKeyframe: boolean;
}

export interface Fragment {
  /** The moof's sequence number (mfhd). */
  readonly sequenceNumber: number;
  /** The boxes that belong to the fragment (styp/sidx/prft/emsg before it, if any) + moof + mdat. */
  readonly bytes: Uint8Array;
  /** Duration in seconds, of the reference track (the first video track, else the first track). */
  readonly duration: number;
  /** Whether the reference track starts with a keyframe (→ `INDEPENDENT=YES`). */
  readonly independent: boolean;
  readonly tracks: readonly TrackFragment[];
}

export type Fmp4Event = { readonly type: 'init'; readonly init: InitSegment } | { readonly type: 'fragment'; readonly fragment: Fragment };

export interface Fmp4ParserOptions {
  /** Largest box accepted, in bytes (default `DEFAULT_MAX_BOX_SIZE`). */
  readonly maxBoxSize?: number;
}

/** Boxes that may precede a moof and belong to its fragment. */
const FRAGMENT_PREFIX_BOXES = new Set(['styp', 'sidx', 'prft', 'emsg']);

export class Fmp4Parser {
  readonly #maxBoxSize: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ftyp: Uint8Array | undefined;
  #init: InitSegment | undefined;
  #prefix: Uint8Array[] = [];
  #moof: TopBox | undefined;
  #failure: BroadcastError | undefined;

  constructor(options: Fmp4ParserOptions = {}) {
    this.#maxBoxSize = options.maxBoxSize ?? DEFAULT_MAX_BOX_SIZE;
  }

  /** The init segment, once it has been seen. */
  get init(): InitSegment | undefined {
    return this.#init;
  }

  /** Feeds bytes (not kept: they are copied); returns what they completed, in stream order. */
  push(chunk: Uint8Array): Fmp4Event[] {
    if (this.#failure) throw this.#failure;
    if (chunk.byteLength > 0) {
      this.#chunks.push(chunk.slice());
      this.#buffered += chunk.byteLength;
    }
    const events: Fmp4Event[] = [];
    try {
      for (let box = this.#nextBox(); box; box = this.#nextBox()) {
        const event = this.#onBox(box);
        if (event) events.push(event);
      }
    } catch (error) {
      // Only our own errors are expected; anything else is a bug and must surface as such.
      if (error instanceof BroadcastError) this.#failure = error;
      throw error;
    }
    return events;
  }

  /** Declares the end of the stream: throws `FMP4_TRUNCATED` if a box or a fragment is incomplete. */
  end(): void {
    if (this.#failure) throw this.#failure;
    if (this.#buffered > 0 || this.#moof) {
      this.#failure = new BroadcastError('FMP4_TRUNCATED', `${this.#buffered} bytes of an incomplete box${this.#moof ? ', moof without mdat' : ''}`);
      throw this.#failure;
    }
  }

  /** Takes the next complete top-level box out of the buffer, if there is one. */
  #nextBox(): TopBox | undefined {
    if (this.#buffered < 8) return undefined;
    const head = this.#peek(Math.min(16, this.#buffered));
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    let size = view.getUint32(0);
    const type = fourcc(head, 4);
    let header = 8;
    if (size === 1) {
      if (head.byteLength < 16) return undefined;
      header = 16;
      size = Number(view.getBigUint64(8));
      if (size < 16) throw new BroadcastError('FMP4_BOX_TOO_SMALL', `${type} declares a 64-bit size of ${size}`);
    }
    if (size < 8) throw new BroadcastError('FMP4_BOX_TOO_SMALL', `${type} declares a size of ${size}`);
    if (size > this.#maxBoxSize) throw new BroadcastError('FMP4_BOX_TOO_LARGE', `${type} declares ${size} bytes (cap ${this.#maxBoxSize})`);
    if (this.#buffered < size) return undefined;
    return { type, bytes: this.#take(size), header };
  }

  #onBox(box: TopBox): Fmp4Event | undefined {
    if (!this.#init) {
      if (box.type === 'ftyp') this.#ftyp = box.bytes;
      else if (box.type === 'moov') {
        this.#init = { bytes: concat([...(this.#ftyp ? [this.#ftyp] : []), box.bytes]), tracks: parseMoov(box) };
        return { type: 'init', init: this.#init };
      } else if (box.type === 'moof' || box.type === 'mdat') throw new BroadcastError('FMP4_UNEXPECTED_BOX', `${box.type} before moov`);
      return undefined;
    }
    switch (box.type) {
      case 'moof':
        if (this.#moof) throw new BroadcastError('FMP4_UNEXPECTED_BOX', 'moof without mdat');
        this.#moof = box;
        return undefined;
      case 'mdat': {
        const moof = this.#moof;
        if (!moof) throw new BroadcastError('FMP4_UNEXPECTED_BOX', 'mdat without moof');
        const fragment = parseMoof(moof, this.#init.tracks, concat([...this.#prefix, moof.bytes, box.bytes]));
        this.#moof = undefined;
        this.#prefix = [];
        return { type: 'fragment', fragment };
      }
      case 'ftyp':
      case 'moov':
        throw new BroadcastError('FMP4_UNEXPECTED_BOX', `a second ${box.type}`);
      default:
        if (FRAGMENT_PREFIX_BOXES.has(box.type) && !this.#moof) this.#prefix.push(box.bytes);
        // Anything else (free, skip, mfra at the end of the stream, udta…) is not ours to serve.
        return undefined;
    }
  }

  #peek(length: number): Uint8Array {
    const first = this.#chunks[0]!;
    if (first.byteLength >= length) return first.subarray(0, length);
    // Only the few chunks that hold the header: tiny chunks must not make this quadratic.
    const needed: Uint8Array[] = [];
    for (let i = 0, got = 0; got < length; i++) {
      needed.push(this.#chunks[i]!);
      got += this.#chunks[i]!.byteLength;
    }
    return concat(needed).subarray(0, length);
  }

  #take(length: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let missing = length;
    while (missing > 0) {
      const chunk = this.#chunks[0]!;
      if (chunk.byteLength <= missing) {
        parts.push(chunk);
        this.#chunks.shift();
        missing -= chunk.byteLength;
      } else {
        parts.push(chunk.subarray(0, missing));
        this.#chunks[0] = chunk.subarray(missing);
        missing = 0;
      }
    }
    this.#buffered -= length;
    return parts.length === 1 ? parts[0]! : concat(parts);
  }
}

/** A bounds-checked reader over one box's content. */
class Cursor {
  readonly #view: DataView;
  pos: number;
  readonly end: number;
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }
  #need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw new BroadcastError('FMP4_MALFORMED', `a box ends ${at + n - this.end} bytes too early`);
    this.pos += n;
    return at;
  }
  skip(n: number): void {
    this.#need(n);
  }
  u32(): number {
    return this.#view.getUint32(this.#need(4));
  }
  u64(): number {
    return Number(this.#view.getBigUint64(this.#need(8)));
  }
  /** Version (high byte) and flags (low 24 bits) of a full box. */
  versionAndFlags(): { version: number; flags: number } {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }
}

/** A complete top-level box and the length of its header (8, or 16 with a 64-bit size). */
interface TopBox {
  readonly type: string;
  readonly bytes: Uint8Array;
  readonly header: number;
}

interface Child {
  readonly type: string;
  /** Start of the content (after the header) and end of the box, as offsets in the same bytes. */
  readonly start: number;
  readonly end: number;
}

/** The boxes inside [start, end) of `bytes`, each checked to fit in its parent. */
function children(bytes: Uint8Array, start: number, end: number): Child[] {
  const result: Child[] = [];
  const cursor = new Cursor(bytes, start, end);
  while (cursor.pos < end) {
    const at = cursor.pos;
    let size = cursor.u32();
    cursor.skip(4);
    const type = fourcc(bytes, at + 4);
    if (size === 1) size = cursor.u64();
    const header = cursor.pos - at;
    if (size < header || at + size > end) throw new BroadcastError('FMP4_MALFORMED', `${type} of ${size} bytes does not fit in its parent`);
    result.push({ type, start: at + header, end: at + size });
    cursor.pos = at + size;
  }
  return result;
}

function find(bytes: Uint8Array, parent: Child, type: string): Child | undefined {
  return children(bytes, parent.start, parent.end).find((c) => c.type === type);
}

function parseMoov(box: TopBox): Fmp4Track[] {
  const moov = box.bytes;
  const root: Child = { type: 'moov', start: box.header, end: moov.byteLength };
  const defaults = new Map<number, { duration: number; flags: number }>();
  const mvex = find(moov, root, 'mvex');
  for (const trex of mvex ? children(moov, mvex.start, mvex.end).filter((c) => c.type === 'trex') : []) {
    const c = new Cursor(moov, trex.start, trex.end);
    c.skip(4);
    const trackId = c.u32();
    c.skip(4); // default_sample_description_index
    const duration = c.u32();
    c.skip(4); // default_sample_size
    defaults.set(trackId, { duration, flags: c.u32() });
  }
  const tracks: Fmp4Track[] = [];
  for (const trak of children(moov, root.start, root.end).filter((c) => c.type === 'trak')) {
    const tkhd = find(moov, trak, 'tkhd');
    const mdia = find(moov, trak, 'mdia');
    const mdhd = mdia && find(moov, mdia, 'mdhd');
    const hdlr = mdia && find(moov, mdia, 'hdlr');
    if (!tkhd || !mdhd || !hdlr) throw new BroadcastError('FMP4_MALFORMED', 'a trak without tkhd, mdhd or hdlr');
    let c = new Cursor(moov, tkhd.start, tkhd.end);
    c.skip(c.versionAndFlags().version === 1 ? 16 : 8);
    const trackId = c.u32();
    c = new Cursor(moov, mdhd.start, mdhd.end);
    c.skip(c.versionAndFlags().version === 1 ? 16 : 8);
    const timescale = c.u32();
    if (timescale === 0) throw new BroadcastError('FMP4_MALFORMED', `track ${trackId} has a timescale of 0`);
    c = new Cursor(moov, hdlr.start, hdlr.end);
    c.skip(8); // version and flags, pre_defined
    const handler = fourcc(moov, c.pos);
    c.skip(4);
    const trex = defaults.get(trackId);
    tracks.push({ trackId, handler, timescale, defaultSampleDuration: trex?.duration ?? 0, defaultSampleFlags: trex?.flags ?? 0 });
  }
  if (tracks.length === 0) throw new BroadcastError('FMP4_MALFORMED', 'moov has no track');
  return tracks;
}

function parseMoof(box: TopBox, tracks: readonly Fmp4Track[], bytes: Uint8Array): Fragment {
  const moof = box.bytes;
  const root: Child = { type: 'moof', start: box.header, end: moof.byteLength };
  let sequenceNumber = 0;
  const runs: TrackFragment[] = [];
  for (const box of children(moof, root.start, root.end)) {
    if (box.type === 'mfhd') {
      const c = new Cursor(moof, box.start, box.end);
      c.skip(4);
      sequenceNumber = c.u32();
    } else if (box.type === 'traf') runs.push(parseTraf(moof, box, tracks));
  }
  if (runs.length === 0) throw new BroadcastError('FMP4_MALFORMED', 'moof has no traf');
  const reference = tracks.find((t) => t.handler === 'vide') ?? tracks[0]!;
  const main = runs.find((r) => r.trackId === reference.trackId);
  // A fragment without the reference track (ffmpeg's last one carries only the audio tail): its
  // longest track gives the duration, and it cannot start a segment, having no video keyframe.
  const duration = main
    ? main.duration / reference.timescale
    : Math.max(...runs.map((r) => r.duration / tracks.find((t) => t.trackId === r.trackId)!.timescale));
  const independent = main?.startsWithKeyframe ?? false;
  return { sequenceNumber, bytes, duration, independent, tracks: runs };
}

function parseTraf(moof: Uint8Array, traf: Child, tracks: readonly Fmp4Track[]): TrackFragment {
  const boxes = children(moof, traf.start, traf.end);
  const tfhd = boxes.find((b) => b.type === 'tfhd');
  if (!tfhd) throw new BroadcastError('FMP4_MALFORMED', 'traf without tfhd');
  let c = new Cursor(moof, tfhd.start, tfhd.end);
  const { flags } = c.versionAndFlags();
  const trackId = c.u32();
  const track = tracks.find((t) => t.trackId === trackId);
  if (!track) throw new BroadcastError('FMP4_MALFORMED', `traf for unknown track ${trackId}`);
  if (flags & 0x01) c.skip(8); // base_data_offset
  if (flags & 0x02) c.skip(4); // sample_description_index
  const defaultDuration = flags & 0x08 ? c.u32() : track.defaultSampleDuration;
  if (flags & 0x10) c.skip(4); // default_sample_size
  const defaultFlags = flags & 0x20 ? c.u32() : track.defaultSampleFlags;

  let baseMediaDecodeTime: number | undefined;
  let duration = 0;
  let sampleCount = 0;
  let firstFlags: number | undefined;
  for (const box of boxes) {
    if (box.type === 'tfdt') {
      c = new Cursor(moof, box.start, box.end);
      baseMediaDecodeTime = c.versionAndFlags().version === 1 ? c.u64() : c.u32();
    } else if (box.type === 'trun') {
      c = new Cursor(moof, box.start, box.end);
      const run = c.versionAndFlags().flags;
      const count = c.u32();
      if (run & 0x01) c.skip(4); // data_offset
      const runFirstFlags = run & 0x04 ? c.u32() : undefined;
      const fields = [0x100, 0x200, 0x400, 0x800].filter((bit) => run & bit).length;
      // Checked before looping, so a forged sample_count cannot make us spin.
      if (count * fields * 4 > c.end - c.pos) throw new BroadcastError('FMP4_MALFORMED', `trun declares ${count} samples that do not fit`);
      for (let i = 0; i < count; i++) {
        const sampleDuration = run & 0x100 ? c.u32() : defaultDuration;
        if (run & 0x200) c.skip(4);
        const sampleFlags = run & 0x400 ? c.u32() : undefined;
        if (run & 0x800) c.skip(4);
        if (sampleCount === 0 && i === 0) firstFlags = runFirstFlags ?? sampleFlags ?? defaultFlags;
        duration += sampleDuration;
      }
      sampleCount += count;
    }
  }
  return { trackId, baseMediaDecodeTime, duration, sampleCount, startsWithKeyframe: firstFlags !== undefined && isSync(firstFlags) };
}

/** ISO/IEC 14496-12 sample flags: sample_depends_on is bits 24–25, sample_is_non_sync_sample bit 16. */
export function isSync(sampleFlags: number): boolean {
  const dependsOn = (sampleFlags >>> 24) & 0x3;
  const nonSync = (sampleFlags >>> 16) & 0x1;
  return nonSync === 0 && dependsOn !== 1;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

/** The bytes of several arrays, one after the other. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
