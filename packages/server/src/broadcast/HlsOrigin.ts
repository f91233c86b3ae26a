/**
 * The HLS origin's registry: which live renditions are served, under which stream id. It holds
 * each rendition's `LlHlsPlaylist` (the window in memory) and, optionally, the stream's master
 * playlist text; the HTTP routes (hlsRoutes.ts) only read from it.
 *
 * Stream ids are opaque random strings chosen by the caller (unguessable, so a stream's URL is
 * its only capability); rendition names are short lowercase words (`src`, `720p`, `360p`).
 * The origin owns what is published to it: `unpublish` and `close` end the playlists
 * (`#EXT-X-ENDLIST`), which also releases every blocked playlist request.
 */
import { TypedEmitter } from '@amphi/protocol';
import { BroadcastError } from './errors.js';
import type { LlHlsPlaylist } from './LlHlsPlaylist.js';

/** Stream ids: 8–64 URL-safe characters (base64url or hex of random bytes fit). */
export const STREAM_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** Rendition names: 1–16 lowercase letters and digits. */
export const RENDITION_NAME = /^[a-z0-9]{1,16}$/;
/** Longest master playlist accepted (characters): a ladder needs a few lines per rung. */
const MAX_MASTER_LENGTH = 64 * 1024;

export type HlsOriginEvents = {
  closed: [];
};

interface Stream {
  readonly renditions: Map<string, LlHlsPlaylist>;
  master: string | undefined;
}

export class HlsOrigin extends TypedEmitter<HlsOriginEvents> {
  #streams = new Map<string, Stream>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Number of streams with at least a rendition or a master playlist. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Serves `playlist` as rendition `renditionName` of stream `streamId`. Throws `INVALID_NAME`,
   * `ALREADY_PUBLISHED` (that rendition is already served: unpublish the stream first) or
   * `ORIGIN_CLOSED`.
   */
  publish(streamId: string, renditionName: string, playlist: LlHlsPlaylist): void {
    this.#assertOpen();
    assertStreamId(streamId);
    if (!RENDITION_NAME.test(renditionName)) throw new BroadcastError('INVALID_NAME', `rendition name must match ${RENDITION_NAME.source}`);
    const stream = this.#stream(streamId);
    if (stream.renditions.has(renditionName)) throw new BroadcastError('ALREADY_PUBLISHED', `rendition ${renditionName} of this stream`);
    stream.renditions.set(renditionName, playlist);
  }

  /** Sets (or replaces) the stream's master playlist, served as `master.m3u8`; throws `INVALID_MASTER_PLAYLIST`. */
  setMaster(streamId: string, text: string): void {
    this.#assertOpen();
    assertStreamId(streamId);
    if (!text.startsWith('#EXTM3U')) throw new BroadcastError('INVALID_MASTER_PLAYLIST', 'a master playlist starts with #EXTM3U');
    if (text.length > MAX_MASTER_LENGTH) throw new BroadcastError('INVALID_MASTER_PLAYLIST', `master playlist longer than ${MAX_MASTER_LENGTH}`);
    this.#stream(streamId).master = text;
  }

  /** The playlist of a rendition, or undefined (unknown or malformed names included: callers need not validate). */
  get(streamId: string, rendition: string): LlHlsPlaylist | undefined {
    return this.#streams.get(streamId)?.renditions.get(rendition);
  }

  /** The stream's master playlist text, if set. */
  master(streamId: string): string | undefined {
    return this.#streams.get(streamId)?.master;
  }

  /** Stops serving a stream and ends its playlists; returns whether it was served. Safe after close. */
  unpublish(streamId: string): boolean {
    const stream = this.#streams.get(streamId);
    if (!stream) return false;
    this.#streams.delete(streamId);
    for (const playlist of stream.renditions.values()) playlist.close();
    return true;
  }

  /** Ends every playlist and forgets every stream; emits `closed` once. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const streamId of [...this.#streams.keys()]) this.unpublish(streamId);
    this.emit('closed');
    this.removeAllListeners();
  }

  #stream(streamId: string): Stream {
    let stream = this.#streams.get(streamId);
    if (!stream) this.#streams.set(streamId, (stream = { renditions: new Map(), master: undefined }));
    return stream;
  }

  #assertOpen(): void {
    if (this.#closed) throw new BroadcastError('ORIGIN_CLOSED', 'the HLS origin has been closed');
  }
}

function assertStreamId(streamId: string): void {
  if (!STREAM_ID.test(streamId)) throw new BroadcastError('INVALID_NAME', `stream id must match ${STREAM_ID.source}`);
}
