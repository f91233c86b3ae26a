export { AccountService, type AccountServiceOptions, type SessionRecord } from './AccountService.js';
export { registerAuthRoutes, type AuthRoutesOptions } from './routes.js';
export { TokenSigner, randomToken, sha256, type LinkClaims, type TicketClaims, type ResumeClaims, type LtiAppClaims, type LtiDeepLinkClaims } from './tokens.js';
export { hashPassword, verifyPassword } from './passwords.js';
