import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestError } from '@amphi/client';
import type { MediaSession } from '@amphi/client/media';
import { mediaActions, type PreferredDevices } from './mediaActions.js';

const track = (readyState: MediaStreamTrackState = 'live') => ({ readyState, enabled: true }) as MediaStreamTrack;

/** The parts of a media session the actions use, each a spy that succeeds. */
function fakeSession(local: Partial<Record<'mic' | 'camera', MediaStreamTrack>> = {}) {
  return {
    local,
    publish: vi.fn(async (_tracks: { mic?: MediaStreamTrack }) => undefined),
    setMic: vi.fn(async (_on: boolean) => undefined),
    setCamera: vi.fn(async (_on: boolean, _deviceId?: string) => undefined),
    shareScreen: vi.fn(async () => undefined),
    stopScreen: vi.fn(async () => undefined),
  };
}

const preferred: PreferredDevices = { micDeviceId: 'mic-2', camDeviceId: 'cam-2' };
const overconstrained = () => new DOMException('The camera is gone.', 'OverconstrainedError');

describe('mediaActions', () => {
  let opened: MediaStreamTrack;
  const getUserMedia = vi.fn(async (_constraints: MediaStreamConstraints) => ({ getAudioTracks: () => [opened] }) as unknown as MediaStream);

  beforeEach(() => {
    opened = track();
    getUserMedia.mockClear();
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const actionsOn = (session: ReturnType<typeof fakeSession>, devices = preferred) => mediaActions(session as unknown as MediaSession, devices);

  it('refuses every action until the media session is ready', async () => {
    const actions = mediaActions(null, preferred);
    for (const action of [() => actions.setMic(true), () => actions.setCamera(true), () => actions.shareScreen(), () => actions.stopScreen()]) {
      await expect(action()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    }
  });

  describe('setMic', () => {
    it('starts a missing microphone on the chosen device, published silent until the server accepts', async () => {
      const session = fakeSession();
      await actionsOn(session).setMic(true);
      expect(getUserMedia).toHaveBeenCalledExactlyOnceWith({ audio: { deviceId: { ideal: 'mic-2' } } });
      expect(session.publish).toHaveBeenCalledExactlyOnceWith({ mic: opened });
      expect(opened.enabled).toBe(false);
      expect(session.publish.mock.invocationCallOrder[0]).toBeLessThan(session.setMic.mock.invocationCallOrder[0]!);
      expect(session.setMic).toHaveBeenCalledWith(true);
    });

    it('starts the default microphone when none was chosen', async () => {
      await actionsOn(fakeSession(), { micDeviceId: undefined, camDeviceId: undefined }).setMic(true);
      expect(getUserMedia).toHaveBeenCalledWith({ audio: true });
    });

    it('starts the microphone again when its track has ended', async () => {
      const session = fakeSession({ mic: track('ended') });
      await actionsOn(session).setMic(true);
      expect(session.publish).toHaveBeenCalledWith({ mic: opened });
    });

    it('only asks the server when the microphone is running, or turned off', async () => {
      const running = fakeSession({ mic: track() });
      await actionsOn(running).setMic(true);
      const without = fakeSession();
      await actionsOn(without).setMic(false);
      expect(getUserMedia).not.toHaveBeenCalled();
      expect(running.setMic).toHaveBeenCalledWith(true);
      expect(without.setMic).toHaveBeenCalledWith(false);
    });

    it('passes on the server’s refusal', async () => {
      const session = fakeSession({ mic: track() });
      session.setMic.mockRejectedValueOnce(new RequestError('NOT_ALLOWED', 'Muted by a moderator'));
      await expect(actionsOn(session).setMic(true)).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    });
  });

  describe('setCamera', () => {
    it('starts the camera chosen before joining', async () => {
      const session = fakeSession();
      await actionsOn(session).setCamera(true);
      expect(session.setCamera).toHaveBeenCalledExactlyOnceWith(true, 'cam-2');
    });

    it('keeps the running camera rather than the one chosen before joining', async () => {
      const session = fakeSession({ camera: track() });
      await actionsOn(session).setCamera(true);
      expect(session.setCamera).toHaveBeenCalledExactlyOnceWith(true, undefined);
    });

    it('falls back to the default camera when the chosen one is gone', async () => {
      const session = fakeSession();
      session.setCamera.mockRejectedValueOnce(overconstrained());
      await actionsOn(session).setCamera(true);
      expect(session.setCamera.mock.calls).toEqual([[true, 'cam-2'], [true]]);
    });

    it('turns the camera off again, and rejects, when it fails to start', async () => {
      const session = fakeSession();
      const busy = new DOMException('In use', 'NotReadableError');
      session.setCamera.mockRejectedValueOnce(busy);
      await expect(actionsOn(session).setCamera(true)).rejects.toBe(busy);
      expect(session.setCamera.mock.calls).toEqual([[true, 'cam-2'], [false]]);
    });

    it('rejects with the first reason even when turning the camera off fails too', async () => {
      const session = fakeSession({ camera: track() });
      const refused = new RequestError('NOT_ALLOWED', 'Cameras are off in this room');
      session.setCamera.mockRejectedValueOnce(refused).mockRejectedValueOnce(new Error('offline'));
      await expect(actionsOn(session).setCamera(true)).rejects.toBe(refused);
    });

    it('turns the camera off without starting anything', async () => {
      const session = fakeSession();
      await actionsOn(session).setCamera(false);
      expect(session.setCamera).toHaveBeenCalledExactlyOnceWith(false);
    });
  });

  it('shares and stops the screen through the session', async () => {
    const session = fakeSession();
    const actions = actionsOn(session);
    await actions.shareScreen();
    await actions.stopScreen();
    expect(session.shareScreen).toHaveBeenCalledOnce();
    expect(session.stopScreen).toHaveBeenCalledOnce();
  });
});
