export { ToolKeys, type SigningKey, type StoredToolKey, type ToolKeyStore } from './ToolKeys.js';
export { Sealer } from './sealing.js';
export { parseDeploymentIds, parsePlatformRegistration, type PlatformRegistration, type PlatformLookup } from './platform.js';
export { LtiLaunchService, LTI_APP_TOKEN_TTL_S, LTI11_ISSUER_PREFIX, type LaunchResult } from './LtiLaunchService.js';
export { LtiServices, type LtiServicesOptions } from './LtiServices.js';
