import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { takePendingMedia } from '../media/pendingMedia.js';
import { DeviceCheck } from './DeviceCheck.js';

type Kind = 'audio' | 'video';

/** A device's track: `stop()` is a spy, `unplug()` ends it as the browser would. */
class FakeTrack {
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  readonly stop = vi.fn(() => {
    this.readyState = 'ended';
  });
  readonly #onEnded: (() => void)[] = [];
  constructor(
    readonly kind: Kind,
    readonly deviceId: string,
  ) {}
  getSettings(): MediaTrackSettings {
    return { deviceId: this.deviceId };
  }
  addEventListener(type: string, listener: () => void): void {
    if (type === 'ended') this.#onEnded.push(listener);
  }
  unplug(): void {
    this.readyState = 'ended';
    for (const listener of this.#onEnded) listener();
  }
}

function exactDevice(constraint: boolean | MediaTrackConstraints | undefined): string | undefined {
  const deviceId = typeof constraint === 'object' ? constraint.deviceId : undefined;
  return typeof deviceId === 'object' && !Array.isArray(deviceId) && typeof deviceId.exact === 'string' ? deviceId.exact : undefined;
}

/** The browser's media devices: one microphone and two cameras, each opened on request unless refused. */
class FakeMediaDevices {
  /** The error name the browser gives when asked for this kind of device (none: it opens). */
  refuse: Partial<Record<Kind, string>> = {};
  list = [
    { kind: 'audioinput', deviceId: 'mic-1', label: 'Headset', groupId: 'g1' },
    { kind: 'videoinput', deviceId: 'cam-1', label: 'Built-in camera', groupId: 'g2' },
    { kind: 'videoinput', deviceId: 'cam-2', label: 'USB camera', groupId: 'g3' },
    { kind: 'audiooutput', deviceId: 'out-1', label: 'Speakers', groupId: 'g1' },
  ];
  /** Every track handed out, in order. */
  readonly opened: FakeTrack[] = [];
  onDeviceChange: (() => void) | undefined;

