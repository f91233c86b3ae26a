import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { Action, Role, RoomKind, RoomSettings } from './roles.js';
import { INTERACTION_CLIENT_MESSAGES, INTERACTION_SERVER_MESSAGES } from './interaction.js';

/** Largest WebSocket message (in bytes) the server accepts; bigger ones get MESSAGE_TOO_LARGE. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/**
 * Largest message carrying an SDP (`media.publish`, `media.subscriberAnswer`), in bytes. A
 * browser's answer grows by ~620 bytes per received stream: a 50-person classroom (mic,
 * camera and screen each) needs ~95 KB.
 */
export const MAX_SDP_MESSAGE_BYTES = 192 * 1024;
/** The message types that may be as large as MAX_SDP_MESSAGE_BYTES. */
export const SDP_MESSAGE_TYPES: readonly string[] = ['media.publish', 'media.subscriberAnswer', 'audience.answer'];

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
  /** Microphone on (its audio is forwarded to others). */
  mic: z.boolean(),
  /** Camera on (its video is forwarded to others). */
  cam: z.boolean(),
  /** Sharing a screen or window. */
  screen: z.boolean(),
  /** Muted by a moderator: the person may unmute only after a moderator asks them to. */
  micLocked: z.boolean(),
  /** False while the person's connection is lost and they may still come back (30 s). */
  connected: z.boolean(),
});
export type Participant = z.infer<typeof Participant>;

export const LobbyEntry = z.object({ id: Id, name: z.string(), role: Role, since: z.number() });
export type LobbyEntry = z.infer<typeof LobbyEntry>;

export const RoomInfo = z.object({ id: Id, title: z.string(), kind: RoomKind, settings: RoomSettings });
export type RoomInfo = z.infer<typeof RoomInfo>;

/**
 * How the program of a lecture is composed from the stage: `auto` shows the shared screen with
 * the speaker's camera inset when a screen is shared, else the speaker; `screen`, `speaker`
 * and `grid` (up to four cameras) force one layout.
 */
export const BroadcastLayout = z.enum(['auto', 'screen', 'speaker', 'grid']);
export type BroadcastLayout = z.infer<typeof BroadcastLayout>;

/** What feeds the program: the stage (VideoRoom) or an external encoder (OBS over RTMP). */
export const BroadcastSource = z.enum(['stage', 'encoder']);
export type BroadcastSource = z.infer<typeof BroadcastSource>;

/**
 * A lecture's broadcast to its audience: `idle` before a moderator starts it (viewers see a
 * waiting screen), `live` while it runs, `ended` once stopped (viewers see an end screen).
 */
export const BroadcastInfo = z.object({
  state: z.enum(['idle', 'live', 'ended']),
  source: BroadcastSource,
  layout: BroadcastLayout,
  /** An encoder is publishing with the room's stream key (it replaces the stage while live). */
  encoderConnected: z.boolean(),
  startedAt: z.number().nullable(),
  /**
   * Path of the HLS master playlist (`/hls/<stream>/master.m3u8`), null until the program is
   * playable. A new path means the program restarted (source switch, encoder reconnect):
   * players load the new one.
   */
  hls: z.string().nullable(),
  /** The sub-second WebRTC audience tier is fed now (viewers may `audience.watch`). */
  webrtc: z.boolean(),
});
export type BroadcastInfo = z.infer<typeof BroadcastInfo>;

export const SessionInfo = z.object({
  id: Id,
  startedAt: z.number(),
  /** Locked by a moderator: nobody new may enter (moderators still may). */
  locked: z.boolean(),
  /** The audience tier of a lecture; null in a classroom. */
  broadcast: BroadcastInfo.nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** What a published stream carries (`screenAudio`: the sound of a shared tab or screen). */
export const MediaSource = z.enum(['mic', 'camera', 'screen', 'screenAudio']);
export type MediaSource = z.infer<typeof MediaSource>;

/** An SDP body (offer or answer), within MAX_SDP_MESSAGE_BYTES. */
const Sdp = z.string().min(10).max(180_000);
/** A transceiver's media id in an SDP. */
const Mid = z.string().min(1).max(16);

/** A TURN/STUN server for the browser's RTCPeerConnection (short-lived TURN credentials). */
export const IceServer = z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() });
export type IceServer = z.infer<typeof IceServer>;

