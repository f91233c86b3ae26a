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
export { Broadcast, type BroadcastAudience, type BroadcastOptions, type BroadcastEvents, type ProgramRun, type ProgramRunFactory, type ProgramSpec, type RtpTarget } from './Broadcast.js';
export { BroadcastService, type BroadcastServiceOptions, type BroadcastStage } from './BroadcastService.js';
export { ProgramRunner, type ProgramRunnerOptions, type ProgramStage } from './ProgramRunner.js';
export { RUNGS, SOURCE_RUNG, HLS_RUNG_NAMES } from './rungs.js';
export { planProgram, type ProgramPlan, type StageFeed } from './programPlan.js';
export {
  NginxRtmp,
  RtmpIngest,
  registerRtmpCallbacks,
  keyHint,
  type NginxRtmpOptions,
  type RtmpIngestOptions,
  type RtmpIngestEvents,
  type PublishDecision,
  type UnpublishReason,
} from './rtmp/index.js';
export { programLayout, resolveLayout, GRID_MAX_CAMERAS, type ProgramGraph, type ProgramSources, type ProgramLayoutChoice, type ProgramLayoutKind } from './programLayout.js';
export { probeSource, canPassThrough, type SourceProbe, type ProbeSourceOptions } from './probeSource.js';
