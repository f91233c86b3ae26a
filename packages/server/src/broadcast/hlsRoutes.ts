/**
 * The HLS origin over HTTP: live renditions served from memory with the headers a CDN or an edge
 * cache needs (short-lived playlists, immutable media, CORS for players on other origins).
 *
 *   GET /hls/:stream/master.m3u8
 *   GET /hls/:stream/:rendition/playlist.m3u8[?_HLS_msn=N[&_HLS_part=P]]   (LL-HLS blocking reload)
 *   GET /hls/:stream/:rendition/{init.mp4, seg<N>.m4s, part<N>.m4s}   (the preload-hinted part is held)
 *
 * These routes are outside `/api/`, so the general API limit does not apply; they have their own
 * per-address limit (`rateHlsPerMin`).
 *
 * Every viewer asks ~6 times a second, so the cost per request is the origin's capacity: the
 * playlist is rendered once per part (LlHlsPlaylist keeps its bytes), the app's security headers
 * are learnt once instead of being built per request, and per-request log lines are left out.
 */
import type { FastifyInstance, FastifyReply, LogLevel } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AmphiError } from '@amphi/protocol';
import { BroadcastError } from './errors.js';
import { RENDITION_NAME, STREAM_ID, type HlsOrigin } from './HlsOrigin.js';

export interface HlsRoutesOptions {
  /** Requests per minute per client address on every HLS URL; 0 turns the limit off (behind an edge cache). */
  ratePerMin: number;
  /**
   * How long (ms) a blocking playlist request, or a request for the preload-hinted part, waits
   * before 503 (default: the playlist's, three target durations).
   */
  blockTimeoutMs?: number | undefined;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const MEDIA_TYPE = 'video/mp4';
/** A plain playlist request sees the live edge move every part (~0.33 s): a CDN may keep it 1 s at most. */
const PLAIN_PLAYLIST_CACHE = 'public, max-age=1';
/**
 * A blocking response answers one (msn, part) URL and stays a correct answer to it: whoever asks
 * the same URL later gets a playlist that has at least that part, and asks for the next one. It
 * can be kept longer than a plain reload; 6 s is Apple's suggestion, and is shorter than the
 * window, so a cache never holds it for a part that has left the playlist.
 */
const BLOCKING_PLAYLIST_CACHE = 'public, max-age=6';
/**
 * A name is never reused within a stream (parts and segments are numbered from its start, the
 * init segment is set once per stream id), so media bytes never change under their URL.
 */
const MEDIA_CACHE = 'public, max-age=31536000, immutable';
/** Misses and errors: a CDN must not remember them (a part asked for early exists a moment later). */
const NO_CACHE = 'no-cache';

/** A decimal integer without sign or leading zeros (one cache key per value), below 10^9. */
const Integer = z
  .string()
  .regex(/^(?:0|[1-9]\d{0,8})$/, 'expected a non-negative integer')
  .transform(Number);

const StreamParams = z.object({ stream: z.string().regex(STREAM_ID, 'invalid stream id') });
const RenditionParams = StreamParams.extend({ rendition: z.string().regex(RENDITION_NAME, 'invalid rendition name') });
const MediaParams = RenditionParams.extend({ file: z.string().regex(/^(?:init\.mp4|(?:seg|part)(?:0|[1-9]\d{0,8})\.m4s)$/, 'unknown file name') });
/** Other query parameters (cache busters) are ignored. `_HLS_part` alone is an error (RFC 8216bis §6.2.5.2). */
const PlaylistQuery = z
  .object({ _HLS_msn: Integer.optional(), _HLS_part: Integer.optional() })
  .refine((q) => q._HLS_part === undefined || q._HLS_msn !== undefined, { message: '_HLS_part needs _HLS_msn', path: ['_HLS_part'] });

/**
 * On every HLS response, errors and rate-limit refusals included: any origin may read it (players
 * and CDNs elsewhere), and Helmet's `Cross-Origin-Resource-Policy: same-origin` is lifted so a
 * native player (`<video src>`, a no-cors load) on another origin can play it.
 */
const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  // hls.js reads Age to tell how stale a cached playlist is.
  'access-control-expose-headers': 'Age',
  'cross-origin-resource-policy': 'cross-origin',
};

