export { ACTIONS, PERMISSIONS, allowedActions, can, policyAllows, type Action } from './permissions.js';
export { LiveSession, type Identity, type SessionState, type EndReason, type RemovalReason, type LiveSessionEvents, type SharedSessionIdentity } from './LiveSession.js';
export { roleForLink, mergeSettings } from './roomRules.js';
