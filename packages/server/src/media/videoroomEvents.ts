import type { MediaSource, RemoteStream } from '@amphi/protocol';

/** A stream published in Janus (active, audio or video). */
export interface FeedStream {
  mid: string;
  type: 'audio' | 'video';
}

/** What a VideoRoom event says about feeds: their current streams, and the feeds that went away. */
export interface FeedChanges {
  /** Feed id → its active streams (a full list, replacing the previous one). */
  published: Map<number, FeedStream[]>;
  /** Feeds that stopped publishing or left. */
  gone: number[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the `publishers` list and the `unpublished` / `leaving` ids of a VideoRoom event.
 * Junk entries are skipped; disabled streams and data channels are left out.
 */
export function feedChanges(data: Record<string, unknown>): FeedChanges {
  const published = new Map<number, FeedStream[]>();
  if (Array.isArray(data.publishers)) {
    for (const entry of data.publishers) {
      if (!isRecord(entry) || typeof entry.id !== 'number' || !Array.isArray(entry.streams)) continue;
      const active: FeedStream[] = [];
      for (const s of entry.streams) {
        if (isRecord(s) && typeof s.mid === 'string' && (s.type === 'audio' || s.type === 'video') && s.disabled !== true) active.push({ mid: s.mid, type: s.type });
      }
      published.set(entry.id, active);
    }
  }
  const gone = (['unpublished', 'leaving'] as const).map((key) => data[key]).filter((id): id is number => typeof id === 'number');
  return { published, gone };
}

/** Who owns a feed and what each of its mids carries, as Amphi knows it. */
export type FeedOwner = (feedId: number) => { participantId: string; sources: ReadonlyMap<string, MediaSource> } | undefined;

/** Key of a publisher's stream in a subscription. */
export const streamKey = (feedId: number, feedMid: string): string => `${feedId}/${feedMid}`;

/**
 * Reads the `streams` of a subscriber's `attached` / `updated` event: which subscription mid
 * carries whose microphone, camera, screen or screen sound. Streams of unknown feeds or
 * undeclared mids, inactive ones and data channels are left out.
 */
export function subscriptionStreams(streams: unknown, owner: FeedOwner): { byKey: Map<string, string>; streams: RemoteStream[] } {
  const byKey = new Map<string, string>();
  const result: RemoteStream[] = [];
  if (!Array.isArray(streams)) return { byKey, streams: result };
  for (const s of streams) {
    if (!isRecord(s) || typeof s.mid !== 'string' || typeof s.feed_id !== 'number' || typeof s.feed_mid !== 'string' || s.active === false) continue;
    if (s.type !== 'audio' && s.type !== 'video') continue;
    const known = owner(s.feed_id);
    const source = known?.sources.get(s.feed_mid);
    if (!known || !source) continue;
    byKey.set(streamKey(s.feed_id, s.feed_mid), s.mid);
    result.push({ mid: s.mid, participantId: known.participantId, source, kind: s.type });
  }
  return { byKey, streams: result };
}
