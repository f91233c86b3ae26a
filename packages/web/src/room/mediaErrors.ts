import type { TFunction } from 'i18next';
import { errorCodeOf } from '../api.js';

/**
 * The translated message for a failed media action: the browser's device errors (blocked,
 * missing, busy), or the server's error code. Null when there is nothing to say: the person
 * cancelled the screen picker.
 */
export function mediaErrorMessage(err: unknown, t: TFunction, { screen = false }: { screen?: boolean } = {}): string | null {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return screen ? null : t('media.deviceBlocked');
  if (name === 'AbortError') return screen ? null : t('media.deviceBusy');
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('media.deviceMissing');
  if (name === 'NotReadableError') return t('media.deviceBusy');
  return t(`errors.${errorCodeOf(err)}`);
}
