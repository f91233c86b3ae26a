import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';

export type Loaded<T> = { status: 'loading' } | { status: 'error'; code: ErrorCode } | { status: 'ready'; data: T };

/**
 * Loads data when `key` changes; answers that arrive after unmount or after a newer load
 * (or a `replace`) are ignored. Returns the state, a setter for fresher data (e.g. the
 * server's answer to a save), and `reload`, which loads again in the background: what is
 * shown stays until the answer arrives (no "loading" in between), and a failed reload keeps
 * the data already shown.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): [Loaded<T>, (data: T) => void, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const loader = useRef(load);
  // The number of the newest load: only its answer is kept.
  const newest = useRef(0);
  useEffect(() => {
    loader.current = load;
  });

  const start = useCallback((background: boolean) => {
    const n = ++newest.current;
    if (!background) setState({ status: 'loading' });
    loader.current().then(
      (data) => n === newest.current && setState({ status: 'ready', data }),
      (error: unknown) => n === newest.current && setState((s) => (background && s.status === 'ready' ? s : { status: 'error', code: errorCodeOf(error) })),
    );
  }, []);
  useEffect(() => {
    start(false);
    return () => {
      newest.current++;
    };
  }, [key, start]);
  const replace = useCallback((data: T) => {
    newest.current++;
    setState({ status: 'ready', data });
  }, []);
  const reload = useCallback(() => start(true), [start]);
  return [state, replace, reload];
}
