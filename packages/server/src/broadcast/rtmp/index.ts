export { NginxRtmp, type NginxRtmpOptions, type NginxRtmpInfo, type NginxRtmpEvents, type NginxRtmpLog } from './NginxRtmp.js';
export {
  RtmpIngest,
  keyHint,
  type RtmpIngestOptions,
  type RtmpIngestEvents,
  type PublishRequest,
  type PublishDecision,
  type PublishRefusal,
  type UnpublishReason,
} from './RtmpIngest.js';
export { registerRtmpCallbacks, type RtmpCallbackOptions } from './rtmpRoutes.js';
export { nginxRtmpConfig, RTMP_APPLICATION, RTMP_STREAM_NAME, CALLBACK_SECRET, PUBLISH_PATH, PUBLISH_DONE_PATH } from './nginxRtmpConfig.js';
