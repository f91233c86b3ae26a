import { describe, expect, it } from 'vitest';
import { REACTIONS } from '@amphi/protocol';
import { REACTION_EMOJI, floatsFor } from './reactionFloats.js';

describe('REACTION_EMOJI', () => {
  it('draws every reaction of the protocol, a question as ❓ (✋ is the raised hand)', () => {
    expect(Object.keys(REACTION_EMOJI)).toEqual([...REACTIONS]);
    expect(REACTION_EMOJI.question).toBe('❓');
  });
});

describe('floatsFor', () => {
  it('draws one floating reaction per reaction counted, in the bar’s order', () => {
    expect(floatsFor({ heart: 1, thumbsUp: 2 }, {})).toEqual(['thumbsUp', 'thumbsUp', 'heart']);
  });

  it('draws at most a few of each in a large room', () => {
    expect(floatsFor({ clap: 800 }, {}, 5)).toHaveLength(5);
  });

  it('leaves out one’s own reactions, already drawn when sent', () => {
    expect(floatsFor({ clap: 2, laugh: 1 }, { clap: 1, laugh: 3 })).toEqual(['clap']);
  });
});
