import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AmphiError, ErrorBody, JoinBody, JoinPreview, JoinPreviewBody, JoinResponse, type Role } from '@amphi/protocol';
import { roleForLink } from '../rooms/index.js';
import type { TokenSigner } from '../auth/index.js';
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
    async (request) => {
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
      const ticket = await signer.sign(
        { typ: 'ticket', rid: grant.room.id, role: grant.role, name, ...(user ? { uid: user.id } : {}), ...(grant.linkId ? { lid: grant.linkId } : {}) },
        options.ticketTtlS,
      );
      return { ticket, roomId: grant.room.id, role: grant.role, expiresInS: options.ticketTtlS };
    },
  );
}
