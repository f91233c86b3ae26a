import { useCallback, useEffect, useRef, useState } from 'react';
import type { MediaSession } from '@amphi/client/media';
import { TileLayerTracker } from './TileLayerTracker.js';

/** A ref callback (React 19: it returns its cleanup) that watches one remote video tile. */
export type ObserveTile = (participantId: string, source: 'camera' | 'screen') => (element: HTMLElement | null) => () => void;

/**
 * Chooses the simulcast layer of each remote video by the size of its tile, and pauses the
 * videos scrolled out of view (see TileLayerTracker). Layers are asked for again when the
 * media connection comes back, since a new connection starts from the server's defaults.
 */
export function useLayerSelection(session: MediaSession | null): ObserveTile {
  const latest = useRef(session);
  useEffect(() => {
    latest.current = session;
  });
  const [tracker] = useState(() => new TileLayerTracker((layers) => latest.current?.setLayers(layers) ?? Promise.reject(new Error('No media session'))));
  // One stable ref callback per video, so a re-render does not observe it again.
  const callbacks = useRef(new Map<string, (element: HTMLElement | null) => () => void>());

  useEffect(() => {
    if (!session) return;
    tracker.resendAll();
    const off = session.on('state', (state) => {
      if (state === 'connected') tracker.resendAll();
    });
    return () => {
      off();
      tracker.cancel();
    };
  }, [session, tracker]);

  return useCallback(
    (participantId, source) => {
      const key = `${participantId}:${source}`;
      let callback = callbacks.current.get(key);
      if (!callback) {
        callback = (element) => (element ? tracker.observe(element, participantId, source) : () => undefined);
        callbacks.current.set(key, callback);
      }
      return callback;
    },
    [tracker],
  );
}