  readonly getUserMedia = vi.fn(async (constraints: MediaStreamConstraints): Promise<MediaStream> => this.#answer(constraints));
  readonly enumerateDevices = vi.fn(async () => this.list as MediaDeviceInfo[]);

  addEventListener(type: string, listener: () => void): void {
    if (type === 'devicechange') this.onDeviceChange = listener;
  }
  removeEventListener(type: string, listener: () => void): void {
    if (type === 'devicechange' && this.onDeviceChange === listener) this.onDeviceChange = undefined;
  }

  /** Makes the next request wait; returns the function that lets it answer. */
  hold(): () => Promise<void> {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.getUserMedia.mockImplementationOnce(async (constraints) => {
      await gate;
      return this.#answer(constraints);
    });
    return async () => {
      release();
      await settle();
    };
  }

  last(kind: Kind): FakeTrack {
    return this.opened.filter((t) => t.kind === kind).at(-1)!;
  }

  #answer(constraints: MediaStreamConstraints): MediaStream {
    const kinds = (['audio', 'video'] as const).filter((kind) => constraints[kind]);
    for (const kind of kinds) {
      const name = this.refuse[kind];
      if (name) throw new DOMException('Refused', name);
    }
    const tracks = kinds.map((kind) => new FakeTrack(kind, exactDevice(constraints[kind]) ?? (kind === 'audio' ? 'mic-1' : 'cam-1')));
    this.opened.push(...tracks);
    return { getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'), getVideoTracks: () => tracks.filter((t) => t.kind === 'video') } as unknown as MediaStream;
  }
}

/** Lets the requests under way answer (no time passes: the fake devices answer at once). */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('DeviceCheck', () => {
  let media: FakeMediaDevices;
  const check = ({ micOn = true, camOn = true } = {}) => new DeviceCheck({ micOn, camOn, media: media as unknown as MediaDevices });

  beforeEach(() => {
    media = new FakeMediaDevices();
  });

  afterEach(() => {
    takePendingMedia();
  });

  describe('starting', () => {
    it('asks for the microphone and camera in one request, then lists the devices of each kind', async () => {
      const devices = check();
      expect(devices.state.mic.opening && devices.state.camera.opening).toBe(true);
      await devices.start();
      expect(media.getUserMedia).toHaveBeenCalledExactlyOnceWith({ audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
      const { mic, camera } = devices.state;
      expect(mic).toMatchObject({ track: media.last('audio'), on: true, opening: false, deviceId: 'mic-1', problem: null });
      expect(camera).toMatchObject({ track: media.last('video'), on: true, opening: false, deviceId: 'cam-1', problem: null });
      expect(media.last('audio').enabled).toBe(true);
      expect(mic.devices.map((d) => d.deviceId)).toEqual(['mic-1']);
      expect(camera.devices.map((d) => d.deviceId)).toEqual(['cam-1', 'cam-2']);
    });

    it('keeps the microphone open but silent, and the camera closed, when they start off', async () => {
      const devices = check({ micOn: false, camOn: false });
      await devices.start();
      expect(devices.state.mic).toMatchObject({ track: media.last('audio'), on: false });
      expect(media.last('audio').enabled).toBe(false);
      expect(devices.state.camera).toMatchObject({ track: null, on: false, opening: false, problem: null });
      expect(media.last('video').stop).toHaveBeenCalled();
    });

    it('lists no devices before permission is given (the browser hides their ids)', async () => {
      media.list = media.list.map((d) => ({ ...d, deviceId: '', label: '' }));
      media.refuse = { audio: 'NotAllowedError', video: 'NotAllowedError' };
      const devices = check();
      await devices.start();
      expect(devices.state.mic.devices).toEqual([]);
      expect(devices.state.camera.devices).toEqual([]);
    });

    it('says so when the browser offers no media devices', async () => {
      const devices = new DeviceCheck({ micOn: true, camOn: true, media: {} as MediaDevices });
      await devices.start();
      expect(devices.state.supported).toBe(false);
      expect(devices.state.mic).toMatchObject({ on: false, opening: false });
      expect(devices.state.camera).toMatchObject({ on: false, opening: false });
    });

    it('turns both off when permission is refused, without asking again', async () => {
      media.refuse = { audio: 'NotAllowedError', video: 'NotAllowedError' };
      const devices = check();
      await devices.start();
      expect(media.getUserMedia).toHaveBeenCalledOnce();
      expect(devices.state.mic).toMatchObject({ track: null, on: false, opening: false, problem: 'denied' });
      expect(devices.state.camera).toMatchObject({ track: null, on: false, opening: false, problem: 'denied' });
    });

    it('asks for each device alone when one is missing, so that the other still works', async () => {
      media.refuse = { video: 'NotFoundError' };
      const devices = check();
      await devices.start();
      expect(media.getUserMedia).toHaveBeenCalledTimes(3);
      expect(devices.state.mic).toMatchObject({ track: media.last('audio'), on: true, problem: null });
      expect(devices.state.camera).toMatchObject({ track: null, on: false, opening: false, problem: 'missing' });
    });

    it('reports a device that fails to start (in use by another app)', async () => {
      media.refuse = { audio: 'NotReadableError' };
      const devices = check();
      await devices.start();
      expect(devices.state.mic).toMatchObject({ track: null, on: false, problem: 'failed' });
      expect(devices.state.camera).toMatchObject({ track: media.last('video'), on: true, problem: null });
    });
  });

  describe('once started', () => {
    it('only silences the microphone when it is turned off, and unsilences it when turned on', async () => {
      const devices = check();
      await devices.start();
      const mic = media.last('audio');
      devices.setOn('mic', false);
      expect(mic.enabled).toBe(false);
      expect(devices.state.mic).toMatchObject({ on: false, track: mic });
      devices.setOn('mic', true);
      expect(mic.enabled).toBe(true);
      expect(mic.stop).not.toHaveBeenCalled();
    });

    it('stops the camera when it is turned off, so its light goes off, and opens it again when turned on', async () => {
      const devices = check();
      await devices.start();
      const first = media.last('video');
      devices.setOn('camera', false);
      expect(first.stop).toHaveBeenCalled();
      expect(devices.state.camera).toMatchObject({ on: false, track: null });
      devices.setOn('camera', true);
      expect(devices.state.camera).toMatchObject({ on: true, opening: true });
      await settle();
      expect(media.getUserMedia).toHaveBeenLastCalledWith({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, deviceId: { exact: 'cam-1' } } });
      expect(devices.state.camera).toMatchObject({ on: true, opening: false, track: media.last('video') });
      expect(media.last('video')).not.toBe(first);
    });

    it('stops a camera that opens after it was turned off again', async () => {
      const devices = check({ camOn: false });
      await devices.start();
      const answer = media.hold();
      devices.setOn('camera', true);
      devices.setOn('camera', false);
      await answer();
      expect(media.last('video').stop).toHaveBeenCalled();
      expect(devices.state.camera).toMatchObject({ on: false, opening: false, track: null });
    });

    it('reports no problem for a camera that fails to open after it was turned off', async () => {
      const devices = check({ camOn: false });
      await devices.start();
      const answer = media.hold();
      devices.setOn('camera', true);
      devices.setOn('camera', false);
      media.refuse = { video: 'NotReadableError' };
      await answer();
      expect(devices.state.camera).toMatchObject({ on: false, opening: false, track: null, problem: null });
    });

    it('closes the current device before opening the chosen one', async () => {
      const devices = check();
      await devices.start();
      const before = media.last('video');
      devices.choose('camera', 'cam-2');
      expect(before.stop).toHaveBeenCalled();
      expect(before.stop.mock.invocationCallOrder[0]).toBeLessThan(media.getUserMedia.mock.invocationCallOrder.at(-1)!);
      await settle();
      expect(devices.state.camera).toMatchObject({ track: media.last('video'), deviceId: 'cam-2', on: true });
      expect(media.last('video').deviceId).toBe('cam-2');
    });

    it('keeps the device chosen last when an earlier choice opens late', async () => {
      const devices = check();
      await devices.start();
      const slow = media.hold();
      const fast = media.hold();
      devices.choose('camera', 'cam-2');
      devices.choose('camera', 'cam-1');
      await fast();
      const chosen = media.last('video');
      await slow();
      const late = media.last('video');
      expect([chosen.deviceId, late.deviceId]).toEqual(['cam-1', 'cam-2']);
      expect(late.stop).toHaveBeenCalled();
      expect(chosen.stop).not.toHaveBeenCalled();
      expect(devices.state.camera).toMatchObject({ track: chosen, deviceId: 'cam-1', opening: false });
    });

    it('remembers a camera chosen while off, and opens it when the camera is turned on', async () => {
      const devices = check({ camOn: false });
      await devices.start();
      const asked = media.getUserMedia.mock.calls.length;
      devices.choose('camera', 'cam-2');
      expect(media.getUserMedia).toHaveBeenCalledTimes(asked);
      devices.setOn('camera', true);
      await settle();
      expect(devices.state.camera).toMatchObject({ on: true, deviceId: 'cam-2', track: media.last('video') });
      expect(media.last('video').deviceId).toBe('cam-2');
    });

    it('opens a microphone chosen while off, silent', async () => {
      const devices = check({ micOn: false });
      await devices.start();
      devices.choose('mic', 'mic-2');
      await settle();
      expect(devices.state.mic).toMatchObject({ on: false, deviceId: 'mic-2', track: media.last('audio') });
      expect(media.last('audio').enabled).toBe(false);
    });

    it('reports a device that is unplugged', async () => {
      const devices = check();
      await devices.start();
      media.last('video').unplug();
      expect(devices.state.camera).toMatchObject({ track: null, on: false, problem: 'missing' });
    });

    it('lists the devices again when they change', async () => {
      const devices = check();
      await devices.start();
      media.list = media.list.filter((d) => d.deviceId !== 'cam-2');
      media.onDeviceChange?.();
      await settle();
      expect(devices.state.camera.devices.map((d) => d.deviceId)).toEqual(['cam-1']);
    });

    it('tells every listener of a change, even when one throws', async () => {
      const devices = check();
      await devices.start();
      const listener = vi.fn();
      devices.subscribe(() => {
        throw new Error('broken listener');
      });
      const stop = devices.subscribe(listener);
      devices.setOn('mic', false);
      expect(listener).toHaveBeenCalledOnce();
      stop();
      devices.setOn('mic', true);
      expect(listener).toHaveBeenCalledOnce();
    });
  });

  describe('joining and closing', () => {
    it('hands the open tracks and the choice to the room, and leaves them running when the page closes', async () => {
      const devices = check({ micOn: false });
      await devices.start();
      devices.choose('camera', 'cam-2');
      await settle();
      devices.handOver();
      devices.close();
      const mic = media.last('audio');
      const camera = media.last('video');
      expect(takePendingMedia()).toEqual({ mic, camera, micOn: false, camOn: true, micDeviceId: 'mic-1', camDeviceId: 'cam-2' });
      expect(mic.stop).not.toHaveBeenCalled();
      expect(camera.stop).not.toHaveBeenCalled();
    });

    it('hands over no camera track when the camera is off', async () => {
      const devices = check({ camOn: false });
      await devices.start();
      devices.handOver();
      expect(takePendingMedia()).toMatchObject({ mic: media.last('audio'), camera: undefined, camOn: false });
    });

    it('takes the tracks back when joining fails, and then stops them on close', async () => {
      const devices = check();
      await devices.start();
      devices.handOver();
      devices.takeBack();
      expect(takePendingMedia()).toBeNull();
      devices.close();
      expect(media.last('audio').stop).toHaveBeenCalled();
      expect(media.last('video').stop).toHaveBeenCalled();
    });

    it('stops every track once on close, and may be closed twice', async () => {
      const devices = check();
      await devices.start();
      devices.close();
      devices.close();
      expect(media.last('audio').stop).toHaveBeenCalledOnce();
      expect(media.last('video').stop).toHaveBeenCalledOnce();
      expect(media.onDeviceChange).toBeUndefined();
    });

    it('ignores what is asked after close', async () => {
      const devices = check();
      await devices.start();
      const listener = vi.fn();
      devices.subscribe(listener);
      devices.close();
      const state = devices.state;
      const asked = media.getUserMedia.mock.calls.length;
      devices.setOn('camera', true);
      devices.setOn('mic', true);
      devices.choose('camera', 'cam-2');
      devices.handOver();
      await settle();
      expect(devices.state).toBe(state);
      expect(media.getUserMedia).toHaveBeenCalledTimes(asked);
      expect(listener).not.toHaveBeenCalled();
      expect(takePendingMedia()).toBeNull();
    });

    it('stops the tracks that open after close', async () => {
      const devices = check();
      const answer = media.hold();
      const started = devices.start();
      devices.close();
      await answer();
      await started;
      expect(media.opened).toHaveLength(2);
      for (const track of media.opened) expect(track.stop).toHaveBeenCalled();
    });
  });
});
