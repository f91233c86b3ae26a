export { RoomHub, toRoomInfo, type Attachment, type RoomHubOptions } from './RoomHub.js';
export { MAX_FRAME_BYTES, registerGateway, type GatewayOptions } from './gateway.js';
export { CLOSE, type Peer } from './Peer.js';
