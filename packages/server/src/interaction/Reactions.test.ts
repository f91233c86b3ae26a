import { describe, expect, it } from 'vitest';
import { AmphiError } from '@amphi/protocol';
import { REACTIONS, Reactions, mergeTallies, type ReactionTally } from './Reactions.js';

function setup() {
  let time = 1_000;
  const reactions = new Reactions({ now: () => time, rate: { capacity: 3, refillPerSecond: 1 } });
  return { reactions, advance: (ms: number) => (time += ms) };
}

describe('Reactions', () => {
  it('has a small fixed set of names', () => {
    expect(REACTIONS).toEqual(['thumbsUp', 'clap', 'laugh', 'surprised', 'heart', 'question']);
  });

  it('refuses a reaction outside the set (no free text)', () => {
    const { reactions } = setup();
    for (const name of ['👍', 'thumbsup', '<b>hi</b>', '', 7, null, '__proto__', 'toString']) {
      expect(() => reactions.react('ana', name)).toThrow(AmphiError);
    }
    expect(reactions.pending).toBe(0);
  });

  it('sends one tally per window instead of one message per reaction', () => {
    const { reactions, advance } = setup();
    for (let i = 0; i < 1_000; i++) reactions.react(`viewer-${i}`, i % 4 === 0 ? 'heart' : 'clap');
    advance(1_000);
    expect(reactions.flush()).toEqual({ from: 1_000, to: 2_000, counts: { heart: 250, clap: 750 }, total: 1_000 });
    advance(1_000);
    reactions.react('viewer-1', 'laugh');
    expect(reactions.flush()).toEqual({ from: 2_000, to: 3_000, counts: { laugh: 1 }, total: 1 });
  });

  it('sends nothing for a window without reactions', () => {
    const { reactions, advance } = setup();
    advance(1_000);
    expect(reactions.flush()).toBeNull();
  });

  it('drops a person’s reactions beyond their limit, saying when they may react again', () => {
    const { reactions, advance } = setup();
    for (let i = 0; i < 3; i++) expect(reactions.react('ana', 'clap')).toEqual({ accepted: true });
    expect(reactions.react('ana', 'clap')).toEqual({ accepted: false, retryAfterMs: 1_000 });
    expect(reactions.react('ben', 'clap')).toEqual({ accepted: true });
    expect(reactions.flush()?.counts).toEqual({ clap: 4 });
    advance(1_000);
    expect(reactions.react('ana', 'clap')).toEqual({ accepted: true });
  });
});

describe('mergeTallies', () => {
  it('adds up the tallies of several instances over the same period', () => {
    const a: ReactionTally = { from: 1_000, to: 2_000, counts: { clap: 3, heart: 1 }, total: 4 };
    const b: ReactionTally = { from: 1_010, to: 2_005, counts: { clap: 2, question: 1 }, total: 3 };
    expect(mergeTallies([a, null, b])).toEqual({ from: 1_000, to: 2_005, counts: { clap: 5, heart: 1, question: 1 }, total: 7 });
    expect(mergeTallies([null])).toBeNull();
  });
});
