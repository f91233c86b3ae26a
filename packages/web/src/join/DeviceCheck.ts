import { setPendingMedia, takePendingMedia, type LocalMediaChoice } from '../media/pendingMedia.js';

/** The two devices of the check. */
export type DeviceKind = 'mic' | 'camera';
export const DEVICE_KINDS: readonly DeviceKind[] = ['mic', 'camera'];

/** Why a device gives no track: refused (by the person or the browser), absent, or failed to start (often in use by another app). */
export type DeviceProblem = 'denied' | 'missing' | 'failed';

export interface DeviceState {
  /** The live track, if one is open. The mic track stays open (disabled) while the mic is off; the camera track is stopped. */
  track: MediaStreamTrack | null;
  /** The person's choice (the toggle). Falls back to false when the device cannot be opened. */
  on: boolean;
  /** True while a track is being opened. */
  opening: boolean;
  /** The chosen device, or undefined for the browser's default. */
  deviceId: string | undefined;
  problem: DeviceProblem | null;
  /** The devices of this kind the browser lists (their labels appear once permission is given). */
  devices: MediaDeviceInfo[];
}

export interface DeviceCheckState {
  /** False when the browser offers no media devices here (an old browser, or a page not served over HTTPS). */
  supported: boolean;
  mic: DeviceState;
  camera: DeviceState;
}

/** Camera size asked for: HD when the camera can, whatever it gives otherwise. */
const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 } };

function constraintsFor(kind: DeviceKind, deviceId: string | undefined): MediaStreamConstraints {
  const device = deviceId ? { deviceId: { exact: deviceId } } : {};
  return kind === 'mic' ? { audio: deviceId ? device : true } : { video: { ...VIDEO, ...device } };
}

function trackOf(kind: DeviceKind, stream: MediaStream): MediaStreamTrack | undefined {
  return kind === 'mic' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
}

function problemOf(err: unknown): DeviceProblem {
  // Not always an Error: older browsers reject with plain objects that have a name.
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  // OverconstrainedError: the chosen device (exact deviceId) is gone.
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'missing';
  return 'failed';
}

function device(on: boolean, opening: boolean): DeviceState {
  return { track: null, on, opening, deviceId: undefined, problem: null, devices: [] };
}

/** What the check shows before it has started (and for a page that runs none). */
export function initialDeviceCheckState(micOn: boolean, camOn: boolean, opening: boolean): DeviceCheckState {
  return { supported: true, mic: device(micOn, opening), camera: device(camOn, opening) };
}

/**
 * The device check of the pre-join page: opens the microphone and camera, lists the devices,
 * switches between them, and on Join hands the open tracks to the room (`setPendingMedia`).
 * `close()` stops every track it has not handed over; it is safe to call twice. Actions after
 * close are ignored rather than thrown: they can only come from a page that is going away.
 */
export class DeviceCheck {
  #state: DeviceCheckState;
  readonly #media: MediaDevices | undefined;
  readonly #listeners = new Set<() => void>();
  /** Per kind, the number of the latest open request: an older answer (or one after close) is stopped, not used. */
  readonly #request: Record<DeviceKind, number> = { mic: 0, camera: 0 };
  #handed: LocalMediaChoice | null = null;
  #closed = false;

  /**
   * @param options.micOn whether the mic starts on (its track is opened either way)
   * @param options.camOn whether the camera starts on
   * @param options.media the browser's media devices (default `navigator.mediaDevices`)
   */
  constructor({ micOn, camOn, media = globalThis.navigator?.mediaDevices }: { micOn: boolean; camOn: boolean; media?: MediaDevices | undefined }) {
    this.#media = media;
    this.#state = initialDeviceCheckState(micOn, camOn, true);
  }

  get state(): DeviceCheckState {
    return this.#state;
  }

