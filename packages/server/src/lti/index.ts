export { ToolKeys, type SigningKey, type StoredToolKey, type ToolKeyStore } from './ToolKeys.js';
export { Sealer } from './sealing.js';
export { parsePlatformRegistration, type PlatformRegistration, type PlatformLookup } from './platform.js';
