import { describe, expect, it } from 'vitest';
import { floatsFor } from './reactionFloats.js';

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
