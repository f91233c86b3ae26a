// Browser-only (WebRTC, getUserMedia): kept apart from the Node-friendly entry point.
export { MediaSession, iceGathered, type MediaConnectionState, type MediaSessionEvents, type MediaSessionOptions, type RemoteMedia } from './MediaSession.js';
