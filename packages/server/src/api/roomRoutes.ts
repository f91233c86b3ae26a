import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AddCoHostBody, AmphiError, CreateRoomBody, ErrorBody, IssuedStreamKey, LinkRole, Room, RoomLink, RoomLinks, StreamKeyInfo, UpdateRoomBody } from '@amphi/protocol';
import { mergeSettings } from '../rooms/index.js';
import type { AccountService, TokenSigner } from '../auth/index.js';
import type { LinkRecord, RoomRecord, RoomStore } from '../storage/index.js';
import type { RoomHub } from '../realtime/index.js';
import { requireUser } from '../http/requestAuth.js';
import { roomForModerator } from './roomAccess.js';

export interface RoomRoutesOptions {
  rooms: RoomStore;
  accounts: AccountService;
  hub: RoomHub;
  signer: TokenSigner;
  publicUrl: string;
  /** RTMP URL given with the stream key (config.rtmpUrl). */
  rtmpUrl: string;
}

const RoomParams = z.object({ id: z.string().min(1).max(64) });

export function registerRoomRoutes(app: FastifyInstance, options: RoomRoutesOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { rooms, hub, signer } = options;
  const tags = ['rooms'];

  const toRoom = (room: RoomRecord): Room => ({
    id: room.id,
    title: room.title,
    kind: room.kind,
    settings: room.settings,
    ownerId: room.ownerId,
    cohosts: room.cohosts,
    liveCount: hub.liveCount(room.id),
    createdAt: room.createdAt.toISOString(),
  });

  const toLink = async (link: LinkRecord): Promise<RoomLink> => {
    const token = await signer.signLink(link);
    return { role: link.role, token, url: `${options.publicUrl}/j/${token}`, createdAt: link.createdAt.toISOString(), expiresAt: link.expiresAt?.toISOString() ?? null };
  };

  r.get('/api/rooms', { schema: { tags, summary: 'Rooms I own or co-host', response: { 200: z.array(Room) } } }, async (request) => {
    const user = requireUser(request);
    return (await rooms.listFor(user.id)).map(toRoom);
  });

  r.post('/api/rooms', { schema: { tags, summary: 'Create a room', body: CreateRoomBody, response: { 201: Room, 400: ErrorBody } } }, async (request, reply) => {
    const user = requireUser(request);
    const room = await rooms.create(user.id, { title: request.body.title, kind: request.body.kind, settings: mergeSettings(undefined, request.body.settings) });
    return reply.status(201).send(toRoom(room));
  });

  r.get('/api/rooms/:id', { schema: { tags, summary: 'A room I moderate', params: RoomParams, response: { 200: Room, 404: ErrorBody } } }, async (request) => {
    return toRoom(await roomForModerator(rooms, requireUser(request), request.params.id));
  });

  r.patch('/api/rooms/:id', { schema: { tags, summary: 'Change title, kind or settings', params: RoomParams, body: UpdateRoomBody, response: { 200: Room, 404: ErrorBody } } }, async (request) => {
    const room = await roomForModerator(rooms, requireUser(request), request.params.id);
    const settings = request.body.settings ? mergeSettings(room.settings, request.body.settings) : undefined;
    await rooms.update(room.id, { title: request.body.title, kind: request.body.kind, settings });
    const updated = (await rooms.get(room.id))!;
    hub.roomUpdated(updated);
    return toRoom(updated);
  });

  r.delete('/api/rooms/:id', { schema: { tags, summary: 'Delete a room (owner)', params: RoomParams, response: { 204: z.null(), 404: ErrorBody } } }, async (request, reply) => {
    const user = requireUser(request);
    const room = await roomForModerator(rooms, user, request.params.id);
    if (room.ownerId !== user.id && user.role !== 'admin') throw new AmphiError('NOT_ALLOWED', 'Only the owner can delete the room.');
    hub.roomDeleted(room.id);
    await rooms.delete(room.id);
    return reply.status(204).send(null);
  });

  r.get('/api/rooms/:id/links', { schema: { tags, summary: 'The moderator and participant join links', params: RoomParams, response: { 200: RoomLinks, 404: ErrorBody } } }, async (request) => {
    const room = await roomForModerator(rooms, requireUser(request), request.params.id);
    const links = await rooms.links(room.id);
    return { moderator: await toLink(links.moderator), participant: await toLink(links.participant) };
  });

  r.post(
    '/api/rooms/:id/links/:role/rotate',
    {
      schema: {
        tags,
        summary: 'Revoke a join link and make a new one',
        params: RoomParams.extend({ role: LinkRole }),
        body: z.object({ expiresInHours: z.number().int().min(1).max(24 * 365).optional() }).strict().optional(),
        response: { 200: RoomLink, 404: ErrorBody },
      },
    },
    async (request) => {
      const room = await roomForModerator(rooms, requireUser(request), request.params.id);
      const hours = request.body?.expiresInHours;
      const link = await rooms.rotateLink(room.id, request.params.role, hours === undefined ? null : new Date(Date.now() + hours * 3600_000));
      return toLink(link);
    },
  );

  // The stream key travels only in response bodies, never in a URL: request logs record URLs.
  r.get('/api/rooms/:id/stream-key', { schema: { tags, summary: 'The RTMP stream key hint (never the key)', params: RoomParams, response: { 200: StreamKeyInfo, 404: ErrorBody } } }, async (request) => {
    const room = await roomForModerator(rooms, requireUser(request), request.params.id);
    const key = await rooms.streamKey(room.id);
    return { hint: key?.hint ?? null, createdAt: key?.createdAt.toISOString() ?? null, rtmpUrl: options.rtmpUrl };
  });

  r.post(
    '/api/rooms/:id/stream-key',
    { schema: { tags, summary: 'Create or replace the RTMP stream key; the key is shown this once', params: RoomParams, response: { 200: IssuedStreamKey, 404: ErrorBody } } },
    async (request, reply) => {
      const room = await roomForModerator(rooms, requireUser(request), request.params.id);
      const issued = await rooms.rotateStreamKey(room.id);
      void reply.header('cache-control', 'no-store');
      return { key: issued.key, hint: issued.hint, createdAt: issued.createdAt.toISOString(), rtmpUrl: options.rtmpUrl };
    },
  );

  r.delete('/api/rooms/:id/stream-key', { schema: { tags, summary: 'Revoke the RTMP stream key', params: RoomParams, response: { 204: z.null(), 404: ErrorBody } } }, async (request, reply) => {
    const room = await roomForModerator(rooms, requireUser(request), request.params.id);
    await rooms.revokeStreamKey(room.id);
    return reply.status(204).send(null);
  });

  r.post('/api/rooms/:id/cohosts', { schema: { tags, summary: 'Add a co-host by email (owner)', params: RoomParams, body: AddCoHostBody, response: { 200: Room, 404: ErrorBody } } }, async (request) => {
    const user = requireUser(request);
    const room = await roomForModerator(rooms, user, request.params.id);
    if (room.ownerId !== user.id && user.role !== 'admin') throw new AmphiError('NOT_ALLOWED', 'Only the owner can change co-hosts.');
    const cohost = await options.accounts.findUserByEmail(request.body.email);
    if (!cohost) throw new AmphiError('USER_NOT_FOUND');
    if (cohost.id !== room.ownerId) await rooms.addCohost(room.id, cohost.id);
    return toRoom((await rooms.get(room.id))!);
  });

  r.delete(
    '/api/rooms/:id/cohosts/:userId',
    { schema: { tags, summary: 'Remove a co-host (owner)', params: RoomParams.extend({ userId: z.string().min(1).max(64) }), response: { 200: Room, 404: ErrorBody } } },
    async (request) => {
      const user = requireUser(request);
      const room = await roomForModerator(rooms, user, request.params.id);
      if (room.ownerId !== user.id && user.role !== 'admin') throw new AmphiError('NOT_ALLOWED', 'Only the owner can change co-hosts.');
      if (!(await rooms.removeCohost(room.id, request.params.userId))) throw new AmphiError('USER_NOT_FOUND');
      return toRoom((await rooms.get(room.id))!);
    },
  );
}
