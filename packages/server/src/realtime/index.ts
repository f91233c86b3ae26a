export { RoomHub, toRoomInfo, type Attachment, type RoomHubOptions } from './RoomHub.js';
export type { SessionObserver } from './SessionObserver.js';
export { MAX_FRAME_BYTES, registerGateway, type GatewayOptions } from './gateway.js';
export { CLOSE, type Peer } from './Peer.js';
export { Fleet, FleetKeyMismatchError, MemoryBus, RedisBus, liveSessionIds, type Bus } from './bus/index.js';
export { InteractionSession, isInteractionMessage, SERVER_ACTOR, type InteractionMessage, type InteractionSessionOptions } from './InteractionSession.js';
