export { JanusMediaPlane, type MediaPlane, type MediaPlaneOptions, type MediaRoom, type JanusSetup } from './MediaPlane.js';
export type { RoomMediaHost, MediaLogger } from './RoomMedia.js';
export { checkPublishOffer } from './publishRules.js';
export { mediaSections } from './sdp.js';
