/**
 * The live window of one LL-HLS rendition: parts (ffmpeg's fMP4 fragments, ~0.33 s) grouped into
 * segments that start on a keyframe, the last few segments kept in memory with their bytes, and
 * the media playlist rendered per RFC 8216bis (Low-Latency HLS).
 *
 * Names: `init.mp4`, `seg<msn>.m4s` for segments and `part<n>.m4s` for parts, where n counts parts
 * from the start of the stream. Parts are not named after their segment because the preload hint
 * must name the next part before anyone knows whether it will start a new segment.
 */
import { TypedEmitter } from '@amphi/protocol';
import { BroadcastError } from './errors.js';
import { concat } from './fmp4.js';

export interface PartInput {
  /** The part's bytes (moof + mdat); kept as given, not copied. */
  readonly bytes: Uint8Array;
  /** Duration in seconds. */
  readonly duration: number;
  /** Whether it starts with a keyframe. */
  readonly independent: boolean;
}

export interface LlHlsPlaylistOptions {
  /** Shortest segment in seconds: a keyframe part starts a new segment once the current one is this long (default 1). */
  readonly segmentTarget?: number;
  /** Part target duration in seconds (default 0.334); set it ≥ the longest part the packager cuts. */
  readonly partTarget?: number;
  /** Complete segments kept in memory and listed (default 6); the segment being filled comes on top. */
  readonly windowSegments?: number;
  /** Wall clock in ms since the epoch (default `Date.now`); gives `EXT-X-PROGRAM-DATE-TIME`. */
  readonly now?: () => number;
  /** Media time and wall clock may drift apart by this much (ms, default 1000) before the date is re-anchored. */
  readonly maxClockDriftMs?: number;
}

export interface PartRef {
  /** Media sequence number of the part's segment. */
  readonly msn: number;
  /** Index of the part in its segment (0 first). */
  readonly index: number;
  /** Number of the part in the stream (its name is `part<number>.m4s`). */
  readonly number: number;
}

export type LlHlsPlaylistEvents = {
  part: [PartRef];
  segment: [msn: number];
  closed: [];
};

interface Part extends PartRef {
  readonly bytes: Uint8Array;
  readonly duration: number;
  readonly independent: boolean;
}

interface Segment {
  readonly msn: number;
  readonly parts: Part[];
  /** Wall-clock time of the segment's first sample, ms since the epoch. */
  readonly programDateTime: number;
  duration: number;
  /** Whether the segment has ended (a later one started, or the playlist closed). */
  complete: boolean;
  bytes?: Uint8Array;
}

interface Waiter {
  /** Whether what the waiter waits for is there (or can no longer come). */
  readonly ready: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: BroadcastError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Three parts of 0.33333 s make 0.99999 s: durations are compared with this tolerance (s). */
const TOLERANCE = 0.01;
const NAME = /^(?:seg(\d+)|part(\d+))\.m4s$/;
export const INIT_NAME = 'init.mp4';

export class LlHlsPlaylist extends TypedEmitter<LlHlsPlaylistEvents> {
  readonly segmentTarget: number;
  readonly partTarget: number;
  readonly #window: number;
  readonly #now: () => number;
  readonly #maxDriftMs: number;
  #init: Uint8Array | undefined;
  /** Complete segments in the window, oldest first, then the one being filled. */
  #segments: Segment[] = [];
  #parts = new Map<number, Part>();
  #nextMsn = 0;
  #nextPart = 0;
  #targetDuration: number;
  /** Wall clock (ms) at media time 0, and media time (s) so far. */
  #anchor: number | undefined;
  #mediaTime = 0;
  #waiters = new Set<Waiter>();
  #closed = false;
  #dropped = 0;
  /**
   * The rendered playlist, kept until the next change: every viewer of a rendition asks for the
   * same text within a part duration (a blocking reload wakes them all at once), so it is
   * rendered once per part, not once per request.
   */
  #text: string | undefined;
  #bytes: Buffer | undefined;

