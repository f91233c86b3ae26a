export { RoomClient, RequestError, type ActionMessage, type ClientState, type ClosedReason, type MediaMessage, type RoomClientEvents, type RoomClientOptions, type WebSocketLike, type WebSocketFactory } from './RoomClient.js';
export { ApiClient, ApiError } from './ApiClient.js';
