/**
 * The HLS origin over HTTP: a live rendition fed with synthetic parts (the origin never looks
 * inside them) and published into the app's origin, read back through `inject`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlHlsPlaylist } from '../src/broadcast/index.js';
import { startServer, type TestServer } from './harness.js';

const THIRD = 1 / 3;
const INIT = new Uint8Array([0x66, 0x74, 0x79, 0x70, 1, 2, 3]);
const IMMUTABLE = 'public, max-age=31536000, immutable';

let server: TestServer;
let streamCounter = 0;
beforeAll(async () => {
  server = await startServer({}, { listen: false });
});
afterAll(async () => server?.close());

/** A stream id of its own for each test, with one rendition `720p`; `feed('K..')` pushes parts of 1/3 s ('K' a keyframe). */
function live() {
  const stream = `testStream${String(++streamCounter).padStart(4, '0')}`;
  const playlist = new LlHlsPlaylist();
  playlist.setInit(INIT);
  const parts: Uint8Array[] = [];
  const feed = (pattern: string) => {
    for (const c of pattern) {
      const bytes = new Uint8Array([0xa0, parts.length, 0x0b]);
      parts.push(bytes);
      playlist.push({ bytes, duration: THIRD, independent: c === 'K' });
    }
  };
  server.hls.publish(stream, '720p', playlist);
  return { stream, playlist, parts, feed, url: (file: string) => `/hls/${stream}/720p/${file}` };
}

function get(url: string) {
  return server.app.inject({ method: 'GET', url });
}

