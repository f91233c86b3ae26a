import { describe, expect, it } from 'vitest';
import { backToLiveVisible, LIVE_SYNC_S, liveSeekTarget, secondsBehindLive } from './liveEdge.js';

describe('secondsBehindLive', () => {
  it("takes hls.js's latency when it has one", () => {
    expect(secondsBehindLive({ latency: 4.2, currentTime: 10, seekableEnd: 30 })).toBe(4.2);
  });

  it('measures from the end of the seekable range otherwise (native HLS)', () => {
    expect(secondsBehindLive({ latency: null, currentTime: 10, seekableEnd: 16 })).toBe(6);
    expect(secondsBehindLive({ latency: 0, currentTime: 10, seekableEnd: 11.5 })).toBe(1.5);
  });

  it('is never negative', () => {
    expect(secondsBehindLive({ latency: null, currentTime: 12, seekableEnd: 11 })).toBe(0);
  });

  it('is unknown without a latency or a seekable range', () => {
    expect(secondsBehindLive({ latency: null, currentTime: 3, seekableEnd: null })).toBeNull();
    expect(secondsBehindLive({ latency: Number.NaN, currentTime: 3, seekableEnd: Number.POSITIVE_INFINITY })).toBeNull();
  });
});

describe('backToLiveVisible', () => {
  it('stays hidden at the usual live distance', () => {
    expect(backToLiveVisible(false, 1.5)).toBe(false);
    expect(backToLiveVisible(false, 3)).toBe(false);
  });

  it('shows when more than 3 s behind', () => {
    expect(backToLiveVisible(false, 3.1)).toBe(true);
  });

  it('stays shown until the player is back within 2 s, so it does not flicker', () => {
    expect(backToLiveVisible(true, 2.5)).toBe(true);
    expect(backToLiveVisible(true, 2)).toBe(false);
  });

  it('hides when the distance is unknown', () => {
    expect(backToLiveVisible(true, null)).toBe(false);
  });
});

describe('liveSeekTarget', () => {
  it("seeks to hls.js's live sync position", () => {
    expect(liveSeekTarget({ liveSyncPosition: 41.5, seekableEnd: 43 })).toBe(41.5);
  });

  it('seeks a little before the end of the seekable range without it', () => {
    expect(liveSeekTarget({ liveSyncPosition: null, seekableEnd: 43 })).toBeCloseTo(43 - LIVE_SYNC_S);
  });

  it('has nowhere to go without a live edge', () => {
    expect(liveSeekTarget({ liveSyncPosition: null, seekableEnd: null })).toBeNull();
  });
});
