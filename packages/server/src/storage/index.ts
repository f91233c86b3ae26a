export { openDatabase, migrate, type Database, type Db, type DatabaseOptions } from './database.js';
export type * from './schema.js';
export { RoomStore, type RoomRecord, type LinkRecord, type CoHostRecord, type StreamKeyRecord } from './RoomStore.js';
export { InteractionStore, type StoredPoll } from './InteractionStore.js';
export { LtiStore, type LtiPlatformRecord, type ToolKeyRecord, type Lti11ConsumerRecord } from './LtiStore.js';
export { LtiLaunchStore, type StoredLoginState, type LtiIdentityRecord, type LtiContextRecord, type LtiResourceLinkRecord, type LtiResourceLinkInput } from './LtiLaunchStore.js';
export { LtiAttendanceStore, type AttendanceInterval } from './LtiAttendanceStore.js';
