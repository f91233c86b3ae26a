import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AmphiError, ErrorBody, LtiRoomSettings, LtiRoster, UpdateLtiRoomSettingsBody } from '@amphi/protocol';
import type { LtiAppClaims, TokenSigner } from '../auth/index.js';
import type { LtiServices } from '../lti/index.js';
import { LtiServiceError } from '../lti/serviceToken.js';
import type { RoomHub } from '../realtime/index.js';
import type { RoomRecord, RoomStore } from '../storage/index.js';
import { requireLtiApp } from './ltiLaunchRoutes.js';

export interface LtiServiceRoutesOptions {
  services: LtiServices;
  signer: TokenSigner;
  rooms: RoomStore;
  hub: RoomHub;
}

/**
 * What an LMS instructor does from the LTI mode with their app token: read the course roster
 * with who joined (`GET /api/lti/roster`), and read or change the room's LTI settings — the
 * grade posted after each session and what a teaching assistant becomes
 * (`GET`/`PUT /api/lti/room-settings`). Moderators only.
 */
export function registerLtiServiceRoutes(app: FastifyInstance, options: LtiServiceRoutesOptions): void {
  const { services, signer, rooms, hub } = options;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['lti'];
  const security = [{ ltiApp: [] }];

  const moderatorRoom = async (claims: LtiAppClaims): Promise<RoomRecord> => {
    if (claims.role !== 'moderator') throw new AmphiError('NOT_ALLOWED', 'Only a moderator may do this.');
    const room = await rooms.get(claims.rid);
    if (!room) throw new AmphiError('ROOM_NOT_FOUND');
    return room;
  };

  r.get(
    '/api/lti/roster',
    {
      schema: {
        tags,
        security,
        summary: 'The LMS course roster (Names and Role Provisioning) with who joined the live session; moderators only',
        response: { 200: LtiRoster, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const claims = await requireLtiApp(request, signer);
      try {
        const roster = await services.roster(claims);
        return reply.header('cache-control', 'no-store').send(roster);
      } catch (error) {
        if (!(error instanceof LtiServiceError)) throw error;
        request.log.warn({ detail: error.message }, 'LTI roster could not be read');
        throw new AmphiError('INVALID_STATE', 'The course roster could not be read from the learning platform.');
      }
    },
  );

  r.get(
    '/api/lti/room-settings',
    { schema: { tags, security, summary: "The room's LTI settings; moderators only", response: { 200: LtiRoomSettings, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const room = await moderatorRoom(await requireLtiApp(request, signer));
      return { ltiGrade: room.settings.ltiGrade, ltiTeachingAssistant: room.settings.ltiTeachingAssistant };
    },
  );

  r.put(
    '/api/lti/room-settings',
    {
      schema: {
        tags,
        security,
        summary: "Changes the room's LTI settings (grade posted after each session, teaching assistants' role); moderators only",
        body: UpdateLtiRoomSettingsBody,
        response: { 200: LtiRoomSettings, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const room = await moderatorRoom(await requireLtiApp(request, signer));
      const settings = { ...room.settings, ...request.body };
      await rooms.update(room.id, { settings });
      const updated = (await rooms.get(room.id))!;
      hub.roomUpdated(updated);
      request.log.info({ roomId: room.id, ltiGrade: settings.ltiGrade, ltiTeachingAssistant: settings.ltiTeachingAssistant }, 'LTI room settings changed');
      return { ltiGrade: updated.settings.ltiGrade, ltiTeachingAssistant: updated.settings.ltiTeachingAssistant };
    },
  );
}
