import { describe, expect, it } from 'vitest';
import { DelayedRelease, releaseAt } from './DelayedRelease.js';

const at = (seq: number, mediaTime: number | null) => ({ seq, mediaTime });

interface Stamped {
  seq: number;
  mediaTime: number | null;
  kind: string;
}

describe('releaseAt', () => {
  it('releases the events whose media time the playback has reached, and holds the rest in order', () => {
    const events = [at(1, 1_000), at(2, 2_000), at(3, 3_000)];
    expect(releaseAt(events, 2_000)).toEqual({ released: [at(1, 1_000), at(2, 2_000)], held: [at(3, 3_000)] });
    expect(releaseAt(events, 999)).toEqual({ released: [], held: events });
  });

  it('never releases an event ahead of an earlier held one', () => {
    // seq 3 has no media time (no clock ran) but must wait behind seq 2.
    expect(releaseAt([at(1, 1_000), at(2, 5_000), at(3, null)], 2_000).released).toEqual([at(1, 1_000)]);
  });

  it('releases events without media time at once, even before the player reports a position', () => {
    expect(releaseAt([at(1, null), at(2, 10)], null)).toEqual({ released: [at(1, null)], held: [at(2, 10)] });
  });
});

describe('DelayedRelease with a viewer 3 s behind the live edge', () => {
  /**
   * The teacher's side: a log stamped by the live session's media clock, which runs with
   * wall time here. The viewer plays the same program 3 s late.
   */
  function lecture() {
    let wall = 0;
    let seq = 0;
    const viewer = new DelayedRelease<Stamped>();
    const shown: { kind: string; wall: number }[] = [];
    const show = (events: readonly Stamped[]) => shown.push(...events.map((e) => ({ kind: e.kind, wall })));
    // The teacher's log numbers each event and stamps it with the media clock (wall time here);
    // the viewer's socket receives it at once, as the server delivers it.
    const log = {
      append(kind: string) {
        show(viewer.push([{ seq: ++seq, mediaTime: wall, kind }]));
      },
    };
    const DELAY_MS = 3_000;
    return {
      log,
      viewer,
      shown,
      /** Moves time forward in 100 ms steps, the player reporting its position at each. */
      play(ms: number) {
        for (let step = 0; step < ms; step += 100) {
          wall += 100;
          show(viewer.advance(wall - DELAY_MS));
        }
      },
    };
  }

  it('shows the poll opening when the viewer’s playback reaches it, 3 s after the teacher opened it', () => {
    const { log, viewer, shown, play } = lecture();
    play(10_000);
    log.append('poll.opened');
    expect(shown).toEqual([]);
    expect(viewer.nextDueAt).toBe(10_000);
    play(2_900);
    expect(shown).toEqual([]);
    play(100);
    expect(shown).toEqual([{ kind: 'poll.opened', wall: 13_000 }]);
    expect(viewer.held).toBe(0);
  });

  it('keeps the teacher’s order and spacing: a slide change at 20 s, "answering now" at 21 s', () => {
    const { log, shown, play } = lecture();
    play(20_000);
    log.append('slide.changed');
    play(1_000);
    log.append('question.answering');
    play(5_000);
    expect(shown).toEqual([
      { kind: 'slide.changed', wall: 23_000 },
      { kind: 'question.answering', wall: 24_000 },
    ]);
  });

  it('shows everything at once when the viewer jumps to the live edge', () => {
    const { log, viewer, play } = lecture();
    play(1_000);
    log.append('poll.opened');
    log.append('poll.closed');
    expect(viewer.flush().map((e) => e.kind)).toEqual(['poll.opened', 'poll.closed']);
    expect(viewer.held).toBe(0);
  });
});

describe('DelayedRelease', () => {
  it('holds synced events until the player reports a position', () => {
    const release = new DelayedRelease();
    expect(release.push([at(1, 0)])).toEqual([]);
    expect(release.advance(0)).toEqual([at(1, 0)]);
  });

  it('releases events that do not follow the video on arrival', () => {
    const release = new DelayedRelease<{ seq: number; mediaTime: number | null; kind: string }>({ synced: (e) => e.kind !== 'chat' });
    release.advance(0);
    const poll = { seq: 1, mediaTime: 5_000, kind: 'poll' };
    const chat = { seq: 2, mediaTime: 5_100, kind: 'chat' };
    expect(release.push([poll, chat])).toEqual([chat]);
    expect(release.advance(5_000)).toEqual([poll]);
  });

  it('ignores events it already received (a resume that overlaps)', () => {
    const release = new DelayedRelease();
    release.advance(100);
    expect(release.push([at(1, 50), at(2, 60)])).toHaveLength(2);
    expect(release.push([at(2, 60), at(3, 70)])).toEqual([at(3, 70)]);
  });

  it('takes nothing back when the viewer seeks backwards', () => {
    const release = new DelayedRelease();
    release.advance(5_000);
    expect(release.push([at(1, 4_000), at(2, 6_000)])).toEqual([at(1, 4_000)]);
    expect(release.advance(1_000)).toEqual([]);
    expect(release.playback).toBe(5_000);
    expect(release.advance(6_000)).toEqual([at(2, 6_000)]);
  });
});
