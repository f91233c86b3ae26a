import { TypedEmitter, type RemoteStream } from '@amphi/protocol';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { RequestError, type ActionMessage, type ClientState, type MediaMessage, type RoomClient, type RoomClientEvents } from '../RoomClient.js';
import { MediaSession, type MediaConnectionState } from './MediaSession.js';

/** A device or remote track: `stop()` is a spy, `end()` ends it as the browser does (e.g. "Stop sharing"). */
class FakeTrack {
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  readonly stop = vi.fn(() => {
    this.readyState = 'ended';
  });
  readonly #onEnded: (() => void)[] = [];
  constructor(readonly kind: 'audio' | 'video') {}
  addEventListener(type: string, listener: () => void): void {
    if (type === 'ended') this.#onEnded.push(listener);
  }
  end(): void {
    this.readyState = 'ended';
    for (const listener of this.#onEnded) listener();
  }
  get asTrack(): MediaStreamTrack {
    return this as unknown as MediaStreamTrack;
  }
}

class FakeTransceiver {
  mid: string | null = null;
  readonly sender: { track: MediaStreamTrack | null; replaceTrack: (track: MediaStreamTrack | null) => Promise<void> };
  readonly receiver: { track: MediaStreamTrack };
  constructor(
    readonly direction: RTCRtpTransceiverDirection,
    track: MediaStreamTrack | null,
    receiving: FakeTrack,
    readonly init: RTCRtpTransceiverInit = {},
  ) {
    const sender = { track, replaceTrack: vi.fn(async (next: MediaStreamTrack | null) => void (sender.track = next)) };
    this.sender = sender;
    this.receiver = { track: receiving.asTrack };
  }
}

/** Fake subscriber offers list one `m=<kind>` line and its `a=mid:` per stream, as a real SDP does. */
function offerSdp(streams: RemoteStream[], version: number): string {
  return [`v=0 o=janus ${version}`, ...streams.flatMap((s) => [`m=${s.kind}`, `a=mid:${s.mid}`])].join('\r\n');
}

let connections: FakePeerConnection[] = [];

/** The parts of RTCPeerConnection the session uses; mids are given when the local description is set. */
class FakePeerConnection {
  connectionState: RTCPeerConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'complete';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onconnectionstatechange: (() => void) | null = null;
  ontrack: (() => void) | null = null;
  /** The options of every createOffer call. */
  readonly offers: RTCOfferOptions[] = [];
  readonly transceivers: FakeTransceiver[] = [];
  readonly close = vi.fn(() => {
    this.connectionState = 'closed';
  });
  #version = 0;