  constructor(options: LlHlsPlaylistOptions = {}) {
    super();
    this.segmentTarget = options.segmentTarget ?? 1;
    this.partTarget = options.partTarget ?? 0.334;
    this.#window = Math.max(1, options.windowSegments ?? 6);
    this.#now = options.now ?? Date.now;
    this.#maxDriftMs = options.maxClockDriftMs ?? 1000;
    this.#targetDuration = Math.max(1, Math.ceil(this.segmentTarget - TOLERANCE));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Parts given before the first keyframe, which no segment can start with. */
  get droppedParts(): number {
    return this.#dropped;
  }

  /** Media sequence number of the first segment listed. */
  get mediaSequence(): number {
    return this.#segments[0]?.msn ?? this.#nextMsn;
  }

  /** The init segment's bytes (`EXT-X-MAP`). */
  setInit(bytes: Uint8Array): void {
    this.#assertOpen();
    this.#init = bytes;
  }

  /** Adds the next part; returns where it went, or undefined if it was dropped (no keyframe yet). */
  push(input: PartInput): PartRef | undefined {
    this.#assertOpen();
    if (!Number.isFinite(input.duration) || input.duration < 0) throw new BroadcastError('INVALID_PART', `duration ${input.duration}`);
    let current = this.#current();
    if (!current || (input.independent && current.duration >= this.segmentTarget - TOLERANCE)) {
      if (!current && !input.independent) {
        this.#dropped++;
        return undefined;
      }
      if (current) this.#complete(current);
      current = this.#startSegment(input.duration);
    }
    const part: Part = { msn: current.msn, index: current.parts.length, number: this.#nextPart++, bytes: input.bytes, duration: input.duration, independent: input.independent };
    current.parts.push(part);
    current.duration += part.duration;
    this.#mediaTime += part.duration;
    this.#parts.set(part.number, part);
    this.#trim();
    this.#changed();
    this.emit('part', { msn: part.msn, index: part.index, number: part.number });
    this.#wake();
    return { msn: part.msn, index: part.index, number: part.number };
  }

  /** The bytes behind a name of the playlist (`init.mp4`, `seg<msn>.m4s`, `part<n>.m4s`), if in the window. */
  lookup(name: string): Uint8Array | undefined {
    if (name === INIT_NAME) return this.#init;
    const match = NAME.exec(name);
    if (!match) return undefined;
    return match[1] !== undefined ? this.segment(Number(match[1])) : this.part(Number(match[2]));
  }

  /** A complete segment's bytes (its parts, concatenated). */
  segment(msn: number): Uint8Array | undefined {
    const segment = this.#segments.find((s) => s.msn === msn);
    if (!segment?.complete) return undefined;
    segment.bytes ??= concat(segment.parts.map((p) => p.bytes));
    return segment.bytes;
  }

  /** A part's bytes by its stream number. */
  part(number: number): Uint8Array | undefined {
    return this.#parts.get(number)?.bytes;
  }

  /**
   * Number of the part `#EXT-X-PRELOAD-HINT` names (the next one to be pushed), or undefined
   * once the playlist has ended.
   */
  get preloadHint(): number | undefined {
    return this.#closed ? undefined : this.#nextPart;
  }

  /**
   * Blocking playlist reload (`_HLS_msn`, `_HLS_part`): resolves once part `part` of segment `msn`
   * exists, or once that segment is complete when `part` is undefined (or beyond its last part).
   * Rejects with `PART_TOO_FAR_AHEAD` (more than two segments ahead), `PART_TIMEOUT` after
   * `timeoutMs` (default three target durations) or `PLAYLIST_CLOSED`.
   */
  waitFor(msn: number, part?: number, timeoutMs = 3000 * this.#targetDuration): Promise<void> {
    if (this.#has(msn, part)) return Promise.resolve();
    if (this.#closed) return Promise.reject(new BroadcastError('PLAYLIST_CLOSED', 'the broadcast has ended'));
    const last = this.#current()?.msn ?? this.#nextMsn;
    if (msn > last + 2) return Promise.reject(new BroadcastError('PART_TOO_FAR_AHEAD', `segment ${msn} asked for, the last is ${last}`));
    return this.#wait(() => this.#has(msn, part), timeoutMs, `segment ${msn} part ${part ?? '-'}`);
  }

  /**
   * A request for the part the preload hint names (RFC 8216bis §6.2.6: the server holds it):
   * resolves once part `number` has been pushed (at once if it already was, even if it has left
   * the window since). Rejects with `PART_TOO_FAR_AHEAD` for a part beyond the hint, which no
   * playlist has named yet, `PART_TIMEOUT` after `timeoutMs` (default three target durations) or
   * `PLAYLIST_CLOSED` when the playlist ends first.
   */
  waitForPart(number: number, timeoutMs = 3000 * this.#targetDuration): Promise<void> {
    if (number < this.#nextPart) return Promise.resolve();
    if (this.#closed) return Promise.reject(new BroadcastError('PLAYLIST_CLOSED', 'the broadcast has ended'));
    if (number > this.#nextPart) return Promise.reject(new BroadcastError('PART_TOO_FAR_AHEAD', `part ${number} asked for, the preload hint is part ${this.#nextPart}`));
    return this.#wait(() => number < this.#nextPart, timeoutMs, `part ${number}`);
  }

  /**
   * The media playlist as text. Rendered once per change (a part, the end) and kept: many
   * requests between two parts share it.
   */
  render(): string {
    this.#text ??= this.#render();
    return this.#text;
  }

  /** `render()` as UTF-8 bytes, also kept until the next change: what an HTTP answer sends. */
  renderBytes(): Buffer {
    this.#bytes ??= Buffer.from(this.render(), 'utf8');
    return this.#bytes;
  }

  #render(): string {
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      `#EXT-X-TARGETDURATION:${this.#targetDuration}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${ceil3(3 * this.partTarget)}`,
      `#EXT-X-PART-INF:PART-TARGET=${decimal(this.partTarget)}`,
      `#EXT-X-MAP:URI="${INIT_NAME}"`,
      `#EXT-X-MEDIA-SEQUENCE:${this.mediaSequence}`,
    ];
    // Parts are listed only near the live edge: RFC 8216bis drops them beyond three target durations.
    const total = this.#segments.reduce((sum, s) => sum + s.duration, 0);
    let start = 0;
    for (const segment of this.#segments) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateTime).toISOString()}`);
      if (total - (start + segment.duration) < 3 * this.#targetDuration) {
        for (const part of segment.parts) {
          lines.push(`#EXT-X-PART:DURATION=${decimal(part.duration)},URI="part${part.number}.m4s"${part.independent ? ',INDEPENDENT=YES' : ''}`);
        }
      }
      if (segment.complete) lines.push(`#EXTINF:${decimal(segment.duration)},`, `seg${segment.msn}.m4s`);
      start += segment.duration;
    }
    if (this.#closed) lines.push('#EXT-X-ENDLIST');
    else lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part${this.#nextPart}.m4s"`);
    return lines.join('\n') + '\n';
  }

  /**
   * Ends the playlist (`#EXT-X-ENDLIST`): the last segment completes, waiters are rejected, `closed`
   * is emitted once. Safe to call twice. The window stays readable so the end can still be served.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const current = this.#current();
    if (current) this.#complete(current);
    this.#changed();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      if (waiter.ready()) waiter.resolve();
      else waiter.reject(new BroadcastError('PLAYLIST_CLOSED', 'the broadcast has ended'));
    }
    this.#waiters.clear();
    this.emit('closed');
    this.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closed) throw new BroadcastError('PLAYLIST_CLOSED', 'the broadcast has ended');
  }

  #wait(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ready,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new BroadcastError('PART_TIMEOUT', `${what} did not come within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** The window changed: the rendered playlist is stale. */
  #changed(): void {
    this.#text = undefined;
    this.#bytes = undefined;
  }

  /** The segment being filled, if any. */
  #current(): Segment | undefined {
    const last = this.#segments.at(-1);
    return last && !last.complete ? last : undefined;
  }

  #startSegment(firstPartDuration: number): Segment {
    const now = this.#now();
    // The part is pushed once complete, so its first sample was captured about its duration ago.
    const expected = this.#anchor === undefined ? undefined : this.#anchor + (this.#mediaTime + firstPartDuration) * 1000;
    if (expected === undefined || Math.abs(now - expected) > this.#maxDriftMs) this.#anchor = now - (this.#mediaTime + firstPartDuration) * 1000;
    const segment: Segment = { msn: this.#nextMsn++, parts: [], programDateTime: Math.round(this.#anchor! + this.#mediaTime * 1000), duration: 0, complete: false };
    this.#segments.push(segment);
    return segment;
  }

  #complete(segment: Segment): void {
    segment.complete = true;
    // EXTINF rounded to the nearest integer must not exceed the target duration.
    this.#targetDuration = Math.max(this.#targetDuration, Math.round(segment.duration));
    this.emit('segment', segment.msn);
  }

  /** Drops the oldest complete segments beyond the window, and their parts. */
  #trim(): void {
    const complete = this.#segments.filter((s) => s.complete).length;
    for (let extra = complete - this.#window; extra > 0; extra--) {
      const oldest = this.#segments.shift()!;
      for (const part of oldest.parts) this.#parts.delete(part.number);
    }
  }

  #has(msn: number, part: number | undefined): boolean {
    const segment = this.#segments.find((s) => s.msn === msn);
    if (!segment) return msn < this.mediaSequence; // already left the window
    return segment.complete || (part !== undefined && part < segment.parts.length);
  }

  #wake(): void {
    for (const waiter of this.#waiters) {
      if (!waiter.ready()) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }
}

/** Seconds with five decimals, as in Apple's examples (`0.33333`). */
function decimal(seconds: number): string {
  return seconds.toFixed(5);
}

/** Rounded up to the millisecond, so a hold-back is never below its minimum. */
function ceil3(seconds: number): string {
  return (Math.ceil(seconds * 1000 - 1e-6) / 1000).toFixed(3);
}
