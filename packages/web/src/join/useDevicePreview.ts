import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { DeviceCheck, initialDeviceCheckState, type DeviceCheckState, type DeviceKind } from './DeviceCheck.js';

/** Above this many people in the live session, one joins with the microphone off. */
export const JOIN_MUTED_ABOVE = 10;

export interface DevicePreview extends DeviceCheckState {
  setOn: (kind: DeviceKind, on: boolean) => void;
  choose: (kind: DeviceKind, deviceId: string) => void;
  /** On Join: hands the tracks and choices to the room (`setPendingMedia`). */
  handOver: () => void;
  /** Joining failed: the page keeps its tracks and the preview goes on. */
  takeBack: () => void;
}

const noSubscription = () => () => {};

/**
 * The camera and microphone check of the pre-join page. Opens both devices when the page
 * opens (unless `enabled` is false: viewers send nothing) and stops them when it goes away,
 * except the tracks handed over to the room on Join.
 *
 * @param options.enabled false for people who send no media (no device is opened)
 * @param options.startMuted whether the mic toggle starts off; only its first value counts,
 *   the toggle is the person's afterwards
 */
export function useDevicePreview({ enabled, startMuted }: { enabled: boolean; startMuted: boolean }): DevicePreview {
  const [check, setCheck] = useState<DeviceCheck | null>(null);
  const micOnAtStart = useRef(!startMuted);
  const [initial] = useState(() => initialDeviceCheckState(!startMuted, true, enabled));

  useEffect(() => {
    if (!enabled) return;
    // Made in the effect, not in render: StrictMode's second run gets its own check, and the first one is closed.
    const next = new DeviceCheck({ micOn: micOnAtStart.current, camOn: true });
    setCheck(next);
    void next.start();
    return () => {
      next.close();
      setCheck((current) => (current === next ? null : current));
    };
  }, [enabled]);

  const state = useSyncExternalStore(check?.subscribe ?? noSubscription, () => check?.state ?? initial);
  return {
    ...state,
    setOn: useCallback((kind: DeviceKind, on: boolean) => check?.setOn(kind, on), [check]),
    choose: useCallback((kind: DeviceKind, deviceId: string) => check?.choose(kind, deviceId), [check]),
    handOver: useCallback(() => check?.handOver(), [check]),
    takeBack: useCallback(() => check?.takeBack(), [check]),
  };
}
