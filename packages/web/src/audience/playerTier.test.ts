import { describe, expect, it } from 'vitest';
import { initialTier, nextTier, noFramesYet, NO_FRAMES_TIMEOUT_MS, type Program, type TierState } from './playerTier.js';

const both: Program = { webrtc: true, hls: '/hls/a/master.m3u8', startedAt: 1000 };
const hlsOnly: Program = { webrtc: false, hls: '/hls/a/master.m3u8', startedAt: 1000 };
const nothing: Program = { webrtc: false, hls: null, startedAt: 1000 };

describe('initialTier', () => {
  it('tries WebRTC first when the server feeds the low-latency tier', () => {
    expect(initialTier(both).tier).toBe('webrtc');
    expect(initialTier({ ...both, hls: null }).tier).toBe('webrtc');
  });

  it('plays HLS when there is no WebRTC tier', () => {
    expect(initialTier(hlsOnly).tier).toBe('hls');
  });

  it('waits while nothing is playable yet', () => {
    expect(initialTier(nothing).tier).toBeNull();
  });
});

describe('nextTier', () => {
  it.each(['full', 'failed', 'noFrames'] as const)('falls back to HLS when WebRTC reports %s', (reason) => {
    const state = nextTier(initialTier(both), { type: 'webrtcFailed', reason });
    expect(state.tier).toBe('hls');
    expect(state.fallback).toBe(reason);
  });

  it('waits for the HLS playlist when WebRTC fails before it exists, then plays it', () => {
    let state = nextTier(initialTier({ ...both, hls: null }), { type: 'webrtcFailed', reason: 'full' });
    expect(state.tier).toBeNull();
    state = nextTier(state, { type: 'program', program: both });
    expect(state.tier).toBe('hls');
  });

  it('does not try WebRTC again during the same broadcast once it failed', () => {
    let state = nextTier(initialTier(both), { type: 'webrtcFailed', reason: 'failed' });
    state = nextTier(state, { type: 'program', program: { ...both, hls: '/hls/b/master.m3u8' } });
    expect(state.tier).toBe('hls');
  });

  it('tries WebRTC again when a new broadcast starts', () => {
    let state = nextTier(initialTier(both), { type: 'webrtcFailed', reason: 'full' });
    state = nextTier(state, { type: 'program', program: { ...both, startedAt: 5000 } });
    expect(state).toEqual<TierState>({ tier: 'webrtc', fallback: null, program: { ...both, startedAt: 5000 } });
  });

  it('moves to WebRTC when the tier becomes available while playing HLS', () => {
    const state = nextTier(initialTier(hlsOnly), { type: 'program', program: both });
    expect(state.tier).toBe('webrtc');
  });

  it('moves to HLS when the server stops feeding WebRTC', () => {
    const state = nextTier(initialTier(both), { type: 'program', program: hlsOnly });
    expect(state.tier).toBe('hls');
    expect(state.fallback).toBeNull();
  });

  it('ignores a late failure from a WebRTC player that was already replaced', () => {
    const onHls = nextTier(initialTier(both), { type: 'program', program: hlsOnly });
    expect(nextTier(onHls, { type: 'webrtcFailed', reason: 'noFrames' })).toBe(onHls);
  });
});

describe('noFramesYet', () => {
  it('gives WebRTC time to show a first frame', () => {
    expect(noFramesYet({ since: 0, now: NO_FRAMES_TIMEOUT_MS - 1, framesDecoded: 0 })).toBe(false);
  });

  it('gives up once the time passed without a frame', () => {
    expect(noFramesYet({ since: 0, now: NO_FRAMES_TIMEOUT_MS, framesDecoded: 0 })).toBe(true);
  });

  it('is content with any decoded frame', () => {
    expect(noFramesYet({ since: 0, now: 60_000, framesDecoded: 1 })).toBe(false);
  });
});
