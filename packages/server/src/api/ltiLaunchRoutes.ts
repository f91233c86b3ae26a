import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AmphiError, ErrorBody, JoinResponse, LtiSession } from '@amphi/protocol';
import type { LtiAppClaims, TokenSigner } from '../auth/index.js';
import { can } from '../rooms/index.js';
import type { RoomStore } from '../storage/index.js';
import { LtiLaunchService, storageKeyFor, type LaunchResult } from '../lti/LtiLaunchService.js';
import { isLtiError, ltiError } from '../lti/ltiError.js';
import { appPage, ltiErrorPage, notOpenedPage, pageLang, storageLoginPage } from '../lti/pages.js';

export interface LtiLaunchRoutesOptions {
  service: LtiLaunchService;
  signer: TokenSigner;
  rooms: RoomStore;
  publicUrl: string;
  /** The built web app (its index.html carries the launch's data), absent in API-only setups. */
  webDist: string;
  /** Requests per minute per address on the login and launch endpoints. */
  rateLaunchPerMin: number;
  ticketTtlS: number;
  /** People joined to a room's live session now (0 when none runs). */
  liveCount: (roomId: string) => number;
}

/** Form fields of an LTI request: a repeated field becomes an array (the verifiers refuse those where one is expected). */
type Form = Record<string, string | string[]>;

