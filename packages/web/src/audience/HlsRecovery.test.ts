import { describe, expect, it } from 'vitest';
import { fatalKindOf, HlsRecovery, MAX_RELOADS, MEDIA_ERROR_WINDOW_MS } from './HlsRecovery.js';

function recovery() {
  let now = 0;
  const r = new HlsRecovery(() => now);
  return { r, advance: (ms: number) => (now += ms) };
}

describe('HlsRecovery', () => {
  it('recovers a media error in place', () => {
    expect(recovery().r.onFatal('media')).toEqual({ action: 'recoverMedia' });
  });

  it('swaps the audio codec when a media error comes back soon, then rebuilds the player', () => {
    const { r, advance } = recovery();
    r.onFatal('media');
    advance(MEDIA_ERROR_WINDOW_MS - 1);
    expect(r.onFatal('media')).toEqual({ action: 'swapAudioCodec' });
    advance(100);
    expect(r.onFatal('media').action).toBe('reload');
  });

  it('recovers in place again when the next media error comes much later', () => {
    const { r, advance } = recovery();
    r.onFatal('media');
    advance(MEDIA_ERROR_WINDOW_MS);
    expect(r.onFatal('media')).toEqual({ action: 'recoverMedia' });
  });

  it('retries loading after network errors with a growing delay, without giving up', () => {
    const { r } = recovery();
    const delays = Array.from({ length: 6 }, () => r.onFatal('network'));
    expect(delays.map((s) => (s.action === 'startLoad' ? s.delayMs : null))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('reloads the master playlist when it failed to load', () => {
    expect(recovery().r.onFatal('manifest')).toEqual({ action: 'reload', delayMs: 1000 });
  });

  it('gives up after a few rebuilds without playback, and starts afresh once playing', () => {
    const { r } = recovery();
    for (let i = 0; i < MAX_RELOADS; i++) expect(r.onFatal('other').action).toBe('reload');
    expect(r.onFatal('other')).toEqual({ action: 'giveUp' });
    r.onPlaying();
    expect(r.onFatal('other')).toEqual({ action: 'reload', delayMs: 1000 });
    expect(r.onFatal('network')).toEqual({ action: 'startLoad', delayMs: 1000 });
  });
});

describe('fatalKindOf', () => {
  it("sorts hls.js's error types", () => {
    expect(fatalKindOf('mediaError', 'bufferStalledError')).toBe('media');
    expect(fatalKindOf('networkError', 'fragLoadError')).toBe('network');
    expect(fatalKindOf('networkError', 'levelLoadTimeOut')).toBe('network');
    expect(fatalKindOf('networkError', 'manifestLoadError')).toBe('manifest');
    expect(fatalKindOf('muxError', 'fragParsingError')).toBe('other');
  });
});
