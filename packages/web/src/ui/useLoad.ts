import { useCallback, useEffect, useState } from 'react';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';

export type Loaded<T> = { status: 'loading' } | { status: 'error'; code: ErrorCode } | { status: 'ready'; data: T };

/** Loads data once per change of `deps`; ignores answers that arrive after unmount or a newer load. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, (data: T) => void, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    run().then(
      (data) => current && setState({ status: 'ready', data }),
      (error: unknown) => current && setState({ status: 'error', code: errorCodeOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [run, attempt]);
  const replace = useCallback((data: T) => setState({ status: 'ready', data }), []);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, replace, reload];
}
