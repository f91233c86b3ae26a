import { describe, expect, it } from 'vitest';
import { streamDetails } from './stageFeeds.js';

describe('streamDetails', () => {
  it('reads the codec and simulcast flag of each published stream, by feed and mid', () => {
    const details = streamDetails({
      videoroom: 'event',
      publishers: [
        {
          id: 7,
          streams: [
            { type: 'audio', mid: '0', codec: 'opus' },
            { type: 'video', mid: '1', codec: 'VP8', simulcast: true },
            { type: 'video', mid: '2', disabled: true },
          ],
        },
        { id: 8, streams: [{ type: 'video', mid: '0', codec: 'h264' }] },
      ],
    });
    expect([...details.keys()]).toEqual([7, 8]);
    expect(details.get(7)).toEqual(
      new Map([
        ['0', { codec: 'opus', simulcast: false }],
        ['1', { codec: 'vp8', simulcast: true }],
        ['2', { codec: undefined, simulcast: false }],
      ]),
    );
    expect(details.get(8)?.get('0')).toEqual({ codec: 'h264', simulcast: false });
  });

  it('skips junk and events without publishers', () => {
    expect(streamDetails({ videoroom: 'event', unpublished: 7 }).size).toBe(0);
    const details = streamDetails({ publishers: [null, { id: 'x', streams: [] }, { id: 3, streams: [{ mid: 1 }, 'junk', { mid: 'a', codec: 5 }] }] });
    expect([...details.keys()]).toEqual([3]);
    expect(details.get(3)).toEqual(new Map([['a', { codec: undefined, simulcast: false }]]));
  });
});
