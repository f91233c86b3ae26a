import { describe, expect, it } from 'vitest';
import { AUTO_QUALITY, autoDetail, levelLabel, qualityOptions } from './quality.js';

const ladder = [
  { height: 360, bitrate: 800_000 },
  { height: 1080, bitrate: 5_000_000 },
  { height: 720, bitrate: 2_500_000 },
];

describe('qualityOptions', () => {
  it('offers Auto first, then each level from the best down, by its index', () => {
    expect(qualityOptions(ladder)).toEqual([
      { value: AUTO_QUALITY, label: null },
      { value: 1, label: '1080p' },
      { value: 2, label: '720p' },
      { value: 0, label: '360p' },
    ]);
  });

  it('offers only Auto before the levels are known', () => {
    expect(qualityOptions([])).toEqual([{ value: AUTO_QUALITY, label: null }]);
  });
});

describe('levelLabel', () => {
  it('tells two levels of the same height apart by their bit rate', () => {
    const levels = [
      { height: 720, bitrate: 1_500_000 },
      { height: 720, bitrate: 3_000_000 },
    ];
    expect(levelLabel(levels, 0)).toBe('720p (1500 kb/s)');
    expect(levelLabel(levels, 1)).toBe('720p (3000 kb/s)');
  });

  it('gives the bit rate when the height is unknown', () => {
    expect(levelLabel([{ height: 0, bitrate: 128_000 }], 0)).toBe('128 kb/s');
  });
});

describe('autoDetail', () => {
  it('names the level playing now', () => {
    expect(autoDetail(ladder, 2)).toBe('720p');
  });

  it('has nothing to say before a level plays', () => {
    expect(autoDetail(ladder, -1)).toBeNull();
    expect(autoDetail([], 0)).toBeNull();
  });
});
