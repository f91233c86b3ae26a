export { JanusMediaPlane, type MediaPlane, type MediaPlaneOptions, type MediaRoom, type JanusSetup } from './MediaPlane.js';
export type { RoomMediaHost, MediaLogger } from './RoomMedia.js';
export { AUDIENCE_AUDIO, AUDIENCE_VIDEO, type AudienceStream, type AudienceOptions, type AudienceRtpTarget, type AudienceStreamEvents } from './AudienceStream.js';
export type { StageFeed, ForwardTarget, Forwarder } from './stageFeeds.js';
export { checkPublishOffer } from './publishRules.js';
export { mediaSections } from './sdp.js';
