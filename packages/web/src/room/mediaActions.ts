import { RequestError } from '@amphi/client';
import type { MediaSession } from '@amphi/client/media';

/** The devices chosen on the pre-join page, to start the microphone or camera later with them. */
export interface PreferredDevices {
  micDeviceId: string | undefined;
  camDeviceId: string | undefined;
}

/** What one can do with one's own microphone, camera and screen. Each rejects with the reason of a refusal. */
export interface MediaActions {
  setMic(on: boolean): Promise<void>;
  setCamera(on: boolean): Promise<void>;
  shareScreen(): Promise<void>;
  stopScreen(): Promise<void>;
}

/**
 * Media actions on the room's media session. Turning the microphone on without a microphone
 * track (after a reload, or nothing chosen before joining) starts it first, published while
 * still disabled, so nothing is heard until the server accepts the unmute.
 */
export function mediaActions(session: MediaSession | null, preferred: PreferredDevices): MediaActions {
  const ready = (): MediaSession => {
    if (!session) throw new RequestError('INVALID_STATE', 'Media is not ready yet.');
    return session;
  };
  return {
    async setMic(on) {
      const media = ready();
      const current = media.local.mic;
      if (on && (!current || current.readyState === 'ended')) {
        const deviceId = preferred.micDeviceId;
        const stream = await navigator.mediaDevices.getUserMedia({ audio: deviceId ? { deviceId: { ideal: deviceId } } : true });
        const track = stream.getAudioTracks()[0]!;
        track.enabled = false;
        await media.publish({ mic: track });
      }
      await media.setMic(on);
    },
    async setCamera(on) {
      const media = ready();
      if (!on) return media.setCamera(false);
      // The device chosen before joining (when the camera is not running yet), else the default one.
      const deviceId = media.local.camera ? undefined : preferred.camDeviceId;
      try {
        await media.setCamera(true, deviceId).catch((err: unknown) => {
          if (deviceId && err instanceof Error && err.name === 'OverconstrainedError') return media.setCamera(true);
          throw err;
        });
      } catch (err) {
        // The server may already count the camera as on when the browser fails to start it.
        await media.setCamera(false).catch(() => undefined);
        throw err;
      }
    },
    async shareScreen() {
      await ready().shareScreen();
    },
    async stopScreen() {
      await ready().stopScreen();
    },
  };
}
