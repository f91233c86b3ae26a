export { RoomClient, RequestError, type ActionMessage, type ClientState, type ClosedReason, type MediaMessage, type RoomClientEvents, type RoomClientOptions, type WebSocketLike, type WebSocketFactory } from './RoomClient.js';
export { ApiClient, ApiError } from './ApiClient.js';
export { Interaction, type InteractionCommand, type InteractionEvents, type InteractionMessage, type InteractionOptions, type InteractionTransport, type PendingCommand, type PlaybackClock } from './Interaction.js';
export { InteractionModel, sortQuestions, CHAT_HISTORY_LIMIT, type ChatEntry, type InteractionSnapshot, type QuestionOrder } from './InteractionModel.js';
// The interaction rules are the server's own tables, declared once in the protocol.
export { interactionRights, INTERACTION_LIMITS, type InteractionRights } from '@amphi/protocol';
export { DelayedRelease, releaseAt, isDue, type Timed, type DelayedReleaseOptions } from './DelayedRelease.js';
export { linkify, type Segment } from './linkify.js';
