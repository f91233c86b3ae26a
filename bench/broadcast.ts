import { edgeOriginRequestsPerS, originViewersPerCore } from './broadcast/origin.js';
import { writeResult } from './lib.js';

/**
 * `broadcast`: the HLS origin against nginx serving the same live files (viewers per core), and
 * the origin requests that 5,000 LL-HLS viewers cause behind the shipped nginx edge. Not yet
 * measured here (see docs/benchmarks.md): glass-to-glass latency of HLS and of the WebRTC tier,
 * the ladder's CPU against bare ffmpeg, Janus Streaming viewers per core.
 */
export async function run() {
  const origin = await originViewersPerCore();
  const edge = await edgeOriginRequestsPerS();
  return writeResult('broadcast', { ...origin.figures, ...edge.figures }, [origin.notes, edge.notes].join(' '));
}
