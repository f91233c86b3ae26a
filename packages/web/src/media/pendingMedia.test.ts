import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import { releasePendingDevices, setPendingMedia, takePendingMedia, type LocalMediaChoice } from './pendingMedia.js';

type FakeTrack = MediaStreamTrack & { stop: Mock<() => void> };

const fakeTrack = (): FakeTrack => ({ stop: vi.fn() }) as unknown as FakeTrack;

function choice(change: Partial<LocalMediaChoice> = {}): LocalMediaChoice {
  return { mic: fakeTrack(), camera: fakeTrack(), micOn: true, camOn: true, micDeviceId: 'mic-1', camDeviceId: 'cam-1', ...change };
}

const stopped = (c: LocalMediaChoice) => [c.mic, c.camera].map((t) => (t as FakeTrack).stop.mock.calls.length > 0);

afterEach(() => {
  takePendingMedia();
});

describe('pending media', () => {
  it('is handed to the room exactly once', () => {
    const joined = choice();
    setPendingMedia(joined);
    expect(takePendingMedia()).toBe(joined);
    expect(takePendingMedia()).toBeNull();
    expect(stopped(joined)).toEqual([false, false]);
  });

  it('is nothing when nobody chose', () => {
    expect(takePendingMedia()).toBeNull();
  });

  it('stops the tracks of an earlier choice the room never took', () => {
    const first = choice();
    setPendingMedia(first);
    setPendingMedia(choice());
    expect(stopped(first)).toEqual([true, true]);
  });

  it('keeps running the tracks handed over again in the new choice', () => {
    const first = choice();
    const second = choice({ mic: first.mic });
    setPendingMedia(first);
    setPendingMedia(second);
    expect(stopped(first)).toEqual([false, true]);
    expect(takePendingMedia()).toBe(second);
  });

  it('stops nothing when the same choice is handed over twice', () => {
    const joined = choice();
    setPendingMedia(joined);
    setPendingMedia(joined);
    expect(stopped(joined)).toEqual([false, false]);
  });

  it('leaves alone the tracks of a choice the room already took', () => {
    const taken = choice();
    setPendingMedia(taken);
    takePendingMedia();
    setPendingMedia(choice());
    expect(stopped(taken)).toEqual([false, false]);
  });

  it('stops the tracks of an untaken choice when cleared', () => {
    const joined = choice();
    setPendingMedia(joined);
    setPendingMedia(null);
    expect(stopped(joined)).toEqual([true, true]);
    expect(takePendingMedia()).toBeNull();
  });

  describe('releasePendingDevices', () => {
    it('stops the tracks while keeping the choice, for the room to open the same devices again', () => {
      const waiting = choice({ micOn: false });
      setPendingMedia(waiting);
      releasePendingDevices();
      expect(stopped(waiting)).toEqual([true, true]);
      expect(takePendingMedia()).toEqual({ mic: undefined, camera: undefined, micOn: false, camOn: true, micDeviceId: 'mic-1', camDeviceId: 'cam-1' });
    });

    it('stops each track once when called again', () => {
      const waiting = choice();
      setPendingMedia(waiting);
      releasePendingDevices();
      releasePendingDevices();
      expect([waiting.mic, waiting.camera].map((t) => (t as FakeTrack).stop.mock.calls.length)).toEqual([1, 1]);
    });

    it('copes with a choice without tracks, and with no choice at all', () => {
      setPendingMedia(choice({ mic: undefined, camera: undefined }));
      releasePendingDevices();
      expect(takePendingMedia()).toMatchObject({ mic: undefined, camera: undefined });
      releasePendingDevices();
      expect(takePendingMedia()).toBeNull();
    });

    it('does not stop the released tracks again when a new choice replaces it', () => {
      const waiting = choice();
      setPendingMedia(waiting);
      releasePendingDevices();
      setPendingMedia(choice());
      expect([waiting.mic, waiting.camera].map((t) => (t as FakeTrack).stop.mock.calls.length)).toEqual([1, 1]);
    });
  });
});