/** One stream in one's subscription: which transceiver (mid) carries whose audio, camera or screen. */
export const RemoteStream = z.object({ mid: Mid, participantId: Id, source: MediaSource, kind: z.enum(['audio', 'video']) });
export type RemoteStream = z.infer<typeof RemoteStream>;

/** What to receive of one remote video: simulcast layer (0 lowest … 2 highest), or nothing while off screen. */
export const LayerChoice = z
  .object({
    participantId: Id,
    source: z.enum(['camera', 'screen']),
    substream: z.number().int().min(0).max(2),
    temporal: z.number().int().min(0).max(2).optional(),
    paused: z.boolean(),
  })
  .strict();
export type LayerChoice = z.infer<typeof LayerChoice>;

// ---------------------------------------------------------------- client → server
export const ClientMessage = z.discriminatedUnion('type', [
  /** First message on every socket: a join ticket from POST /api/join, or a resume token. */
  z.object({ type: z.literal('hello'), id: RequestId, ticket: z.string().min(1).max(4096) }).strict(),
  z.object({ type: z.literal('resume'), id: RequestId, resumeToken: z.string().min(1).max(4096) }).strict(),
  z.object({ type: z.literal('ping'), id: RequestId, t: z.number().optional() }).strict(),
  z.object({ type: z.literal('hand.raise'), id: RequestId }).strict(),
  /** Lower one's own hand, or (moderators) someone else's. */
  z.object({ type: z.literal('hand.lower'), id: RequestId, participantId: Id.optional() }).strict(),
  /** Turn one's microphone, camera or screen share on or off; turning on needs the permission. */
  z.object({ type: z.literal('media.state'), id: RequestId, mic: z.boolean().optional(), cam: z.boolean().optional(), screen: z.boolean().optional() }).strict(),
  /**
   * Publish (or renegotiate, or ICE-restart) one's outgoing media: an SDP offer without
   * trickle (all candidates inside) and what each sending transceiver carries. Answered by
   * `media.answer`, then the ack.
   */
  z
    .object({
      type: z.literal('media.publish'),
      id: RequestId,
      sdp: Sdp,
      sources: z.array(z.object({ mid: Mid, source: MediaSource }).strict()).min(1).max(4),
      /** True when the offer comes from a new peer connection (after a failure or a `media.reset`). */
      fresh: z.boolean().optional(),
    })
    .strict(),
  /** Stop sending media altogether (e.g. before closing the publishing connection). */
  z.object({ type: z.literal('media.unpublish'), id: RequestId }).strict(),
  /** Start (or start afresh, on a new peer connection) receiving others' media: offers follow. */
  z.object({ type: z.literal('media.receive'), id: RequestId }).strict(),
  /** The answer to the last `media.offer` of one's receiving connection. */
  z.object({ type: z.literal('media.subscriberAnswer'), id: RequestId, sdp: Sdp }).strict(),
  /** Ask for a fresh offer of one's receiving connection, with an ICE restart. */
  z.object({ type: z.literal('media.restart'), id: RequestId }).strict(),
  /** Which simulcast layer to receive of each remote video, or pause it (tile off screen). */
  z.object({ type: z.literal('media.layers'), id: RequestId, layers: z.array(LayerChoice).max(100) }).strict(),
  /** Moderators: turn off someone's microphone (locking it), camera or screen share. */
  z.object({ type: z.literal('media.mute'), id: RequestId, participantId: Id, source: z.enum(['mic', 'camera', 'screen']) }).strict(),
  /** Moderators: mute and lock every microphone but the moderators'. */
  z.object({ type: z.literal('media.muteAll'), id: RequestId }).strict(),
  /** Moderators: unlock someone's microphone and ask them to unmute. */
  z.object({ type: z.literal('media.askUnmute'), id: RequestId, participantId: Id }).strict(),
  /** Moderators: lock the room (nobody new enters) or unlock it. */
  z.object({ type: z.literal('session.lock'), id: RequestId, locked: z.boolean() }).strict(),
  /** Moderators: start the lecture's broadcast to the audience, or stop it (ends it for viewers). */
  z.object({ type: z.literal('broadcast.start'), id: RequestId }).strict(),
  z.object({ type: z.literal('broadcast.stop'), id: RequestId }).strict(),
  /** Moderators: how the program is composed from the stage. */
  z.object({ type: z.literal('broadcast.layout'), id: RequestId, layout: BroadcastLayout }).strict(),
  /** Viewers: ask for the sub-second WebRTC program (answered by `audience.offer`, or AUDIENCE_FULL: use HLS). */
  z.object({ type: z.literal('audience.watch'), id: RequestId }).strict(),
  z.object({ type: z.literal('audience.answer'), id: RequestId, sdp: Sdp }).strict(),
  z.object({ type: z.literal('audience.leave'), id: RequestId }).strict(),
  z.object({ type: z.literal('lobby.admit'), id: RequestId, participantId: Id }).strict(),
  z.object({ type: z.literal('lobby.deny'), id: RequestId, participantId: Id, reason: Reason }).strict(),
  z.object({ type: z.literal('participant.setRole'), id: RequestId, participantId: Id, role: Role }).strict(),
  z.object({ type: z.literal('participant.remove'), id: RequestId, participantId: Id, reason: Reason }).strict(),
  z.object({ type: z.literal('session.end'), id: RequestId }).strict(),
  z.object({ type: z.literal('leave'), id: RequestId }).strict(),
  ...INTERACTION_CLIENT_MESSAGES,
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
    /** STUN/TURN servers for one's peer connections (TURN credentials expire; a new welcome brings fresh ones). */
    iceServers: z.array(IceServer),
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
  /** The live session's state changed (e.g. locked). */
  z.object({ type: z.literal('session.updated'), session: SessionInfo }),
  /** Answer to one's `media.publish` offer. */
  z.object({ type: z.literal('media.answer'), sdp: z.string() }),
  /** A new offer for one's receiving connection (answer with `media.subscriberAnswer`), with what each transceiver carries. */
  z.object({
    type: z.literal('media.offer'),
    sdp: z.string(),
    streams: z.array(RemoteStream),
    /** The offer starts a new receiving connection: close the old one and answer on a new one. */
    fresh: z.boolean(),
  }),
  /** Someone started or stopped speaking (from the media server's audio levels). */
  z.object({ type: z.literal('media.talking'), participantId: Id, talking: z.boolean() }),
  /**
   * The media server restarted or one's media connection was lost on its side: close both
   * peer connections, publish again what was on, and wait for a new offer.
   */
  z.object({ type: z.literal('media.reset'), reason: z.enum(['restarted', 'failed']) }),
  /** The WebRTC program for a viewer's `audience.watch`: answer with `audience.answer`. */
  z.object({ type: z.literal('audience.offer'), sdp: z.string() }),
  /** A moderator asks one to unmute (one's microphone is unlocked). */
  z.object({ type: z.literal('media.askUnmute'), by: z.string() }),
  /** The socket is about to close because one is no longer in the room. */
  z.object({ type: z.literal('removed'), reason: z.enum(['removed', 'denied', 'ended']), message: z.string().optional() }),
  z.object({ type: z.literal('pong'), t: z.number().optional(), serverTime: z.number() }),
  z.object({ type: z.literal('ack'), id: z.string() }),
  z.object({
    type: z.literal('error'),
    code: z.enum(ERROR_CODES as [string, ...string[]]),
    message: z.string(),
    id: z.string().optional(),
    /** RATE_LIMITED: when to try again. */
    retryAfterMs: z.number().optional(),
  }),
  ...INTERACTION_SERVER_MESSAGES,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];