  /** Listens to state changes; returns the function that stops listening (for `useSyncExternalStore`). */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Asks for both devices at once (one permission prompt), then lists the devices. */
  async start(): Promise<void> {
    const media = this.#media;
    if (typeof media?.getUserMedia !== 'function') {
      this.#update({ supported: false }, { on: false, opening: false }, { on: false, opening: false });
      return;
    }
    media.addEventListener('devicechange', this.#listDevices);
    const asked = { mic: ++this.#request.mic, camera: ++this.#request.camera };
    const current = (kind: DeviceKind) => this.#request[kind] === asked[kind];
    try {
      const stream = await media.getUserMedia({ audio: true, video: VIDEO });
      for (const kind of DEVICE_KINDS) this.#install(kind, trackOf(kind, stream), asked[kind]);
    } catch (err) {
      const problem = problemOf(err);
      if (problem === 'denied') {
        for (const kind of DEVICE_KINDS) if (current(kind) && !this.#closed) this.#fail(kind, problem);
      } else {
        // A missing or busy device fails the joint request: ask for each alone, so the other still works.
        await Promise.all(DEVICE_KINDS.filter(current).map((kind) => this.#open(kind)));
      }
    }
    await this.#listDevices();
  }

  /** Turns a device on or off: the mic track is only disabled, the camera track is stopped (its light goes off). */
  setOn(kind: DeviceKind, on: boolean): void {
    if (this.#closed || !this.#state.supported) return;
    const { track, opening } = this.#state[kind];
    if (kind === 'mic') {
      if (track) track.enabled = on;
      this.#patch('mic', { on });
      if (on && !track && !opening) void this.#open('mic');
    } else if (!on) {
      this.#request.camera++; // drops an open still under way
      if (track) this.#release(track);
      this.#patch('camera', { on, track: null, opening: false });
    } else {
      this.#patch('camera', { on });
      if (!track && !opening) void this.#open('camera');
    }
  }

  /** Switches to another device: closes the current track first (some systems open one camera at a time), then opens the new one. */
  choose(kind: DeviceKind, deviceId: string): void {
    if (this.#closed || !this.#state.supported) return;
    const { track, on } = this.#state[kind];
    if (track) this.#release(track);
    this.#patch(kind, { deviceId, track: null });
    if (kind === 'mic' || on) void this.#open(kind);
  }

  /** Hands the choice to the room. Until `takeBack()`, close() leaves the handed tracks running. */
  handOver(): void {
    if (this.#closed) return;
    const { mic, camera } = this.#state;
    this.#handed = {
      mic: mic.track ?? undefined,
      camera: camera.on ? (camera.track ?? undefined) : undefined,
      micOn: mic.on,
      camOn: camera.on,
      micDeviceId: mic.deviceId,
      camDeviceId: camera.deviceId,
    };
    setPendingMedia(this.#handed);
  }

  /** Joining failed: the tracks are the page's again (not stopped, the preview goes on). */
  takeBack(): void {
    if (!this.#handed) return;
    const taken = takePendingMedia();
    if (taken && taken !== this.#handed) setPendingMedia(taken);
    this.#handed = null;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#media?.removeEventListener('devicechange', this.#listDevices);
    for (const kind of DEVICE_KINDS) {
      const { track } = this.#state[kind];
      if (track) this.#release(track);
    }
    this.#listeners.clear();
  }

  async #open(kind: DeviceKind): Promise<void> {
    const request = ++this.#request[kind];
    this.#patch(kind, { opening: true, problem: null });
    try {
      const stream = await this.#media!.getUserMedia(constraintsFor(kind, this.#state[kind].deviceId));
      this.#install(kind, trackOf(kind, stream), request);
    } catch (err) {
      if (request === this.#request[kind] && !this.#closed) this.#fail(kind, problemOf(err));
    }
  }

  #install(kind: DeviceKind, track: MediaStreamTrack | undefined, request: number): void {
    if (request !== this.#request[kind] || this.#closed) {
      track?.stop();
      return;
    }
    if (!track) {
      this.#fail(kind, 'missing');
      return;
    }
    const current = this.#state[kind];
    if (current.track && current.track !== track) this.#release(current.track);
    if (kind === 'camera' && !current.on) {
      track.stop();
      this.#patch(kind, { track: null, opening: false, problem: null });
      return;
    }
    if (kind === 'mic') track.enabled = current.on;
    // Fires when the device is unplugged or the permission is withdrawn (never after stop()).
    track.addEventListener('ended', () => {
      if (this.#state[kind].track === track && !this.#closed) this.#fail(kind, 'missing');
    });
    this.#patch(kind, { track, opening: false, problem: null, deviceId: track.getSettings().deviceId ?? current.deviceId });
  }

  #fail(kind: DeviceKind, problem: DeviceProblem): void {
    this.#patch(kind, { track: null, on: false, opening: false, problem });
  }

  /** Stops a track, unless the room has been handed it. */
  #release(track: MediaStreamTrack): void {
    if (track !== this.#handed?.mic && track !== this.#handed?.camera) track.stop();
  }

  #listDevices = async (): Promise<void> => {
    let list: MediaDeviceInfo[];
    try {
      list = await this.#media!.enumerateDevices();
    } catch {
      return;
    }
    if (this.#closed) return;
    // Before permission, browsers list placeholders without ids: nothing to choose from.
    const usable = list.filter((d) => d.deviceId !== '');
    this.#update({}, { devices: usable.filter((d) => d.kind === 'audioinput') }, { devices: usable.filter((d) => d.kind === 'videoinput') });
  };

  #patch(kind: DeviceKind, change: Partial<DeviceState>): void {
    this.#update({}, kind === 'mic' ? change : {}, kind === 'camera' ? change : {});
  }

  #update(top: Partial<Pick<DeviceCheckState, 'supported'>>, mic: Partial<DeviceState>, camera: Partial<DeviceState>): void {
    if (this.#closed) return;
    const s = this.#state;
    this.#state = { ...s, ...top, mic: { ...s.mic, ...mic }, camera: { ...s.camera, ...camera } };
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A failing listener must not stop the others.
      }
    }
  }
}
