export { registerRoomRoutes, type RoomRoutesOptions } from './roomRoutes.js';
export { registerJoinRoutes, GUEST_COOKIE, type JoinRoutesOptions } from './joinRoutes.js';
export { registerLtiAdminRoutes, ltiToolUrls, JWKS_MAX_AGE_S, type LtiAdminRoutesOptions } from './ltiAdminRoutes.js';
export { registerLtiLaunchRoutes, requireLtiApp, bearerToken } from './ltiLaunchRoutes.js';
export { registerLtiServiceRoutes, type LtiServiceRoutesOptions } from './ltiServiceRoutes.js';
