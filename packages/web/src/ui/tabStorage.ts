/**
 * Values kept for this tab: in sessionStorage, or — where the browser denies storage, as
 * Chromium does to a third-party frame (an LMS's) with cookies blocked — in the state of the
 * history entry, which survives a reload and only this origin's scripts read.
 */

function historyState(): Record<string, unknown> {
  const state: unknown = window.history.state;
  return typeof state === 'object' && state !== null ? (state as Record<string, unknown>) : {};
}

/** The value kept under `key` in this tab, or null. */
export function tabGet(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    const kept = historyState()[key];
    return typeof kept === 'string' ? kept : null;
  }
}

/** Keeps `value` under `key` in this tab (null: forgets it). */
export function tabSet(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    const state = { ...historyState() };
    if (value === null) delete state[key];
    else state[key] = value;
    window.history.replaceState(state, '');
  }
}
