import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';

export type Loaded<T> = { status: 'loading' } | { status: 'error'; code: ErrorCode } | { status: 'ready'; data: T };

/**
 * Loads data when `key` changes (or `reload()` is called); answers that arrive after
 * unmount or after a newer load are ignored. Returns the state, a setter for fresher
 * data (e.g. the server's answer to a save), and `reload`.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): [Loaded<T>, (data: T) => void, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    loader.current().then(
      (data) => current && setState({ status: 'ready', data }),
      (error: unknown) => current && setState({ status: 'error', code: errorCodeOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [key, attempt]);
  const replace = useCallback((data: T) => setState({ status: 'ready', data }), []);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, replace, reload];
}
