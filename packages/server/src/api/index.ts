export { registerRoomRoutes, type RoomRoutesOptions } from './roomRoutes.js';
export { registerJoinRoutes, type JoinRoutesOptions } from './joinRoutes.js';
