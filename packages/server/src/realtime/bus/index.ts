export { BusClosedError, type Bus, type BusEvents, type BusListener, type Subscription } from './Bus.js';
export { MemoryBus, type MemoryBusOptions } from './MemoryBus.js';
export { RedisBus, type RedisBusOptions } from './RedisBus.js';
export { SharedSessions, SESSION_LEASE_MS, liveSessionIds, sessionKey, type SessionNews, type ParticipantRecord, type SharedSessionsOptions } from './SharedSessions.js';
export { Fleet, FleetKeyMismatchError, type FleetOptions } from './Fleet.js';
export { SharedRoom, type SharedRoomOptions } from './SharedRoom.js';
