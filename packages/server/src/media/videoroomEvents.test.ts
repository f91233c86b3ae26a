import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MediaSource } from '@amphi/protocol';
import { feedChanges, subscriptionStreams, type FeedOwner } from './videoroomEvents.js';

describe('reading VideoRoom feed events', () => {
  it('lists each publisher’s active audio and video streams, without disabled ones or data channels', () => {
    const { published, gone } = feedChanges({
      videoroom: 'event',
      publishers: [
        { id: 7, streams: [{ mid: '0', type: 'audio' }, { mid: '1', type: 'video' }, { mid: '2', type: 'video', disabled: true }, { mid: '3', type: 'data' }] },
        { id: 8, streams: [] },
      ],
    });
    expect([...published]).toEqual([
      [7, [{ mid: '0', type: 'audio' }, { mid: '1', type: 'video' }]],
      [8, []],
    ]);
    expect(gone).toEqual([]);
  });

  it('reports feeds that unpublished or left', () => {
    expect(feedChanges({ unpublished: 7 }).gone).toEqual([7]);
    expect(feedChanges({ leaving: 9 }).gone).toEqual([9]);
    expect(feedChanges({ leaving: 'ok' }).gone).toEqual([]);
  });

  it('skips junk instead of failing', () => {
    expect(feedChanges({ publishers: [null, 3, { id: 'x', streams: [] }, { id: 4 }, { id: 5, streams: [null, { mid: 1, type: 'audio' }] }] }).published).toEqual(new Map([[5, []]]));
    fc.assert(fc.property(fc.jsonValue(), (value) => feedChanges({ publishers: value, unpublished: value }) !== undefined));
  });
});

describe('reading a subscription’s streams', () => {
  const sources = new Map<string, MediaSource>([['0', 'mic'], ['1', 'camera'], ['2', 'screenAudio']]);
  const owner: FeedOwner = (feed) => (feed === 7 ? { participantId: 'ann', sources } : undefined);

  it('maps each subscription mid to whose microphone, camera or screen sound it carries', () => {
    const { byKey, streams } = subscriptionStreams(
      [
        { mid: '0', type: 'audio', feed_id: 7, feed_mid: '0' },
        { mid: '1', type: 'video', feed_id: 7, feed_mid: '1' },
        { mid: '2', type: 'audio', feed_id: 7, feed_mid: '2' },
      ],
      owner,
    );
    expect(streams).toEqual([
      { mid: '0', participantId: 'ann', source: 'mic', kind: 'audio' },
      { mid: '1', participantId: 'ann', source: 'camera', kind: 'video' },
      { mid: '2', participantId: 'ann', source: 'screenAudio', kind: 'audio' },
    ]);
    expect([...byKey]).toEqual([['7/0', '0'], ['7/1', '1'], ['7/2', '2']]);
  });

  it('leaves out inactive streams, unknown feeds, undeclared mids and data channels', () => {
    const { streams } = subscriptionStreams(
      [
        { mid: '0', type: 'audio', feed_id: 7, feed_mid: '0', active: false },
        { mid: '1', type: 'video', feed_id: 8, feed_mid: '1' },
        { mid: '2', type: 'video', feed_id: 7, feed_mid: '9' },
        { mid: '3', type: 'data', feed_id: 7, feed_mid: '1' },
        'junk',
      ],
      owner,
    );
    expect(streams).toEqual([]);
    fc.assert(fc.property(fc.jsonValue(), (value) => Array.isArray(subscriptionStreams(value, owner).streams)));
  });
});
