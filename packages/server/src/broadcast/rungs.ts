import type { EncodedRendition } from './ladderOptions.js';

/** The rung that passes an encoder's H.264 (≤ 1080p) through instead of encoding it. */
export const SOURCE_RUNG = 'src';

/** The re-encoded rungs Amphi knows by name (AMPHI_HLS_LADDER). */
export const RUNGS: Readonly<Record<string, EncodedRendition>> = {
  '1080p': { name: '1080p', width: 1920, height: 1080, videoBitrate: 5_000_000 },
  '720p': { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
  '540p': { name: '540p', width: 960, height: 540, videoBitrate: 1_800_000 },
  '480p': { name: '480p', width: 854, height: 480, videoBitrate: 1_200_000 },
  '360p': { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
  '240p': { name: '240p', width: 426, height: 240, videoBitrate: 400_000 },
};

/** Every rung name AMPHI_HLS_LADDER accepts. */
export const HLS_RUNG_NAMES: readonly string[] = [SOURCE_RUNG, ...Object.keys(RUNGS)];
