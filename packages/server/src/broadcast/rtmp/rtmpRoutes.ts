/**
 * The callbacks of our private nginx-rtmp (see nginxRtmpConfig):
 *
 *   POST /internal/rtmp/publish?s=SECRET       an encoder wants to publish `name` (its stream key)
 *   POST /internal/rtmp/publish_done?s=SECRET  a publisher left
 *
 * Bodies are application/x-www-form-urlencoded (`call, app, name, addr, clientid, tcurl, …`).
 * Accepted publishes are answered 302 with `Location: <internal stream name>`: nginx-rtmp then
 * publishes the stream under that name, so the key exists only in this request. Refusals are 403.
 *
 * Only nginx may call: the secret (constant-time comparison) and a loopback peer are required, and
 * a request that went through a reverse proxy is refused even from loopback. The routes are outside
 * `/api/`, so the app's general rate limit does not apply (nginx calls once per publish); guessing
 * keys is limited per encoder address by the ingest.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RTMP_APPLICATION, RTMP_STREAM_NAME, PUBLISH_DONE_PATH, PUBLISH_PATH } from './nginxRtmpConfig.js';
import { keyHint, type RtmpIngest } from './RtmpIngest.js';

export interface RtmpCallbackOptions {
  /** The `callbackSecret` given to NginxRtmp. */
  secret: string;
  ingest: RtmpIngest;
}

/** nginx-rtmp's bodies are a few hundred bytes; anything much larger is not from it. */
const BODY_LIMIT = 4096;
const FORM = 'application/x-www-form-urlencoded';

const PublishBody = z.object({
  call: z.literal('publish'),
  app: z.literal(RTMP_APPLICATION),
  name: z.string().regex(RTMP_STREAM_NAME),
  addr: z.string().min(1).max(64),
  clientid: z.string().regex(/^\d{1,20}$/),
});
const PublishDoneBody = PublishBody.extend({ call: z.literal('publish_done') });

const digest = (value: string) => createHash('sha256').update(value).digest();

/** IPv4 and IPv6 loopback, and IPv4 loopback as an IPv4-mapped IPv6 address. */
function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function registerRtmpCallbacks(app: FastifyInstance, options: RtmpCallbackOptions): void {
  const { ingest } = options;
  // Both sides hashed: equal lengths for timingSafeEqual, and the secret's length does not leak.
  const expected = digest(options.secret);

  /** Why the caller is not our nginx, or undefined when it is. */
  const refusal = (request: FastifyRequest): string | undefined => {
    // The socket's peer, never request.ip: with trustProxy that comes from X-Forwarded-For.
    if (!isLoopback(request.socket.remoteAddress)) return 'not from loopback';
    // A reverse proxy on this machine connects from loopback too; nginx-rtmp sends neither header.
    if (request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined) return 'forwarded by a proxy';
    const { s } = request.query as { s?: unknown };
    if (typeof s !== 'string' || !timingSafeEqual(digest(s), expected)) return 'bad secret';
    return undefined;
  };

  const forbidden = (request: FastifyRequest, reply: FastifyReply, why: string) => {
    request.log.warn({ why }, 'rtmp callback refused');
    return reply.status(403).send();
  };

  void app.register(async (scope) => {
    // Scoped to this plugin: the rest of the app keeps refusing form bodies, and these routes
    // refuse anything else (JSON included: nginx-rtmp never sends it) with 415.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    // warn: no request log line per call, only refusals and errors (the secret is in every URL;
    // the app's serializer redacts query strings, but a bare Fastify would not). Accepted publishes
    // are for whoever listens to the ingest's `publish` event to log. Never more than the app logs.
    const logLevel = (['fatal', 'error', 'silent'] as const).find((l) => l === app.log.level) ?? 'warn';
    const route = { bodyLimit: BODY_LIMIT, logLevel, schema: { hide: true } } as const;

    scope.post(PUBLISH_PATH, route, async (request, reply) => {
      const why = refusal(request);
      if (why) return forbidden(request, reply, why);
      const body = PublishBody.safeParse(request.body);
      if (!body.success) return reply.status(400).send();
      const { name: key, addr, clientid } = body.data;
      const decision = await ingest.requestPublish({ key, remoteAddress: addr, clientId: clientid });
      if (!decision.accepted) {
        const log = { reason: decision.reason, addr, clientid, keyHint: keyHint(key) };
        if (decision.reason === 'error') request.log.error({ ...log, err: decision.error }, 'rtmp publish refused');
        else request.log.warn(log, 'rtmp publish refused');
        return reply.status(403).send();
      }
      // The stream is live for nginx once it has read this answer: only then may our ffmpeg ask for it.
      reply.raw.once('close', () => {
        if (reply.raw.writableFinished) ingest.confirmPublish(clientid);
        else ingest.cancelPublish(clientid);
      });
      return reply.status(302).header('Location', decision.stream).send();
    });

    scope.post(PUBLISH_DONE_PATH, route, async (request, reply) => {
      const why = refusal(request);
      if (why) return forbidden(request, reply, why);
      const body = PublishDoneBody.safeParse(request.body);
      if (!body.success) return reply.status(400).send();
      // `name` is the key the encoder presented, not the internal name: the connection id tells which stream ended.
      ingest.publishDone(body.data.clientid);
      return reply.status(200).send();
    });
  });
}
