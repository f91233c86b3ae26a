import { describe, expect, it } from 'vitest';
import { BroadcastError } from './errors.js';
import { HlsOrigin } from './HlsOrigin.js';
import { LlHlsPlaylist } from './LlHlsPlaylist.js';

const STREAM = 'k3J9_x-Qr7pLmN2a';

function codeOf(action: () => unknown): string {
  try {
    action();
    return 'ok';
  } catch (error) {
    return error instanceof BroadcastError ? error.code : 'other';
  }
}

describe('HlsOrigin', () => {
  it('serves a published rendition under its stream id and name', () => {
    const origin = new HlsOrigin();
    const playlist = new LlHlsPlaylist();
    origin.publish(STREAM, '720p', playlist);
    expect(origin.get(STREAM, '720p')).toBe(playlist);
    expect(origin.get(STREAM, '360p')).toBeUndefined();
    expect(origin.get('otherStream1', '720p')).toBeUndefined();
    expect(origin.size).toBe(1);
  });

  it('accepts stream ids of 8 to 64 URL-safe characters and nothing else', () => {
    const origin = new HlsOrigin();
    for (const id of ['abcdefgh', 'A'.repeat(64), 'a-b_c-D9', STREAM]) expect(codeOf(() => origin.publish(id, 'src', new LlHlsPlaylist()))).toBe('ok');
    for (const id of ['', 'abcdefg', 'A'.repeat(65), 'abc/defgh', 'abc.defgh', '../../etc', 'abcdefgh ', 'abcdéfgh', 'abcdefgh\n']) {
      expect(codeOf(() => origin.publish(id, 'src', new LlHlsPlaylist())), JSON.stringify(id)).toBe('INVALID_NAME');
      expect(codeOf(() => origin.setMaster(id, '#EXTM3U\n')), JSON.stringify(id)).toBe('INVALID_NAME');
    }
  });

  it('accepts rendition names of 1 to 16 lowercase letters and digits and nothing else', () => {
    const origin = new HlsOrigin();
    for (const name of ['src', '720p', 'a', 'x'.repeat(16)]) expect(codeOf(() => origin.publish(STREAM, name, new LlHlsPlaylist()))).toBe('ok');
    for (const name of ['', '720P', 'x'.repeat(17), 'a-b', 'a.b', 'playlist.m3u8', 'master.m3u8', '..']) {
      expect(codeOf(() => origin.publish(STREAM, name, new LlHlsPlaylist())), name).toBe('INVALID_NAME');
    }
  });

  it('refuses to publish a rendition twice under one stream', () => {
    const origin = new HlsOrigin();
    const first = new LlHlsPlaylist();
    origin.publish(STREAM, 'src', first);
    expect(codeOf(() => origin.publish(STREAM, 'src', new LlHlsPlaylist()))).toBe('ALREADY_PUBLISHED');
    expect(origin.get(STREAM, 'src')).toBe(first);
  });

  it('keeps a master playlist per stream and refuses text that is not one', () => {
    const origin = new HlsOrigin();
    origin.setMaster(STREAM, '#EXTM3U\n#EXT-X-VERSION:9\n');
    expect(origin.master(STREAM)).toBe('#EXTM3U\n#EXT-X-VERSION:9\n');
    expect(origin.master('otherStream1')).toBeUndefined();
    expect(codeOf(() => origin.setMaster(STREAM, '<html>'))).toBe('INVALID_MASTER_PLAYLIST');
    expect(codeOf(() => origin.setMaster(STREAM, '#EXTM3U\n' + '#'.repeat(70_000)))).toBe('INVALID_MASTER_PLAYLIST');
    expect(origin.master(STREAM)).toBe('#EXTM3U\n#EXT-X-VERSION:9\n');
  });

  it('ends the playlists of an unpublished stream and stops serving it', () => {
    const origin = new HlsOrigin();
    const playlist = new LlHlsPlaylist();
    origin.publish(STREAM, 'src', playlist);
    origin.setMaster(STREAM, '#EXTM3U\n');
    expect(origin.unpublish(STREAM)).toBe(true);
    expect(playlist.closed).toBe(true);
    expect(origin.get(STREAM, 'src')).toBeUndefined();
    expect(origin.master(STREAM)).toBeUndefined();
    expect(origin.unpublish(STREAM)).toBe(false);
    // The stream id can be used again.
    origin.publish(STREAM, 'src', new LlHlsPlaylist());
  });

  it('closes every playlist once, emits closed once and refuses to publish afterwards', () => {
    const origin = new HlsOrigin();
    const playlists = [new LlHlsPlaylist(), new LlHlsPlaylist(), new LlHlsPlaylist()];
    origin.publish(STREAM, 'src', playlists[0]!);
    origin.publish(STREAM, '360p', playlists[1]!);
    origin.publish('anotherStream', 'src', playlists[2]!);
    let closed = 0;
    origin.on('closed', () => closed++);
    origin.close();
    origin.close();
    expect(closed).toBe(1);
    expect(origin.closed).toBe(true);
    expect(playlists.every((p) => p.closed)).toBe(true);
    expect(origin.size).toBe(0);
    expect(codeOf(() => origin.publish(STREAM, 'src', new LlHlsPlaylist()))).toBe('ORIGIN_CLOSED');
    expect(codeOf(() => origin.setMaster(STREAM, '#EXTM3U\n'))).toBe('ORIGIN_CLOSED');
    expect(origin.unpublish(STREAM)).toBe(false);
  });
});
