export { registerRoomRoutes, type RoomRoutesOptions } from './roomRoutes.js';
export { registerJoinRoutes, GUEST_COOKIE, type JoinRoutesOptions } from './joinRoutes.js';