/** pino's levels (a lower value logs more). */
const LOG_LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export function registerHlsOrigin(app: FastifyInstance, origin: HlsOrigin, options: HlsRoutesOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { rateLimit: options.ratePerMin > 0 ? { max: options.ratePerMin, timeWindow: '1 minute' } : (false as const) };
  /**
   * The app's own headers (Helmet's) on an HLS response, then ours. `@fastify/helmet` builds its
   * middleware again for every request (a quarter of the CPU an HLS answer took); these routes
   * skip it (`helmet: false`) and learn, from the first response, the headers it sets (they do
   * not depend on the request) through its `reply.helmet()`, so every answer keeps the same
   * headers at the cost of copying them. An app without Helmet has none to learn.
   */
  let headers: Readonly<Record<string, string>> | undefined = app.hasReplyDecorator('helmet') ? undefined : CORS_HEADERS;
  const headersFor = (reply: FastifyReply): Readonly<Record<string, string>> => {
    // Not decorated yet when a hook before Helmet's failed the request: learn from a later one.
    if (typeof reply.helmet !== 'function') return CORS_HEADERS;
    const before = new Set(Object.keys(reply.raw.getHeaders()));
    reply.helmet();
    const learnt: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.raw.getHeaders())) {
      if (!before.has(name) && typeof value === 'string') learnt[name] = value;
    }
    return (headers = Object.freeze({ ...learnt, ...CORS_HEADERS }));
  };
  const onSend = (_request: unknown, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    reply.headers(headers ?? headersFor(reply));
    if (reply.statusCode >= 400) reply.header('cache-control', NO_CACHE);
    done(null, payload);
  };
  /**
   * No "incoming request" / "request completed" lines for HLS (two log lines per request, ~12 a
   * second per viewer at the `info` level); warnings and errors are still logged. An edge or CDN
   * in front keeps the access log. Only set when the app logs below `warn`: a route level costs a
   * logger per request.
   */
  const logLevel: LogLevel | undefined = (LOG_LEVELS[app.log.level] ?? 0) < LOG_LEVELS.warn! ? 'warn' : undefined;
  const route = { config, onSend, helmet: false, ...(logLevel ? { logLevel } : {}), schema: { hide: true } } as const;
  const notFound = () => new AmphiError('NOT_FOUND');

  r.get('/hls/:stream/master.m3u8', { ...route, schema: { ...route.schema, params: StreamParams } }, async (request, reply) => {
    const text = origin.master(request.params.stream);
    if (text === undefined) throw notFound();
    return reply.header('content-type', PLAYLIST_TYPE).header('cache-control', PLAIN_PLAYLIST_CACHE).send(text);
  });

  r.get(
    '/hls/:stream/:rendition/playlist.m3u8',
    { ...route, schema: { ...route.schema, params: RenditionParams, querystring: PlaylistQuery } },
    async (request, reply) => {
      const playlist = origin.get(request.params.stream, request.params.rendition);
      if (!playlist) throw notFound();
      const { _HLS_msn: msn, _HLS_part: part } = request.query;
      if (msn !== undefined) {
        try {
          await playlist.waitFor(msn, part, options.blockTimeoutMs);
        } catch (error) {
          if (!(error instanceof BroadcastError)) throw error;
          if (error.code === 'PART_TOO_FAR_AHEAD') throw new AmphiError('VALIDATION_FAILED', `_HLS_msn is too far ahead of the live edge (${error.message})`);
          if (error.code === 'PART_TIMEOUT') throw new AmphiError('MEDIA_UNAVAILABLE', 'The part asked for did not come in time.');
          // PLAYLIST_CLOSED: the broadcast ended; the final playlist (with #EXT-X-ENDLIST) answers.
          if (error.code !== 'PLAYLIST_CLOSED') throw error;
        }
      }
      return reply
        .header('content-type', PLAYLIST_TYPE)
        .header('cache-control', msn === undefined ? PLAIN_PLAYLIST_CACHE : BLOCKING_PLAYLIST_CACHE)
        .send(playlist.renderBytes());
    },
  );

  r.get('/hls/:stream/:rendition/:file', { ...route, schema: { ...route.schema, params: MediaParams } }, async (request, reply) => {
    const playlist = origin.get(request.params.stream, request.params.rendition);
    if (!playlist) throw notFound();
    const { file } = request.params;
    let bytes = playlist.lookup(file);
    if (!bytes && file.startsWith('part') && Number(file.slice(4, -4)) === playlist.preloadHint) {
      // The part the playlist hints at: held until it is pushed (RFC 8216bis §6.2.6), so a player
      // that asks for it early gets it the moment it exists instead of a 404 and a retry.
      try {
        await playlist.waitForPart(playlist.preloadHint, options.blockTimeoutMs);
      } catch (error) {
        if (!(error instanceof BroadcastError)) throw error;
        if (error.code === 'PART_TIMEOUT') throw new AmphiError('MEDIA_UNAVAILABLE', 'The part asked for did not come in time.');
        // PLAYLIST_CLOSED: the broadcast ended before the part came; it never will.
        throw notFound();
      }
      bytes = playlist.lookup(file);
    }
    if (!bytes) throw notFound();
    // A view on the window's bytes, not a copy.
    return reply.header('content-type', MEDIA_TYPE).header('cache-control', MEDIA_CACHE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  // Anything else under /hls/ is a miss of the origin (not the web app's client routing).
  r.get('/hls/*', route, async () => {
    throw notFound();
  });

  // CORS preflight (a player adding request headers); simple GETs need none.
  r.options('/hls/*', route, async (_request, reply) =>
    reply
      .status(204)
      .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
      .header('access-control-allow-headers', '*')
      .header('access-control-max-age', '86400')
      .send(),
  );
}
