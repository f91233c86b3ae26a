/**
 * What the person chose on the pre-join page (devices, started tracks, mic/camera on or off),
 * handed over to the room once joined. Kept outside React state: MediaStreamTracks are live
 * objects that must not be copied, and the room takes them exactly once.
 */
export interface LocalMediaChoice {
  /** The microphone track, when one was started (disabled while the mic is off). */
  mic: MediaStreamTrack | undefined;
  /** The camera track, when the camera was turned on. */
  camera: MediaStreamTrack | undefined;
  micOn: boolean;
  camOn: boolean;
  micDeviceId: string | undefined;
  camDeviceId: string | undefined;
}

let pending: LocalMediaChoice | null = null;

/** Called by the pre-join page when the person joins. Stops the tracks of an earlier, untaken choice. */
export function setPendingMedia(choice: LocalMediaChoice | null): void {
  if (pending && pending !== choice) {
    for (const track of [pending.mic, pending.camera]) if (track && track !== choice?.mic && track !== choice?.camera) track.stop();
  }
  pending = choice;
}

/** Called once by the room: returns the choice (or null) and forgets it. */
export function takePendingMedia(): LocalMediaChoice | null {
  const choice = pending;
  pending = null;
  return choice;
}

/**
 * Stops the chosen devices while the person waits (for a moderator, or in the lobby), so the
 * camera light goes off, but keeps the choice: the room opens the same devices again when it
 * turns them on.
 */
export function releasePendingDevices(): void {
  if (!pending) return;
  pending.mic?.stop();
  pending.camera?.stop();
  pending = { ...pending, mic: undefined, camera: undefined };
}
