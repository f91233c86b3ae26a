import { describe, expect, it } from 'vitest';
import { liveProgramClock, playbackClock } from './programClock.js';

describe('playbackClock', () => {
  it('shows events on arrival while the program plays live or no player plays', () => {
    expect(playbackClock(liveProgramClock)).toBeNull();
    expect(playbackClock(null)).toBeNull();
  });

  it('follows an HLS player’s program time, null until it knows it', () => {
    let programTime: number | null = null;
    const clock = playbackClock({ now: () => programTime })!;
    expect(clock()).toBeNull();
    programTime = 1_700_000_003_000;
    expect(clock()).toBe(1_700_000_003_000);
  });
});
