import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { Action, Role, RoomKind, RoomSettings } from './roles.js';

/** Largest WebSocket message (in bytes) the server parses; bigger ones get MESSAGE_TOO_LARGE. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

const Id = z.string().min(1).max(64);
/** Optional client-chosen request id, echoed in the `ack` or `error` that answers the message. */
const RequestId = z.string().min(1).max(64).optional();
const Reason = z.string().trim().max(200).optional();

/** Where a person is in the room. */
export const ParticipantStatus = z.enum(['waiting', 'lobby', 'joined']);
export type ParticipantStatus = z.infer<typeof ParticipantStatus>;

export const Participant = z.object({
  id: Id,
  name: z.string(),
  role: Role,
  /** Present when the person is signed in with an account. */
  userId: z.string().optional(),
  handRaised: z.boolean(),
  /** Time the hand was raised (ms since epoch), for the moderators' queue. */
  handRaisedAt: z.number().optional(),
  mic: z.boolean(),
  cam: z.boolean(),
  /** False while the person's connection is lost and they may still come back (30 s). */
  connected: z.boolean(),
});
export type Participant = z.infer<typeof Participant>;

export const LobbyEntry = z.object({ id: Id, name: z.string(), role: Role, since: z.number() });
export type LobbyEntry = z.infer<typeof LobbyEntry>;

export const RoomInfo = z.object({ id: Id, title: z.string(), kind: RoomKind, settings: RoomSettings });
export type RoomInfo = z.infer<typeof RoomInfo>;

export const SessionInfo = z.object({ id: Id, startedAt: z.number() });
export type SessionInfo = z.infer<typeof SessionInfo>;

// ---------------------------------------------------------------- client → server
export const ClientMessage = z.discriminatedUnion('type', [
  /** First message on every socket: a join ticket from POST /api/join, or a resume token. */
  z.object({ type: z.literal('hello'), id: RequestId, ticket: z.string().min(1).max(4096) }).strict(),
  z.object({ type: z.literal('resume'), id: RequestId, resumeToken: z.string().min(1).max(4096) }).strict(),
  z.object({ type: z.literal('ping'), id: RequestId, t: z.number().optional() }).strict(),
  z.object({ type: z.literal('hand.raise'), id: RequestId }).strict(),
  /** Lower one's own hand, or (moderators) someone else's. */
  z.object({ type: z.literal('hand.lower'), id: RequestId, participantId: Id.optional() }).strict(),
  /** Microphone / camera state (placeholders until the media plane lands). */
  z.object({ type: z.literal('media.state'), id: RequestId, mic: z.boolean().optional(), cam: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('lobby.admit'), id: RequestId, participantId: Id }).strict(),
  z.object({ type: z.literal('lobby.deny'), id: RequestId, participantId: Id, reason: Reason }).strict(),
  z.object({ type: z.literal('participant.setRole'), id: RequestId, participantId: Id, role: Role }).strict(),
  z.object({ type: z.literal('participant.remove'), id: RequestId, participantId: Id, reason: Reason }).strict(),
  z.object({ type: z.literal('session.end'), id: RequestId }).strict(),
  z.object({ type: z.literal('leave'), id: RequestId }).strict(),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ClientMessage.options.map((o) => o.shape.type.value);

// ---------------------------------------------------------------- server → client
export const LeaveReason = z.enum(['left', 'timeout', 'removed', 'denied', 'ended']);
export type LeaveReason = z.infer<typeof LeaveReason>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    participantId: Id,
    /** Present this on a new socket (`resume`) within the grace period to keep one's place. */
    resumeToken: z.string(),
    /** Grace period in milliseconds during which a lost connection keeps its place. */
    resumeWithinMs: z.number(),
    status: ParticipantStatus,
    you: Participant,
    /** What one's role allows now (to show or hide controls; the server still decides). */
    permissions: z.array(Action),
    room: RoomInfo,
    session: SessionInfo.nullable(),
  }),
  /** One's own status changed (waiting → lobby → joined). */
  z.object({ type: z.literal('status'), status: ParticipantStatus, session: SessionInfo.nullable() }),
  /**
   * Full picture, sent whenever one becomes `joined`, one's role changes or the room settings
   * change: the participants, the lobby (only to those who manage it) and one's permissions.
   */
  z.object({ type: z.literal('presence'), participants: z.array(Participant), lobby: z.array(LobbyEntry), permissions: z.array(Action) }),
  z.object({ type: z.literal('participant.joined'), participant: Participant }),
  z.object({ type: z.literal('participant.updated'), participant: Participant }),
  z.object({ type: z.literal('participant.left'), participantId: Id, reason: LeaveReason }),
  z.object({ type: z.literal('lobby.entered'), entry: LobbyEntry }),
  z.object({ type: z.literal('lobby.left'), participantId: Id, outcome: z.enum(['admitted', 'denied', 'left']) }),
  z.object({ type: z.literal('room.updated'), room: RoomInfo }),
  /** The socket is about to close because one is no longer in the room. */
  z.object({ type: z.literal('removed'), reason: z.enum(['removed', 'denied', 'ended']), message: z.string().optional() }),
  z.object({ type: z.literal('pong'), t: z.number().optional(), serverTime: z.number() }),
  z.object({ type: z.literal('ack'), id: z.string() }),
  z.object({
    type: z.literal('error'),
    code: z.enum(ERROR_CODES as [string, ...string[]]),
    message: z.string(),
    id: z.string().optional(),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];
