import { describe, expect, it } from 'vitest';
import { startPlayback, type Playable } from './autoplay.js';

function refusal(name: string): Error {
  const err = new Error(name);
  err.name = name;
  return err;
}

/** A media element whose play() answers as a browser would, with or without sound. */
function media({ withSound, muted }: { withSound: Error | null; muted: Error | null }, startMuted = false): Playable & { calls: boolean[] } {
  const calls: boolean[] = [];
  return {
    muted: startMuted,
    calls,
    play() {
      calls.push(this.muted);
      const refused = this.muted ? muted : withSound;
      return refused ? Promise.reject(refused) : Promise.resolve();
    },
  };
}

describe('startPlayback', () => {
  it('plays with sound when the browser allows it', async () => {
    const video = media({ withSound: null, muted: null });
    expect(await startPlayback(video)).toBe('playing');
    expect(video.muted).toBe(false);
  });

  it('plays muted when the browser refuses sound without a click', async () => {
    const video = media({ withSound: refusal('NotAllowedError'), muted: null });
    expect(await startPlayback(video)).toBe('muted');
    expect(video.calls).toEqual([false, true]);
    expect(video.muted).toBe(true);
  });

  it('reports a refusal even muted, so the player can show Play', async () => {
    const video = media({ withSound: refusal('NotAllowedError'), muted: refusal('NotAllowedError') });
    expect(await startPlayback(video)).toBe('blocked');
  });

  it('keeps a player muted by its viewer muted, and plays it', async () => {
    const video = media({ withSound: refusal('NotAllowedError'), muted: null }, true);
    expect(await startPlayback(video)).toBe('playing');
    expect(video.calls).toEqual([true]);
  });

  it('reports an attempt interrupted by a new source as aborted', async () => {
    expect(await startPlayback(media({ withSound: refusal('AbortError'), muted: null }))).toBe('aborted');
  });

  it('does not mute for other failures', async () => {
    const video = media({ withSound: refusal('NotSupportedError'), muted: null });
    expect(await startPlayback(video)).toBe('blocked');
    expect(video.muted).toBe(false);
  });
});
