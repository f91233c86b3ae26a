import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AmphiError, DEFAULT_ROOM_SETTINGS, ErrorBody, LtiDeepLinkAnswer, LtiDeepLinkChoice, LtiDeepLinkOptions } from '@amphi/protocol';
import type { LtiDeepLinkClaims, TokenSigner } from '../auth/index.js';
import type { LtiLaunchStore, RoomStore } from '../storage/index.js';
import { deepLinkingResponseJwt } from '../lti/deepLinking.js';
import type { LtiLaunchService } from '../lti/LtiLaunchService.js';
import { ltiError } from '../lti/ltiError.js';
import type { ToolKeys } from '../lti/ToolKeys.js';
import { requireBearer } from './ltiLaunchRoutes.js';

export interface LtiDeepLinkRoutesOptions {
  service: LtiLaunchService;
  signer: TokenSigner;
  rooms: RoomStore;
  launches: LtiLaunchStore;
  keys: ToolKeys;
  /** Amphi's public base URL: the placed activity launches `<publicUrl>/lti/launch`. */
  publicUrl: string;
  /** Clock in epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/**
 * The deep linking token sent with this request (401 LTI_INVALID when missing, tampered or
 * expired). It is not single-use: it serves every call of the page until it expires (10 min).
 */
function requireDeepLink(request: FastifyRequest, signer: TokenSigner): Promise<LtiDeepLinkClaims> {
  return requireBearer(request, (token) => signer.verifyLtiDeepLink(token), {
    missing: 'This page needs a content selection request from your course; start again from your course.',
    expired: 'The request from your course has expired; start adding Amphi again from your course.',
  });
}

/**
 * Deep Linking 2.0, the web app's side: with the token of an `LtiDeepLinkingRequest`, an
 * instructor lists the rooms already placed in the course (`GET /api/lti/deep-link`), then
 * picks one of them or makes a new one (`POST`), which answers the signed
 * `LtiDeepLinkingResponse` and the platform's return URL; the page posts it there.
 */
export function registerLtiDeepLinkRoutes(app: FastifyInstance, options: LtiDeepLinkRoutesOptions): void {
  const { service, signer, rooms, launches, keys } = options;
  const now = options.now ?? Date.now;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['lti'];
  const security = [{ ltiApp: [] }];

  const roomsOfCourse = (claims: LtiDeepLinkClaims) => (claims.ctx === undefined ? Promise.resolve([]) : launches.roomsOfContext(claims.ctx));

  r.get(
    '/api/lti/deep-link',
    { schema: { tags, security, summary: 'The rooms already placed in the course of a deep linking request', response: { 200: LtiDeepLinkOptions, 401: ErrorBody } } },
    async (request) => {
      const claims = await requireDeepLink(request, signer);
      const course = claims.ctx === undefined ? null : await launches.context(claims.ctx);
      return { rooms: await roomsOfCourse(claims), courseTitle: course?.title ?? null };
    },
  );

  r.post(
    '/api/lti/deep-link',
    {
      schema: {
        tags,
        security,
        summary: 'Places a room of the course, or a new room, in the course: the signed deep linking response to post to the platform',
        body: LtiDeepLinkChoice,
        response: { 200: LtiDeepLinkAnswer, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const claims = await requireDeepLink(request, signer);
      const platform = await service.platform(claims.pid);
      if (!platform.deploymentIds.includes(claims.dep)) throw ltiError('This deployment of Amphi is no longer registered.');
      const choice = request.body;
      let room: { id: string; title: string };
      if ('create' in choice) {
        room = await rooms.create(null, { title: choice.create.title, kind: choice.create.kind, settings: { ...DEFAULT_ROOM_SETTINGS } });
        if (claims.ctx !== undefined) await launches.placeRoom(claims.ctx, room.id);
      } else {
        // Only a room already placed in this course: an instructor cannot place another course's room.
        const found = (await roomsOfCourse(claims)).find((candidate) => candidate.id === choice.roomId);
        if (!found) throw new AmphiError('ROOM_NOT_FOUND');
        room = found;
      }
      const key = await keys.current();
      const jwt = await deepLinkingResponseJwt(
        {
          platformIssuer: platform.issuer,
          clientId: platform.clientId,
          deploymentId: claims.dep,
          settings: { returnUrl: claims.ret, ...(claims.data !== undefined ? { data: claims.data } : {}) },
          room: { url: `${options.publicUrl}/lti/launch`, title: room.title, roomToken: await service.roomPlacement(room.id, platform.issuer) },
        },
        { key, now: now() },
      );
      request.log.info({ roomId: room.id, created: 'create' in choice }, 'LTI deep linking answered');
      return { returnUrl: claims.ret, jwt };
    },
  );
}
