import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AmphiError, ErrorBody, JoinBody, JoinPreview, JoinPreviewBody, JoinResponse, type Role } from '@amphi/protocol';
import { roleForLink } from '../rooms/index.js';
import { randomToken, type TokenSigner } from '../auth/index.js';
import type { RoomRecord, RoomStore } from '../storage/index.js';
import { moderates } from './roomAccess.js';

export interface JoinRoutesOptions {
  rooms: RoomStore;
  signer: TokenSigner;
  /** Join ticket lifetime in seconds. */
  ticketTtlS: number;
  /** Requests per minute per address on join. */
  rateJoinPerMin: number;
  /** People joined to a room's live session now (0 when none runs). */
  liveCount: (roomId: string) => number;
  /** Mark the guest cookie Secure (as the session cookie); it is also Secure on any https request. */
  cookieSecure: boolean;
}

/**
 * The guest cookie: a random 128-bit id of a browser joining without an account, set only by
 * the server (HttpOnly, only sent to /api/join), whose keyed hash goes into the ticket as the
 * person's guest key: two tabs or a reload of one browser are one voter.
 *
 * Not signed, like the session cookie: the value is the secret itself. A value a client makes
 * up only makes it a voter of its own (as clearing its cookies would); reaching another
 * guest's key takes their cookie (2^128 values). A value not of our shape is replaced.
 */
export const GUEST_COOKIE = 'amphi_guest';
/** Lifetime of the guest cookie in seconds (30 days), renewed at each join. */
export const GUEST_COOKIE_TTL_S = 30 * 24 * 3600;
const GUEST_COOKIE_BYTES = 16;
const GUEST_COOKIE_SHAPE = /^[\w-]{22}$/;

/** The browser's guest cookie value (a fresh one when absent or malformed), set again for another lifetime. */
function guestCookie(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const sent = request.cookies[GUEST_COOKIE];
  const value = sent !== undefined && GUEST_COOKIE_SHAPE.test(sent) ? sent : randomToken(GUEST_COOKIE_BYTES);
  reply.setCookie(GUEST_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: secure || request.protocol === 'https', path: '/api/join', maxAge: GUEST_COOKIE_TTL_S });
  return value;
}

interface Grant {
  room: RoomRecord;
  role: Role;
  linkId: string | undefined;
}

/** Checks a join link: signature, then its row (exists, not revoked, not expired), then the room. */
async function grantFromLink(rooms: RoomStore, signer: TokenSigner, request: FastifyRequest, token: string): Promise<Grant> {
  const claims = await signer.verifyLink(token);
  const link = await rooms.findLink(claims.lid);
  if (!link || link.roomId !== claims.rid || link.role !== claims.role) throw new AmphiError('LINK_INVALID');
  if (link.revoked) throw new AmphiError('LINK_REVOKED');
  if (link.expired) throw new AmphiError('LINK_EXPIRED');
  const room = await rooms.get(link.roomId);
  if (!room) throw new AmphiError('ROOM_NOT_FOUND');
  const user = request.auth?.user;
  const role = moderates(user, room) ? 'moderator' : roleForLink(link.role, room.kind, user !== undefined, room.settings);
  if (role === null) throw new AmphiError('GUESTS_NOT_ALLOWED');
  return { room, role, linkId: link.id };
}

export function registerJoinRoutes(app: FastifyInstance, options: JoinRoutesOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { rooms, signer } = options;
  const config = { rateLimit: { max: options.rateJoinPerMin, timeWindow: '1 minute' } };
  const tags = ['join'];

  r.post(
    '/api/join/preview',
    { config, schema: { tags, summary: 'What a join link leads to (for the pre-join page)', body: JoinPreviewBody, response: { 200: JoinPreview, 401: ErrorBody, 403: ErrorBody, 410: ErrorBody } } },
    async (request) => {
      const grant = await grantFromLink(rooms, signer, request, request.body.token);
      return {
        room: { id: grant.room.id, title: grant.room.title, kind: grant.room.kind },
        role: grant.role,
        needsName: !request.auth,
        lobby: grant.room.settings.lobby && grant.role !== 'moderator',
        liveCount: options.liveCount(grant.room.id),
      };
    },
  );

  r.post(
    '/api/join',
    {
      config,
      schema: {
        tags,
        summary: 'Get a one-time ticket to open the room WebSocket',
        description: 'Join with a link token, or with the room id when you own or co-host the room. Send the ticket as `{"type":"hello","ticket":…}` on /ws within 60 s.',
        body: JoinBody,
        response: { 200: JoinResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody },
      },
    },
    async (request, reply) => {
      const user = request.auth?.user;
      let grant: Grant;
      if (request.body.token !== undefined) {
        grant = await grantFromLink(rooms, signer, request, request.body.token);
      } else {
        if (!user) throw new AmphiError('NOT_AUTHENTICATED');
        const room = await rooms.get(request.body.roomId!);
        if (!room || !moderates(user, room)) throw new AmphiError('ROOM_NOT_FOUND');
        grant = { room, role: 'moderator', linkId: undefined };
      }
      const name = request.body.displayName ?? user?.name;
      if (name === undefined) throw new AmphiError('NAME_REQUIRED');
      // A person is their account; without one, their browser (see GUEST_COOKIE).
      const person = user ? { uid: user.id } : { gk: signer.guestKey(guestCookie(request, reply, options.cookieSecure)) };
      const ticket = await signer.sign({ typ: 'ticket', rid: grant.room.id, role: grant.role, name, ...person, ...(grant.linkId ? { lid: grant.linkId } : {}) }, options.ticketTtlS);
      return { ticket, roomId: grant.room.id, role: grant.role, expiresInS: options.ticketTtlS };
    },
  );
}
