import { ladderCpu } from './broadcast/ladderCpu.js';
import { glassToGlass } from './broadcast/latency.js';
import { edgeOriginRequestsPerS, originViewersPerCore } from './broadcast/origin.js';
import { streamingViewersPerCore } from './broadcast/streaming.js';
import { writeResult } from './lib.js';

/**
 * `broadcast`: the lecture pipeline. Glass-to-glass latency of an OBS-like RTMP encoder to an
 * hls.js viewer and to a WebRTC viewer (clock burned into the picture; baseline: ffmpeg's own
 * HLS muxer with hls.js defaults); the ladder's CPU against the same ffmpeg run bare; Janus
 * Streaming viewers per core against the same viewers on a VideoRoom; the HLS origin against
 * nginx serving the same live files; origin requests behind the shipped nginx edge at 5,000
 * viewers. Each part is in bench/broadcast/ and runs alone too.
 */
export async function run() {
  const parts = [await glassToGlass(), await ladderCpu(), await streamingViewersPerCore(), await originViewersPerCore(), await edgeOriginRequestsPerS()];
  return writeResult('broadcast', Object.assign({}, ...parts.map((p) => p.figures)), parts.map((p) => p.notes).join(' '));
}