  constructor(readonly config: RTCConfiguration) {
    connections.push(this);
  }
  addTransceiver(track: MediaStreamTrack, init?: RTCRtpTransceiverInit): FakeTransceiver {
    const transceiver = new FakeTransceiver(init?.direction ?? 'sendrecv', track, new FakeTrack(track.kind === 'audio' ? 'audio' : 'video'), init);
    this.transceivers.push(transceiver);
    return transceiver;
  }
  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }
  async createOffer(options: RTCOfferOptions = {}): Promise<RTCSessionDescriptionInit> {
    this.offers.push(options);
    return { type: 'offer', sdp: `publisher offer ${++this.#version}${options.iceRestart ? ' with ICE restart' : ''}` };
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: `subscriber answer ${++this.#version}` };
  }
  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    for (const t of this.transceivers) t.mid ??= String(this.transceivers.indexOf(t));
    this.localDescription = description;
  }
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = description;
    if (description.type !== 'offer') return;
    for (const [, kind, mid] of (description.sdp ?? '').matchAll(/m=(audio|video)\r\na=mid:(\S+)/g)) {
      if (this.transceivers.some((t) => t.mid === mid)) continue;
      const transceiver = new FakeTransceiver('recvonly', null, new FakeTrack(kind === 'audio' ? 'audio' : 'video'));
      transceiver.mid = mid!;
      this.transceivers.push(transceiver);
      this.ontrack?.();
    }
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  /** The browser reports a new connection state. */
  becomes(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

/** The room client as the media session sees it: every request is recorded and acknowledged. */
class FakeRoom extends TypedEmitter<RoomClientEvents> {
  readonly iceServers = [{ urls: ['turn:turn.example.edu:3478'], username: 'u', credential: 'c' }];
  readonly #refusals = new Map<ActionMessage['type'], RequestError>();
  #answers = 0;

  readonly request = vi.fn(async (message: ActionMessage): Promise<void> => {
    const refusal = this.#refusals.get(message.type);
    if (refusal) throw refusal;
    // As the server does: the answer to a publish offer comes before the acknowledgement.
    if (message.type === 'media.publish') this.emit('media', { type: 'media.answer', sdp: `server answer ${++this.#answers}` });
  });
  setMedia(change: { mic?: boolean; cam?: boolean; screen?: boolean }): Promise<void> {
    return this.request({ type: 'media.state', ...change });
  }
  refuse(type: ActionMessage['type'], error: RequestError): void {
    this.#refusals.set(type, error);
  }
  deliver(message: MediaMessage): void {
    this.emit('media', message);
  }
  becomes(state: ClientState): void {
    this.emit('state', state);
  }
  /** The requests sent so far, by type. */
  get types(): ActionMessage['type'][] {
    return this.request.mock.calls.map(([message]) => message.type);
  }
  sent<T extends ActionMessage['type']>(type: T): Extract<ActionMessage, { type: T }>[] {
    return this.request.mock.calls.map(([message]) => message).filter((m): m is Extract<ActionMessage, { type: T }> => m.type === type);
  }
}

const ANA_MIC: RemoteStream = { mid: '0', participantId: 'p-ana', source: 'mic', kind: 'audio' };
const ANA_CAMERA: RemoteStream = { mid: '1', participantId: 'p-ana', source: 'camera', kind: 'video' };
const BEN_SCREEN: RemoteStream = { mid: '2', participantId: 'p-ben', source: 'screen', kind: 'video' };

/** Lets pending promises (requests, descriptions, answers) run without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('MediaSession', () => {
  let room: FakeRoom;
  let session: MediaSession;
  let getUserMedia: Mock<(constraints: MediaStreamConstraints) => Promise<MediaStream>>;

  const publisher = () => session.connections.publisher as unknown as FakePeerConnection;
  const subscriber = () => session.connections.subscriber as unknown as FakePeerConnection;
  const offer = (streams: RemoteStream[], fresh: boolean, version = 1) => room.deliver({ type: 'media.offer', sdp: offerSdp(streams, version), streams, fresh });
  const streamOf = (...tracks: FakeTrack[]) =>
    ({ getVideoTracks: () => tracks.filter((t) => t.kind === 'video'), getAudioTracks: () => tracks.filter((t) => t.kind === 'audio') }) as unknown as MediaStream;

  /** Receiving Ana and sending a microphone, both connections up, requests so far forgotten. */
  async function connected(tracks: { mic?: FakeTrack; camera?: FakeTrack } = { mic: new FakeTrack('audio') }) {
    await session.start();
    offer([ANA_MIC, ANA_CAMERA], true);
    await settle();
    await session.publish({ mic: tracks.mic?.asTrack, camera: tracks.camera?.asTrack });
    publisher().becomes('connected');
    subscriber().becomes('connected');
    room.request.mockClear();
  }

  beforeEach(() => {
    vi.useFakeTimers();
    connections = [];
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    getUserMedia = vi.fn(async () => streamOf(new FakeTrack('video')));
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia, getDisplayMedia: vi.fn() } });
    room = new FakeRoom();
    session = new MediaSession(room as unknown as RoomClient);
  });

  afterEach(() => {
    session.close();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  describe('sending', () => {
    it('publishes the microphone and camera with a media.publish that maps each transceiver mid to its source, and applies the answer', async () => {
      const mic = new FakeTrack('audio');
      const camera = new FakeTrack('video');
      await session.publish({ mic: mic.asTrack, camera: camera.asTrack });

      const pc = publisher();
      expect(pc.config).toEqual({ iceServers: room.iceServers, bundlePolicy: 'max-bundle' });
      expect(pc.transceivers.map((t) => [t.direction, t.sender.track])).toEqual([
        ['sendonly', mic],
        ['sendonly', camera],
      ]);
      expect(room.sent('media.publish')).toEqual([{ type: 'media.publish', sdp: 'publisher offer 1', sources: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }], fresh: true }]);
      expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: 'server answer 1' });
      expect(session.local).toEqual({ mic, camera });
    });

    it('sends the camera as three simulcast layers (full, half and quarter size) and the microphone as one stream', async () => {
      await session.publish({ mic: new FakeTrack('audio').asTrack, camera: new FakeTrack('video').asTrack });

      const [mic, camera] = publisher().transceivers;
      expect(mic!.init.sendEncodings).toBeUndefined();
      expect(camera!.init.sendEncodings?.map((e) => [e.rid, e.scaleResolutionDownBy])).toEqual([
        ['h', undefined],
        ['m', 2],
        ['l', 4],
      ]);
    });

    it('gives up on a publish whose answer never comes, and lets the next one through', async () => {
      room.request.mockImplementationOnce(async () => undefined); // acknowledged, but no answer
      const first = session.publish({ mic: new FakeTrack('audio').asTrack });
      const failed = expect(first).rejects.toThrow('No answer');
      await vi.advanceTimersByTimeAsync(15_000);
      await failed;
      await session.publish({ camera: new FakeTrack('video').asTrack });
      expect(publisher().remoteDescription).toEqual({ type: 'answer', sdp: 'server answer 1' });
    });

    it('rejects a publish still waiting for its answer when the session closes', async () => {
      room.request.mockImplementationOnce(async () => undefined);
      const pending = session.publish({ mic: new FakeTrack('audio').asTrack });
      const rejected = expect(pending).rejects.toThrow('closed');
      await settle();
      session.close();
      await rejected;
    });

    it('sends the camera as one stream when simulcast is turned off', async () => {
      session = new MediaSession(room as unknown as RoomClient, { simulcast: false });
      await session.publish({ camera: new FakeTrack('video').asTrack });

      expect(publisher().transceivers[0]!.init.sendEncodings).toBeUndefined();
    });

    it('gives a new microphone to the existing transceiver, stopping the old one, without a new offer', async () => {
      const first = new FakeTrack('audio');
      const second = new FakeTrack('audio');
      await session.publish({ mic: first.asTrack });
      room.request.mockClear();

      await session.publish({ mic: second.asTrack });

      expect(first.stop).toHaveBeenCalled();
      expect(publisher().transceivers.map((t) => t.sender.track)).toEqual([second]);
      expect(room.request).not.toHaveBeenCalled();
    });
  });

  describe('receiving', () => {
    it('answers a fresh offer on a new receiving connection with media.subscriberAnswer', async () => {
      await session.start();
      expect(room.types).toEqual(['media.receive']);

      offer([ANA_MIC, ANA_CAMERA], true);
      await settle();

      const pc = subscriber();
      expect(pc.config).toEqual({ iceServers: room.iceServers, bundlePolicy: 'max-bundle' });
      expect(pc.remoteDescription).toEqual({ type: 'offer', sdp: offerSdp([ANA_MIC, ANA_CAMERA], 1) });
      expect(room.sent('media.subscriberAnswer')).toEqual([{ type: 'media.subscriberAnswer', sdp: 'subscriber answer 1' }]);
    });

    it('answers an offer that is not fresh on the same receiving connection', async () => {
      offer([ANA_MIC], true);
      await settle();
      const first = subscriber();

      offer([ANA_MIC, ANA_CAMERA], false, 2);
      await settle();

      expect(subscriber()).toBe(first);
      expect(first.close).not.toHaveBeenCalled();
      expect(first.remoteDescription).toEqual({ type: 'offer', sdp: offerSdp([ANA_MIC, ANA_CAMERA], 2) });
      expect(room.sent('media.subscriberAnswer').map((m) => m.sdp)).toEqual(['subscriber answer 1', 'subscriber answer 2']);
    });

    it('closes the receiving connection and answers on a new one when an offer is fresh again', async () => {
      offer([ANA_MIC], true);
      await settle();
      const first = subscriber();

      offer([ANA_MIC], true, 2);
      await settle();

      expect(first.close).toHaveBeenCalledOnce();
      expect(subscriber()).not.toBe(first);
      expect(subscriber().localDescription).toEqual({ type: 'answer', sdp: 'subscriber answer 1' });
    });

    it('lists remote tracks by transceiver mid with whose audio, camera or screen each carries, and drops those the next offer no longer names', async () => {
      const changes = vi.fn();
      session.on('remote', changes);
      offer([ANA_MIC, ANA_CAMERA, BEN_SCREEN], true);
      await settle();

      const track = (mid: string) => subscriber().transceivers.find((t) => t.mid === mid)!.receiver.track;
      expect(session.remote).toEqual([
        { ...ANA_MIC, track: track('0') },
        { ...ANA_CAMERA, track: track('1') },
        { ...BEN_SCREEN, track: track('2') },
      ]);
      expect(changes).toHaveBeenCalled();

      // Ana left: her transceivers stay in the SDP but the offer no longer names them.
      offer([ANA_MIC, ANA_CAMERA, BEN_SCREEN].slice(2), false, 2);
      await settle();
      expect(session.remote).toEqual([{ ...BEN_SCREEN, track: track('2') }]);
    });
  });

  describe('recovery', () => {
    it('restarts ICE of the publishing connection only, once it has been disconnected for 1.5 s', async () => {
      await connected();
      const pc = publisher();

      pc.becomes('disconnected');
      await vi.advanceTimersByTimeAsync(1499);
      expect(room.request).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);

      expect(room.types).toEqual(['media.publish']);
      expect(pc.offers.at(-1)).toEqual({ iceRestart: true });
      expect(room.sent('media.publish')[0]).toEqual({ type: 'media.publish', sdp: 'publisher offer 2 with ICE restart', sources: [{ mid: '0', source: 'mic' }] });
      expect(publisher()).toBe(pc);
      expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: 'server answer 2' });
    });

    it('asks for an ICE restart of the receiving connection only (media.restart), once it has been disconnected for 1.5 s', async () => {
      await connected();
      const pc = subscriber();

      pc.becomes('disconnected');
      await vi.advanceTimersByTimeAsync(1499);
      expect(room.request).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);

      expect(room.types).toEqual(['media.restart']);
      expect(publisher().offers).toEqual([{}]);
      expect(subscriber()).toBe(pc);
    });

    it('restarts ICE at once when a connection fails', async () => {
      await connected();

      subscriber().becomes('failed');
      await settle();

      expect(room.types).toEqual(['media.restart']);
    });

    it('keeps the connection, with no fresh one, when the ICE restart brings it back', async () => {
      await connected();
      const pc = publisher();
      pc.becomes('disconnected');
      await vi.advanceTimersByTimeAsync(1500);

      pc.becomes('connected');
      await vi.advanceTimersByTimeAsync(10_000);

      expect(room.types).toEqual(['media.publish']);
      expect(room.sent('media.publish')[0]).not.toHaveProperty('fresh');
      expect(publisher()).toBe(pc);
      expect(pc.close).not.toHaveBeenCalled();
      expect(session.state).toBe('connected');
    });

    it('makes a fresh publishing connection when the ICE restart has not brought it back within 5 s', async () => {
      await connected();
      const pc = publisher();
      pc.becomes('disconnected');
      await vi.advanceTimersByTimeAsync(1500 + 4999);
      expect(room.types).toEqual(['media.publish']);

      await vi.advanceTimersByTimeAsync(1);

      expect(pc.close).toHaveBeenCalledOnce();
      expect(publisher()).not.toBe(pc);
      expect(room.sent('media.publish')[1]).toEqual({ type: 'media.publish', sdp: 'publisher offer 1', sources: [{ mid: '0', source: 'mic' }], fresh: true });
      expect(publisher().remoteDescription).toEqual({ type: 'answer', sdp: 'server answer 3' });
      expect(subscriber().close).not.toHaveBeenCalled();
    });

    it('asks for a fresh receiving connection (media.receive) when the ICE restart has not brought it back within 5 s', async () => {
      await connected();
      subscriber().becomes('disconnected');
      await vi.advanceTimersByTimeAsync(1500 + 4999);
      expect(room.types).toEqual(['media.restart']);

      await vi.advanceTimersByTimeAsync(1);

      expect(room.types).toEqual(['media.restart', 'media.receive']);
    });

    it('closes both connections on media.reset and at once publishes afresh and asks to receive again', async () => {
      await connected({ mic: new FakeTrack('audio'), camera: new FakeTrack('video') });
      const [oldPublisher, oldSubscriber] = [publisher(), subscriber()];
      const remoteChanges = vi.fn();
      session.on('remote', remoteChanges);

      room.deliver({ type: 'media.reset', reason: 'restarted' });
      await settle();

      expect(oldPublisher.close).toHaveBeenCalledOnce();
      expect(oldSubscriber.close).toHaveBeenCalledOnce();
      expect(session.connections.subscriber).toBeNull();
      expect(session.remote).toEqual([]);
      expect(remoteChanges).toHaveBeenCalled();
      expect(publisher()).not.toBe(oldPublisher);
      expect(room.sent('media.publish')).toEqual([
        { type: 'media.publish', sdp: 'publisher offer 1', sources: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }], fresh: true },
      ]);
      expect(room.types).toContain('media.receive');
      expect(session.state).toBe('reconnecting');
    });

    it('drops the publishing connection on media.reset even with nothing to send, and publishes afresh when sharing starts again', async () => {
      await session.start();
      await session.shareScreen({ video: new FakeTrack('video').asTrack });
      await session.stopScreen();
      const old = publisher();
      room.request.mockClear();

      room.deliver({ type: 'media.reset', reason: 'restarted' });
      await settle();
      expect(old.close).toHaveBeenCalledOnce();
      expect(session.connections.publisher).toBeNull();

      await session.shareScreen({ video: new FakeTrack('video').asTrack });
      expect(room.types).toEqual(['media.receive', 'media.publish', 'media.state']);
      expect(room.sent('media.publish')[0]).toMatchObject({ sources: [{ mid: '0', source: 'screen' }], fresh: true });
    });

    it('recovers, once the room socket is back, only the connection that is not connected', async () => {
      await connected();
      const pc = publisher();
      subscriber().becomes('disconnected');

      room.becomes('reconnecting');
      room.becomes('joined');
      await settle();

      expect(room.types).toEqual(['media.receive']);
      expect(publisher()).toBe(pc);
    });

    it('leaves connected media alone when the room socket is back', async () => {
      await connected();

      room.becomes('reconnecting');
      room.becomes('joined');
      await settle();

      expect(room.request).not.toHaveBeenCalled();
    });

    it('stops recovering a connection that has already been replaced (socket back before the ICE restart)', async () => {
      await connected();
      publisher().becomes('disconnected');
      subscriber().becomes('disconnected');
      await vi.advanceTimersByTimeAsync(1000);
      room.becomes('reconnecting');
      room.becomes('joined');
      await settle();
      expect([...room.types].sort()).toEqual(['media.publish', 'media.receive']);
      offer([ANA_MIC, ANA_CAMERA], true, 2);
      await settle();
      publisher().becomes('connected');
      subscriber().becomes('connected');
      room.request.mockClear();

      await vi.advanceTimersByTimeAsync(10_000);

      // The old connections' timers must not restart or replace the new, working ones.
      expect(room.request).not.toHaveBeenCalled();
      expect(session.state).toBe('connected');
    });
  });

  describe('microphone, camera and screen', () => {
    it('turns the microphone on once the server agrees', async () => {
      const mic = new FakeTrack('audio');
      mic.enabled = false;
      await session.publish({ mic: mic.asTrack });

      await session.setMic(true);

      expect(room.sent('media.state')).toEqual([{ type: 'media.state', mic: true }]);
      expect(mic.enabled).toBe(true);
    });

    it('leaves the microphone disabled when the server refuses to turn it on', async () => {
      const mic = new FakeTrack('audio');
      mic.enabled = false;
      await session.publish({ mic: mic.asTrack });
      room.refuse('media.state', new RequestError('MUTED_BY_MODERATOR', 'A moderator muted you.'));

      await expect(session.setMic(true)).rejects.toMatchObject({ code: 'MUTED_BY_MODERATOR' });

      expect(mic.enabled).toBe(false);
    });

    it('starts the camera, sends it, and only then tells the server cam:true', async () => {
      const camera = new FakeTrack('video');
      getUserMedia.mockResolvedValueOnce(streamOf(camera));

      await session.setCamera(true, 'cam-2');

      expect(getUserMedia).toHaveBeenCalledWith({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, deviceId: { exact: 'cam-2' } } });
      expect(room.types).toEqual(['media.publish', 'media.state']);
      expect(room.sent('media.state')).toEqual([{ type: 'media.state', cam: true }]);
      expect(publisher().transceivers[0]!.sender.track).toBe(camera);
      expect(session.local.camera).toBe(camera);
    });

    it('never tells the server cam:true when the camera cannot be started', async () => {
      getUserMedia.mockRejectedValueOnce(new DOMException('Permission denied', 'NotAllowedError'));

      await expect(session.setCamera(true)).rejects.toMatchObject({ name: 'NotAllowedError' });

      expect(room.request).not.toHaveBeenCalled();
      expect(session.local.camera).toBeUndefined();
    });

    it('turns the camera off: tells the server, stops the track (its light goes off) and sends nothing', async () => {
      const camera = new FakeTrack('video');
      await session.publish({ camera: camera.asTrack });
      room.request.mockClear();

      await session.setCamera(false);

      expect(room.sent('media.state')).toEqual([{ type: 'media.state', cam: false }]);
      expect(camera.stop).toHaveBeenCalled();
      expect(publisher().transceivers[0]!.sender.track).toBeNull();
      expect(session.local.camera).toBeUndefined();
    });

    it('shares a screen with its sound: declares screen and screenAudio, then tells the server screen:true', async () => {
      const mic = new FakeTrack('audio');
      const video = new FakeTrack('video');
      const audio = new FakeTrack('audio');
      await session.publish({ mic: mic.asTrack });
      room.request.mockClear();

      await session.shareScreen({ video: video.asTrack, audio: audio.asTrack });

      expect(room.types).toEqual(['media.publish', 'media.state']);
      expect(room.sent('media.publish')[0]!.sources).toEqual([
        { mid: '0', source: 'mic' },
        { mid: '1', source: 'screen' },
        { mid: '2', source: 'screenAudio' },
      ]);
      expect(room.sent('media.state')).toEqual([{ type: 'media.state', screen: true }]);
      expect(session.local).toEqual({ mic, screen: video, screenAudio: audio });
    });

    it('stops sharing: stops both screen tracks, sends nothing on their transceivers and tells the server screen:false', async () => {
      const video = new FakeTrack('video');
      const audio = new FakeTrack('audio');
      await session.shareScreen({ video: video.asTrack, audio: audio.asTrack });
      room.request.mockClear();

      await session.stopScreen();

      expect(video.stop).toHaveBeenCalled();
      expect(audio.stop).toHaveBeenCalled();
      expect(publisher().transceivers.map((t) => t.sender.track)).toEqual([null, null]);
      expect(room.sent('media.state')).toEqual([{ type: 'media.state', screen: false }]);
      expect(session.local).toEqual({});
    });

    it('stops sharing when the browser ends the shared screen ("Stop sharing")', async () => {
      const video = new FakeTrack('video');
      await session.shareScreen({ video: video.asTrack });
      room.request.mockClear();

      video.end();
      await settle();

      expect(room.sent('media.state')).toEqual([{ type: 'media.state', screen: false }]);
      expect(session.local.screen).toBeUndefined();
    });
  });

  describe('lifecycle', () => {
    it('reports its state: connecting, connected, reconnecting during a blip, connected again', async () => {
      const states: MediaConnectionState[] = [];
      session.on('state', (state) => states.push(state));

      await connected();
      subscriber().becomes('disconnected');
      subscriber().becomes('connected');

      expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    });

    it('stops its tracks, closes both connections and stops recovering on close, and is safe to call twice', async () => {
      const mic = new FakeTrack('audio');
      const camera = new FakeTrack('video');
      const screen = new FakeTrack('video');
      await connected({ mic, camera });
      await session.shareScreen({ video: screen.asTrack });
      const [pub, sub] = [publisher(), subscriber()];
      pub.becomes('disconnected');
      const states: MediaConnectionState[] = [];
      session.on('state', (state) => states.push(state));
      room.request.mockClear();

      session.close();
      session.close();
      offer([ANA_MIC], true, 2);
      await vi.advanceTimersByTimeAsync(10_000);

      for (const track of [mic, camera, screen]) expect(track.stop).toHaveBeenCalledOnce();
      expect(pub.close).toHaveBeenCalledOnce();
      expect(sub.close).toHaveBeenCalledOnce();
      expect(session.connections).toEqual({ publisher: null, subscriber: null });
      expect(states).toEqual(['idle']);
      expect(room.request).not.toHaveBeenCalled();
    });
  });
});
