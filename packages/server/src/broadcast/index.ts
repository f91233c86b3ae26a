export { BroadcastError, type BroadcastErrorCode } from './errors.js';
export {
  Fmp4Parser,
  DEFAULT_MAX_BOX_SIZE,
  isSync,
  type Fmp4ParserOptions,
  type Fmp4Event,
  type Fmp4Track,
  type InitSegment,
  type Fragment,
  type TrackFragment,
} from './fmp4.js';
export { LlHlsPlaylist, INIT_NAME, type LlHlsPlaylistOptions, type LlHlsPlaylistEvents, type PartInput, type PartRef } from './LlHlsPlaylist.js';
export { HlsOrigin, STREAM_ID, RENDITION_NAME, type HlsOriginEvents } from './HlsOrigin.js';
export { registerHlsOrigin, type HlsRoutesOptions } from './hlsRoutes.js';
export {
  HlsLadder,
  DEFAULT_LADDER,
  type HlsLadderOptions,
  type HlsLadderEvents,
  type RenditionConfig,
  type LadderExit,
} from './HlsLadder.js';
export { renderMasterPlaylist, avcCodecString, type MasterVariant } from './masterPlaylist.js';
