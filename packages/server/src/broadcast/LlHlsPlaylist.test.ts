import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BroadcastError } from './errors.js';
import { LlHlsPlaylist, type LlHlsPlaylistOptions } from './LlHlsPlaylist.js';

const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
const THIRD = 1 / 3;

/** A playlist with a controllable clock; `feed(pattern)` pushes parts of 1/3 s, 'K' a keyframe, '.' not. */
function setup(options: LlHlsPlaylistOptions = {}) {
  let time = T0;
  let n = 0;
  const playlist = new LlHlsPlaylist({ now: () => time, ...options });
  playlist.setInit(new Uint8Array([1, 2, 3]));
  const feed = (pattern: string, duration = THIRD) => {
    for (const c of pattern) {
      time += duration * 1000;
      playlist.push({ bytes: new Uint8Array([n++]), duration, independent: c === 'K' });
    }
  };
  return { playlist, feed, advance: (ms: number) => (time += ms) };
}

/** The playlist's lines that start with `tag`. */
function tagged(text: string, tag: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(tag));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof BroadcastError ? error.code : 'other';
  }
}

describe('LlHlsPlaylist', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('groups parts into segments that start on a keyframe once the target is reached', () => {
    const { playlist, feed } = setup();
    feed('K..K..K.....K..');
    const text = playlist.render();
    expect(tagged(text, '#EXTINF')).toEqual(['#EXTINF:1.00000,', '#EXTINF:1.00000,', '#EXTINF:2.00000,']);
    expect(tagged(text, 'seg')).toEqual(['seg0.m4s', 'seg1.m4s', 'seg2.m4s']);
    // The open segment (parts 12–14) is listed by its parts only.
    expect(text.trimEnd().split('\n').slice(-4)).toEqual([
      '#EXT-X-PART:DURATION=0.33333,URI="part12.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.33333,URI="part13.m4s"',
      '#EXT-X-PART:DURATION=0.33333,URI="part14.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part15.m4s"',
    ]);
  });

  it('renders the LL-HLS header tags in order', () => {
    const { playlist, feed } = setup();
    feed('K..K.');
    expect(playlist.render().split('\n').slice(0, 8)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.002',
      '#EXT-X-PART-INF:PART-TARGET=0.33400',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-12T09:00:00.000Z',
    ]);
  });

  it('dates each segment from the wall clock of its first part', () => {
    const { playlist, feed } = setup();
    feed('K..K..K..');
    expect(tagged(playlist.render(), '#EXT-X-PROGRAM-DATE-TIME')).toEqual([
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-12T09:00:00.000Z',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-12T09:00:01.000Z',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-12T09:00:02.000Z',
    ]);
  });

  it('re-anchors the date when the encoder stalled longer than the allowed drift', () => {
    const { playlist, feed, advance } = setup();
    feed('K..');
    advance(5000);
    feed('K..');
    expect(tagged(playlist.render(), '#EXT-X-PROGRAM-DATE-TIME')[1]).toBe('#EXT-X-PROGRAM-DATE-TIME:2026-01-12T09:00:06.000Z');
  });

  it('keeps the last six segments and drops older ones with their bytes', () => {
    const { playlist, feed } = setup();
    feed('K..'.repeat(9) + 'K');
    const text = playlist.render();
    expect(tagged(text, '#EXT-X-MEDIA-SEQUENCE')).toEqual(['#EXT-X-MEDIA-SEQUENCE:3']);
    expect(tagged(text, 'seg')).toEqual(['seg3.m4s', 'seg4.m4s', 'seg5.m4s', 'seg6.m4s', 'seg7.m4s', 'seg8.m4s']);
    expect(playlist.lookup('seg2.m4s')).toBeUndefined();
    expect(playlist.lookup('part8.m4s')).toBeUndefined();
    expect(playlist.lookup('seg3.m4s')).toEqual(new Uint8Array([9, 10, 11]));
    expect(playlist.lookup('part27.m4s')).toEqual(new Uint8Array([27]));
    expect(playlist.lookup('init.mp4')).toEqual(new Uint8Array([1, 2, 3]));
    expect(playlist.lookup('seg9.m4s')).toBeUndefined(); // still being filled
    expect(playlist.lookup('../etc/passwd')).toBeUndefined();
  });

  it('lists parts only within three target durations of the live edge', () => {
    const { playlist, feed } = setup();
    feed('K..'.repeat(6) + 'K');
    const text = playlist.render();
    const firstPart = text.split('\n').findIndex((l) => l.startsWith('#EXT-X-PART:'));
    expect(text.split('\n').slice(firstPart - 1, firstPart + 1)).toEqual(['#EXT-X-PROGRAM-DATE-TIME:2026-01-12T09:00:03.000Z', '#EXT-X-PART:DURATION=0.33333,URI="part9.m4s",INDEPENDENT=YES']);
  });

  it('drops parts that come before the first keyframe', () => {
    const { playlist, feed } = setup();
    feed('..K..');
    expect(playlist.droppedParts).toBe(2);
    expect(tagged(playlist.render(), '#EXT-X-PART:')[0]).toBe('#EXT-X-PART:DURATION=0.33333,URI="part0.m4s",INDEPENDENT=YES');
  });

  it('raises the target duration when keyframes come rarely', () => {
    const { playlist, feed } = setup();
    feed('K.....K');
    expect(tagged(playlist.render(), '#EXT-X-TARGETDURATION')).toEqual(['#EXT-X-TARGETDURATION:2']);
  });

  it('resolves a blocking reload when the part asked for arrives', async () => {
    const { playlist, feed } = setup();
    feed('K.');
    await expect(playlist.waitFor(0, 1)).resolves.toBeUndefined();
    const part = playlist.waitFor(0, 2);
    const segment = playlist.waitFor(0);
    const next = playlist.waitFor(1, 0);
    let settled = 0;
    for (const p of [part, segment, next]) void p.then(() => settled++);
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(0);
    feed('.');
    await part;
    expect(settled).toBe(1);
    feed('K');
    await Promise.all([segment, next]);
    // Asking past the end of a complete segment is answered at once; so is a segment gone from the window.
    await expect(playlist.waitFor(0, 7)).resolves.toBeUndefined();
  });

  it('refuses a reload more than two segments ahead, and times out', async () => {
    const { playlist, feed } = setup();
    feed('K');
    expect(await codeOf(playlist.waitFor(3, 0))).toBe('PART_TOO_FAR_AHEAD');
    const waiting = codeOf(playlist.waitFor(2, 0, 3000));
    await vi.advanceTimersByTimeAsync(2999);
    feed('..');
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiting).toBe('PART_TIMEOUT');
  });

  it('ends the playlist on close, rejects waiters, and is safe to close twice', async () => {
    const { playlist, feed } = setup();
    const closed = vi.fn();
    playlist.on('closed', closed);
    feed('K..K.');
    const waiting = codeOf(playlist.waitFor(2, 0));
    playlist.close();
    playlist.close();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(await waiting).toBe('PLAYLIST_CLOSED');
    const text = playlist.render();
    expect(text.endsWith('seg1.m4s\n#EXT-X-ENDLIST\n')).toBe(true);
    expect(text).not.toContain('PRELOAD-HINT');
    expect(tagged(text, '#EXTINF')).toEqual(['#EXTINF:1.00000,', '#EXTINF:0.66667,']);
    expect(playlist.lookup('seg1.m4s')).toEqual(new Uint8Array([3, 4]));
    expect(() => playlist.push({ bytes: new Uint8Array(), duration: THIRD, independent: true })).toThrow(/PLAYLIST_CLOSED/);
    expect(await codeOf(playlist.waitFor(5, 0))).toBe('PLAYLIST_CLOSED');
    await expect(playlist.waitFor(1)).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds a request for the part the preload hint names until it is pushed', async () => {
    const { playlist, feed } = setup();
    feed('K..');
    expect(playlist.preloadHint).toBe(3);
    expect(playlist.render()).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part3.m4s"');
    await expect(playlist.waitForPart(1)).resolves.toBeUndefined();
    // Only the hinted part is held: no playlist has named the one after it yet.
    expect(await codeOf(playlist.waitForPart(4))).toBe('PART_TOO_FAR_AHEAD');
    let settled = false;
    const hinted = playlist.waitForPart(3).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(500);
    expect(settled).toBe(false);
    feed('.');
    await hinted;
    expect(playlist.lookup('part3.m4s')).toEqual(new Uint8Array([3]));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out a hinted part after three target durations, and rejects it when the playlist ends', async () => {
    const { playlist, feed } = setup();
    feed('K..');
    const late = codeOf(playlist.waitForPart(3));
    await vi.advanceTimersByTimeAsync(2999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await late).toBe('PART_TIMEOUT');
    const ended = codeOf(playlist.waitForPart(3));
    playlist.close();
    expect(await ended).toBe('PLAYLIST_CLOSED');
    expect(playlist.preloadHint).toBeUndefined();
    expect(await codeOf(playlist.waitForPart(3))).toBe('PLAYLIST_CLOSED');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('renders once per change and hands every reader the same text and bytes', () => {
    const { playlist, feed } = setup();
    feed('K..');
    const text = playlist.render();
    const bytes = playlist.renderBytes();
    expect(playlist.render()).toBe(text);
    expect(playlist.renderBytes()).toBe(bytes);
    expect(bytes.toString('utf8')).toBe(text);
    feed('.');
    expect(playlist.render()).not.toBe(text);
    expect(playlist.renderBytes()).not.toBe(bytes);
    expect(playlist.render()).toContain('URI="part3.m4s"');
    expect(playlist.renderBytes().toString('utf8')).toBe(playlist.render());
    playlist.close();
    expect(playlist.renderBytes().toString('utf8').endsWith('#EXT-X-ENDLIST\n')).toBe(true);
  });

  it('refuses a part without a valid duration', () => {
    const { playlist } = setup();
    expect(() => playlist.push({ bytes: new Uint8Array(), duration: Number.NaN, independent: true })).toThrow(/INVALID_PART/);
  });

  it('emits a part event per part and a segment event per completed segment', () => {
    const { playlist, feed } = setup();
    const parts = vi.fn();
    const segments = vi.fn();
    playlist.on('part', parts);
    playlist.on('segment', segments);
    feed('K..K');
    expect(parts.mock.calls.map(([p]) => [p.msn, p.index, p.number])).toEqual([
      [0, 0, 0],
      [0, 1, 1],
      [0, 2, 2],
      [1, 0, 3],
    ]);
    expect(segments.mock.calls).toEqual([[0]]);
  });
});
