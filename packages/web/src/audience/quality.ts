/** One rung of the HLS ladder, as hls.js lists it. */
export interface QualityLevel {
  /** Picture height in pixels (0 when the playlist does not say). */
  height: number;
  /** Bits per second. */
  bitrate: number;
}

/** The quality selector's value for automatic selection (hls.js's own -1). */
export const AUTO_QUALITY = -1;

export interface QualityOption {
  /** Index in hls.js's levels, or AUTO_QUALITY. */
  value: number;
  /** Label of a level ("720p"); null for Auto, which the component words with the current level. */
  label: string | null;
}

/**
 * "720p", or the bit rate when the height is unknown or shared with another level (two
 * 720p rungs of different bit rates): each option must be told apart.
 */
export function levelLabel(levels: readonly QualityLevel[], index: number): string {
  const level = levels[index];
  if (!level) return '';
  const kbps = `${Math.round(level.bitrate / 1000)} kb/s`;
  if (level.height <= 0) return kbps;
  const shared = levels.some((other, i) => i !== index && other.height === level.height);
  return shared ? `${level.height}p (${kbps})` : `${level.height}p`;
}

/** Auto first, then each level from the best down (hls.js lists them in manifest order). */
export function qualityOptions(levels: readonly QualityLevel[]): QualityOption[] {
  const order = levels.map((_, i) => i).sort((a, b) => levels[b]!.height - levels[a]!.height || levels[b]!.bitrate - levels[a]!.bitrate);
  return [{ value: AUTO_QUALITY, label: null }, ...order.map((i) => ({ value: i, label: levelLabel(levels, i) }))];
}

/** What "Auto" shows in brackets: the level playing now, or null before one plays. */
export function autoDetail(levels: readonly QualityLevel[], currentLevel: number): string | null {
  return currentLevel >= 0 && currentLevel < levels.length ? levelLabel(levels, currentLevel) : null;
}