function parseForm(body: string): Form {
  const form: Form = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = form[key];
    form[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}

/**
 * CSP of the pages an LMS shows in its iframe: any platform may frame them (the launch itself
 * is what is verified), forms may post back to the platform (deep linking), and scripts are the
 * app's own or carry this response's nonce.
 */
function framedCsp(scriptNonce?: string): string {
  return [
    "default-src 'self'",
    "connect-src 'self' ws: wss:",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    `script-src 'self'${scriptNonce ? ` 'nonce-${scriptNonce}'` : ''}`,
    "form-action 'self' https: http:",
    'frame-ancestors *',
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}

function sendFramed(reply: FastifyReply, status: number, html: string, scriptNonce?: string): FastifyReply {
  reply.removeHeader('x-frame-options');
  return reply.status(status).header('content-security-policy', framedCsp(scriptNonce)).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

/** The bearer token of a request, if it carries one. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([\w.-]{10,4096})$/.exec(header);
  return match ? match[1]! : null;
}

/**
 * The claims of the bearer token sent with this request, as `verify` reads them: 401
 * LTI_INVALID saying `missing` when there is none, `expired` when it does not verify.
 */
export async function requireBearer<T>(request: FastifyRequest, verify: (token: string) => Promise<T>, messages: { missing: string; expired: string }): Promise<T> {
  const token = bearerToken(request);
  if (token === null) throw ltiError(messages.missing);
  return verify(token).catch(() => {
    throw ltiError(messages.expired);
  });
}

/** The app token of an LTI launch sent with this request (401 LTI_INVALID when missing or expired). */
export function requireLtiApp(request: FastifyRequest, signer: TokenSigner): Promise<LtiAppClaims> {
  return requireBearer(request, (token) => signer.verifyLtiApp(token), {
    missing: 'This page needs a launch from your course; open the activity again.',
    expired: 'The launch has expired; open the activity again from your course.',
  });
}

/**
 * The LTI endpoints a platform calls (`/lti/login`, `/lti/launch`, `/lti/launch11`), which answer
 * pages, and the API the web app calls with its app token (`/api/lti/session`, `/api/lti/join`).
 */
export async function registerLtiLaunchRoutes(app: FastifyInstance, options: LtiLaunchRoutesOptions): Promise<void> {
  const { service, signer, rooms } = options;
  const indexFile = path.join(options.webDist, 'index.html');
  // Read at each launch, as the web app's fallback serves it (a rebuilt app is served at once); null when not built.
  const indexHtml = (): Promise<string | null> => readFile(indexFile, 'utf8').catch(() => null);
  const rateLimit = { max: options.rateLaunchPerMin, timeWindow: '1 minute' };

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply => {
    if (!isLtiError(error)) throw error;
    request.log.warn({ detail: error.message }, 'LTI request refused');
    return sendFramed(reply, 401, ltiErrorPage(error.message, pageLang(request.headers['accept-language'])));
  };

  const answerLaunch = async (request: FastifyRequest, reply: FastifyReply, result: LaunchResult): Promise<FastifyReply> => {
    const lang = pageLang(request.headers['accept-language']);
    switch (result.kind) {
      case 'notOpened':
        return sendFramed(reply, 200, notOpenedPage(result.title, lang));
      case 'deepLinking':
        return sendFramed(reply, 200, appPage(await indexHtml(), { kind: 'deepLinking', token: result.token, ...(result.storage ? { storage: result.storage } : {}) }));
      case 'room':
        request.log.info({ roomId: result.room.id, role: result.role, created: result.created }, 'LTI launch');
        return sendFramed(reply, 200, appPage(await indexHtml(), { kind: 'room', token: result.appToken, roomId: result.room.id, ...(result.storage ? { storage: result.storage } : {}) }));
    }
  };

  await app.register(async (scope) => {
    // Platforms post forms; only these routes read them (the API takes JSON only).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, parseForm(body as string)));

    const login = async (request: FastifyRequest, reply: FastifyReply, params: unknown) => {
      try {
        const redirect = await service.login(params);
        if (redirect.storageTarget === undefined) return reply.header('cache-control', 'no-store').redirect(redirect.url, 302);
        const nonce = randomBytes(16).toString('base64url');
        return sendFramed(
          reply,
          200,
          storageLoginPage({
            authUrl: redirect.url,
            target: redirect.storageTarget,
            origin: new URL(redirect.registration.authUrl).origin,
            key: storageKeyFor(redirect.state),
            value: redirect.state,
            scriptNonce: nonce,
            lang: pageLang(request.headers['accept-language']),
          }),
          nonce,
        );
      } catch (error) {
        return refuse(request, reply, error);
      }
    };
    scope.get('/lti/login', { config: { rateLimit } }, (request, reply) => login(request, reply, request.query));
    scope.post('/lti/login', { config: { rateLimit } }, (request, reply) => login(request, reply, request.body));

    scope.post('/lti/launch', { config: { rateLimit } }, async (request, reply) => {
      try {
        return await answerLaunch(request, reply, await service.launch(request.body));
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    scope.post('/lti/launch11', { config: { rateLimit } }, async (request, reply) => {
      try {
        const body = request.body;
        if (typeof body !== 'object' || body === null) throw ltiError('LTI 1.1 launch rejected: the form is missing.');
        // The URL the platform signed: Amphi's public URL (a proxy in front changes scheme and host).
        const url = new URL(request.url, options.publicUrl).toString();
        return await answerLaunch(request, reply, await service.launch11({ url, params: body as Form }));
      } catch (error) {
        return refuse(request, reply, error);
      }
    });

    // The web app inside the LMS iframe, reloaded: it finds its app token in its own storage.
    scope.get('/lti/app', { config: { rateLimit } }, async (_request, reply) => sendFramed(reply, 200, appPage(await indexHtml(), { kind: 'resume' })));
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['lti'];
  const security = [{ ltiApp: [] }];

  r.get(
    '/api/lti/session',
    { schema: { tags, security, summary: 'The room, role and name an LTI app token stands for', response: { 200: LtiSession, 401: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const claims = await requireLtiApp(request, signer);
      const room = await rooms.get(claims.rid);
      if (!room) throw new AmphiError('ROOM_NOT_FOUND');
      return {
        room: { id: room.id, title: room.title, kind: room.kind },
        role: claims.role,
        name: claims.name,
        lobby: room.settings.lobby && !can(claims.role, 'lobby.bypass', room.settings),
        liveCount: options.liveCount(room.id),
      };
    },
  );

  r.post(
    '/api/lti/join',
    {
      config: { rateLimit },
      schema: { tags, security, summary: 'A ticket to open the room WebSocket, for a person launched from an LMS', body: z.object({}).strict().optional(), response: { 200: JoinResponse, 401: ErrorBody, 404: ErrorBody } },
    },
    async (request) => {
      const claims = await requireLtiApp(request, signer);
      const room = await rooms.get(claims.rid);
      if (!room) throw new AmphiError('ROOM_NOT_FOUND');
      // The LMS person is the voter and the person (one per LMS account), as an account is.
      const ticket = await signer.sign({ typ: 'ticket', rid: room.id, role: claims.role, name: claims.name, uid: `lti:${claims.iid}` }, options.ticketTtlS);
      return { ticket, roomId: room.id, role: claims.role, expiresInS: options.ticketTtlS };
    },
  );
}
