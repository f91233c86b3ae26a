/** What a key does when the player has the focus. */
export type PlayerCommand = 'togglePlay' | 'toggleMute' | 'fullscreen' | 'volumeUp' | 'volumeDown';

/** What has the focus inside the player: a button, a field (slider, select) or the player itself. */
export type FocusKind = 'button' | 'field' | 'other';

/** One press of "volume up/down" (a tenth of the range). */
export const VOLUME_STEP = 0.1;

/**
 * The player's keyboard shortcuts (documented beside the player): K or Space play or pause,
 * M mutes, F full screen, Up and Down arrows change the volume. They work only while the
 * focus is inside the player (WCAG 2.1.4), never with a modifier (browser and screen-reader
 * shortcuts), and never in a field: the volume slider and the quality list use the arrows
 * themselves, and Space already presses a focused button.
 */
export function shortcutFor(key: string, { modifier, focus }: { modifier: boolean; focus: FocusKind }): PlayerCommand | null {
  if (modifier || focus === 'field') return null;
  switch (key) {
    case 'k':
    case 'K':
      return 'togglePlay';
    case ' ':
      return focus === 'button' ? null : 'togglePlay';
    case 'm':
    case 'M':
      return 'toggleMute';
    case 'f':
    case 'F':
      return 'fullscreen';
    case 'ArrowUp':
      return 'volumeUp';
    case 'ArrowDown':
      return 'volumeDown';
    default:
      return null;
  }
}

/** The volume after one step up (+1) or down (-1), kept within 0–1 and rounded to the step. */
export function stepVolume(volume: number, direction: 1 | -1, step = VOLUME_STEP): number {
  const next = Math.round((volume + direction * step) / step) * step;
  return Math.min(1, Math.max(0, Number(next.toFixed(3))));
}