describe('HLS origin: playlists and media', () => {
  it('serves the media playlist with the playlist type, a one-second cache and CORS', async () => {
    const { feed, url } = live();
    feed('K..K.');
    const res = await get(url('playlist.m3u8'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['cache-control']).toBe('public, max-age=1');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toMatch(/^#EXTM3U\n/);
    expect(res.body).toContain('#EXTINF:1.00000,\nseg0.m4s\n');
    expect(res.body).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part5.m4s"');
  });

  it('serves the init segment, parts and complete segments byte for byte, cached as immutable', async () => {
    const { feed, parts, url } = live();
    feed('K..K.');
    const cases: [string, Uint8Array][] = [
      ['init.mp4', INIT],
      ['part1.m4s', parts[1]!],
      ['part4.m4s', parts[4]!],
      ['seg0.m4s', new Uint8Array([...parts[0]!, ...parts[1]!, ...parts[2]!])],
    ];
    for (const [file, bytes] of cases) {
      const res = await get(url(file));
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type'], file).toBe('video/mp4');
      expect(res.headers['cache-control'], file).toBe(IMMUTABLE);
      expect(res.headers['access-control-allow-origin'], file).toBe('*');
      expect(new Uint8Array(res.rawPayload), file).toEqual(bytes);
    }
  });

  it('serves the master playlist once one is set', async () => {
    const { stream } = live();
    expect((await get(`/hls/${stream}/master.m3u8`)).statusCode).toBe(404);
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"\n720p/playlist.m3u8\n';
    server.hls.setMaster(stream, master);
    const res = await get(`/hls/${stream}/master.m3u8`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toBe(master);
  });

  it('answers HEAD like GET, without a body', async () => {
    const { feed, url } = live();
    feed('K');
    const res = await server.app.inject({ method: 'HEAD', url: url('part0.m4s') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.body).toBe('');
  });

  it('answers unknown streams, renditions and files with 404, not cached, with CORS', async () => {
    const { stream, feed, url } = live();
    feed('K..');
    for (const path of [
      '/hls/noSuchStream/720p/playlist.m3u8',
      '/hls/noSuchStream/master.m3u8',
      `/hls/${stream}/360p/playlist.m3u8`,
      `/hls/${stream}/360p/init.mp4`,
      url('part4.m4s'), // beyond the preload hint (part3): no playlist names it yet
      url('seg0.m4s'), // still being filled
      url('part99.m4s'),
      `/hls/${stream}/720p/extra/part0.m4s`,
      `/hls/${stream}`,
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json(), path).toMatchObject({ code: 'NOT_FOUND' });
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(res.headers['access-control-allow-origin'], path).toBe('*');
    }
  });

  it('refuses malformed stream ids, rendition names and file names with 400', async () => {
    const { stream } = live();
    for (const path of [
      '/hls/short/720p/playlist.m3u8',
      `/hls/${stream}/720P/playlist.m3u8`,
      `/hls/${stream}/720p/seg01.m4s`,
      `/hls/${stream}/720p/seg-1.m4s`,
      `/hls/${stream}/720p/index.html`,
      `/hls/${stream}/720p/..%2F..%2Fsecret`,
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(400);
      expect(res.json(), path).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(res.headers['access-control-allow-origin'], path).toBe('*');
    }
  });

  it("carries the app's security headers (Helmet's) like any other route, errors included", async () => {
    const { feed, url } = live();
    feed('K');
    const security = (headers: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => /^(?:content-security-policy|cross-origin-opener-policy|origin-agent-cluster|referrer-policy|strict-transport-security|x-(?!ratelimit))/.test(name)));
    const app = security((await get('/healthz')).headers);
    expect(app['x-content-type-options']).toBe('nosniff');
    for (const path of [url('playlist.m3u8'), url('part0.m4s'), url('part9.m4s'), url('seg01.m4s')]) {
      expect(security((await get(path)).headers), path).toEqual(app);
    }
  });

  it('answers a CORS preflight for any HLS URL', async () => {
    const { url } = live();
    const res = await server.app.inject({
      method: 'OPTIONS',
      url: url('playlist.m3u8'),
      headers: { origin: 'https://player.example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('GET');
    expect(res.headers['access-control-allow-headers']).toBe('*');
  });
});

describe('HLS origin: blocking playlist reload', () => {
  it('holds a request for the next part until that part is pushed', async () => {
    const { feed, url } = live();
    feed('K..');
    const order: string[] = [];
    const answer = get(url('playlist.m3u8?_HLS_msn=0&_HLS_part=3')).then((res) => {
      order.push('answered');
      return res;
    });
    await sleep(50);
    order.push('pushed');
    feed('.');
    const res = await answer;
    expect(order).toEqual(['pushed', 'answered']);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=6');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toContain('URI="part3.m4s"');
    expect(res.body).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part4.m4s"');
  });

  it('answers at once for a part that already exists', async () => {
    const { feed, url } = live();
    feed('K..K');
    const res = await get(url('playlist.m3u8?_HLS_msn=0&_HLS_part=1'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('seg0.m4s');
  });

  it('refuses a segment more than two beyond the live edge with 400', async () => {
    const { feed, url } = live();
    feed('K..');
    const res = await get(url('playlist.m3u8?_HLS_msn=3'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('refuses malformed blocking parameters with 400', async () => {
    const { feed, url } = live();
    feed('K..');
    for (const query of ['_HLS_msn=abc', '_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_msn=', '_HLS_msn=01', '_HLS_msn=1e3', '_HLS_part=1', '_HLS_msn=0&_HLS_part=x', '_HLS_msn=0&_HLS_msn=1']) {
      const res = await get(url(`playlist.m3u8?${query}`));
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.headers['cache-control'], query).toBe('no-cache');
    }
  });

  it('ignores other query parameters', async () => {
    const { feed, url } = live();
    feed('K');
    expect((await get(url('playlist.m3u8?v=123'))).statusCode).toBe(200);
  });

  it('answers a held request with the final playlist when the broadcast ends', async () => {
    const { feed, playlist, url } = live();
    feed('K..');
    const answer = get(url('playlist.m3u8?_HLS_msn=1'));
    await sleep(50);
    playlist.close();
    const res = await answer;
    expect(res.statusCode).toBe(200);
    expect(res.body.trimEnd().split('\n').at(-1)).toBe('#EXT-X-ENDLIST');
    const plain = await get(url('playlist.m3u8'));
    expect(plain.body).toContain('#EXT-X-ENDLIST');
    expect(plain.body).not.toContain('PRELOAD-HINT');
    // The last segment is complete and still served.
    expect((await get(url('seg0.m4s'))).statusCode).toBe(200);
  });

  it('answers 503 when the part does not come within three target durations', async () => {
    const { feed, url } = live();
    feed('K..');
    const res = await get(url('playlist.m3u8?_HLS_msn=0&_HLS_part=3'));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'MEDIA_UNAVAILABLE' });
    expect(res.headers['cache-control']).toBe('no-cache');
  });
});

describe('HLS origin: preload hint', () => {
  it('holds a request for the hinted part until that part is pushed, then serves it as immutable', async () => {
    const { feed, parts, url } = live();
    feed('K..');
    expect((await get(url('playlist.m3u8'))).body).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part3.m4s"');
    const order: string[] = [];
    const answer = get(url('part3.m4s')).then((res) => {
      order.push('answered');
      return res;
    });
    await sleep(50);
    order.push('pushed');
    feed('.');
    const res = await answer;
    expect(order).toEqual(['pushed', 'answered']);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(new Uint8Array(res.rawPayload)).toEqual(parts[3]);
  });

  it('answers 404 at once for a part beyond the hint, and for the hinted part when the broadcast ends first', async () => {
    const { feed, playlist, url } = live();
    feed('K..');
    expect((await get(url('part4.m4s'))).statusCode).toBe(404);
    const held = get(url('part3.m4s'));
    await sleep(50);
    playlist.close();
    const res = await held;
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers 503, not cached, when the hinted part does not come within three target durations', async () => {
    const { feed, url } = live();
    feed('K..');
    const res = await get(url('part3.m4s'));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'MEDIA_UNAVAILABLE' });
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('HLS origin: rate limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ rateHlsPerMin: 3 }, { listen: false });
  });
  afterAll(async () => limited?.close());

  it('counts requests per address and per route, and its refusals carry CORS and no-cache', async () => {
    const statuses: number[] = [];
    let res = await limited.app.inject({ method: 'GET', url: '/hls/noSuchStream/720p/playlist.m3u8' });
    for (let i = 0; i < 4; i++) {
      res = await limited.app.inject({ method: 'GET', url: '/hls/noSuchStream/720p/playlist.m3u8' });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([404, 404, 429, 429]);
    expect(res.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cache-control']).toBe('no-cache');
    // Media requests have a count of their own, and the rest of the server is not affected.
    expect((await limited.app.inject({ method: 'GET', url: '/hls/noSuchStream/720p/part0.m4s' })).statusCode).toBe(404);
    expect((await limited.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
