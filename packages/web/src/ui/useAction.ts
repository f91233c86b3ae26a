import { useCallback, useState } from 'react';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';

/** One user action (a form's submit, a button) as a component sees it. */
export interface UserAction {
  /** True while the action runs: its button is disabled meanwhile. */
  busy: boolean;
  /** The registry code of the last failure, for an `ErrorAlert`; cleared when the action runs again. */
  error: ErrorCode | null;
  /** Shows or clears an error by hand, e.g. after a check made before running. */
  setError: (code: ErrorCode | null) => void;
  /** Runs the action: clears the error, is busy until it settles, keeps the code of its failure. Resolves true on success, false on failure; never rejects. */
  run: (action: () => Promise<void>) => Promise<boolean>;
}

/**
 * The busy flag and the error of one user action.
 *
 * @param options.keepBusyOnSuccess for an action that leaves the screen when it succeeds
 *   (delete then go home, join the room): stay busy after success, so its button cannot be
 *   pressed again before the screen goes away (default false).
 */
export function useAction({ keepBusyOnSuccess = false }: { keepBusyOnSuccess?: boolean } = {}): UserAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorCode | null>(null);
  const run = useCallback(
    async (action: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await action();
        if (!keepBusyOnSuccess) setBusy(false);
        return true;
      } catch (err) {
        setError(errorCodeOf(err));
        setBusy(false);
        return false;
      }
    },
    [keepBusyOnSuccess],
  );
  return { busy, error, setError, run };
}
