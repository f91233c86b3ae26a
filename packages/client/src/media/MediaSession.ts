import { TypedEmitter, type LayerChoice, type MediaSource, type RemoteStream } from '@amphi/protocol';
import type { MediaMessage, RoomClient } from '../RoomClient.js';

/** Where one's media connections are: none yet, coming up, up, or recovering. */
export type MediaConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/** A remote track and whose audio, camera or screen it carries. */
export interface RemoteMedia extends RemoteStream {
  track: MediaStreamTrack;
}

export interface MediaSessionEvents extends Record<string, unknown[]> {
  /** The remote tracks changed. */
  remote: [];
  /** One's own tracks changed (camera or screen started or stopped). */
  local: [];
  state: [state: MediaConnectionState];
  talking: [participantId: string, talking: boolean];
}

export interface MediaSessionOptions {
  /** Send the camera as three simulcast layers (default true). */
  simulcast?: boolean;
  /** Constraints for the camera when it is (re)started (default 1280x720). */
  video?: MediaTrackConstraints;
  /** Longest wait (ms) for ICE candidates before sending an offer or answer (default 2000). */
  iceGatheringTimeoutMs?: number;
  /** How long (ms) an ICE restart may take before a fresh connection is made (default 5000). */
  restartTimeoutMs?: number;
}

/** Longest wait (ms) for the server's answer to a publish offer. */
const ANSWER_TIMEOUT_MS = 15_000;

const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'h', active: true, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' } as RTCRtpEncodingParameters,
  { rid: 'm', active: true, maxBitrate: 400_000, scaleResolutionDownBy: 2, scalabilityMode: 'L1T3' } as RTCRtpEncodingParameters,
  { rid: 'l', active: true, maxBitrate: 120_000, scaleResolutionDownBy: 4, scalabilityMode: 'L1T3' } as RTCRtpEncodingParameters,
];

/**
 * One's audio and video in a room, over the room client's socket: a sending peer connection
 * (microphone, camera with simulcast, screen) and a receiving one (everyone else's streams,
 * as the server offers them). Recovers by itself: an ICE restart first, a fresh connection if
 * that does not help, and everything again after the media server restarted.
 */
export class MediaSession extends TypedEmitter<MediaSessionEvents> {
  readonly #room: RoomClient;
  readonly #options: Required<MediaSessionOptions>;
  #pub: RTCPeerConnection | null = null;
  #sub: RTCPeerConnection | null = null;
  #tracks: Partial<Record<MediaSource, MediaStreamTrack>> = {};
  #transceivers: Partial<Record<MediaSource, RTCRtpTransceiver>> = {};
  #streams = new Map<string, RemoteStream>();
  #state: MediaConnectionState = 'idle';
  #publishing: Promise<void> = Promise.resolve();
  #offers: Promise<void> = Promise.resolve();
  #answerWaiter: { resolve: (sdp: string) => void; reject: (err: Error) => void } | null = null;
  #watchdogs = new Map<RTCPeerConnection, ReturnType<typeof setTimeout>>();
  #offs: (() => void)[] = [];
  #closed = false;

  constructor(room: RoomClient, options: MediaSessionOptions = {}) {
    super();
    this.#room = room;
    this.#options = {
      simulcast: true,
      video: { width: { ideal: 1280 }, height: { ideal: 720 } },
      iceGatheringTimeoutMs: 2000,
      restartTimeoutMs: 5000,
      ...options,
    };
    this.#offs.push(
      room.on('media', (message) => this.#onMessage(message)),
      room.on('state', (state) => {
        // Back after a lost socket: an offer or answer may have been lost with it.
        if (state === 'joined' && this.#state !== 'idle' && this.#state !== 'connected') this.#recoverAll();
      }),
    );
  }

  get state(): MediaConnectionState {
    return this.#state;
  }
  /** One's own tracks by source. */
  get local(): Readonly<Partial<Record<MediaSource, MediaStreamTrack>>> {
    return Object.freeze({ ...this.#tracks });
  }
  /** Remote tracks with whose they are. */
  get remote(): RemoteMedia[] {
    const result: RemoteMedia[] = [];
    for (const t of this.#sub?.getTransceivers() ?? []) {
      const info = t.mid === null ? undefined : this.#streams.get(t.mid);
      if (info && t.receiver.track) result.push({ ...info, track: t.receiver.track });
    }
    return result;
  }
  /** The receiving and sending peer connections (for statistics). */
  get connections(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null } {
    return { publisher: this.#pub, subscriber: this.#sub };
  }

  /** Starts receiving others' media. */
  async start(): Promise<void> {
    this.#setState('connecting');
    await this.#room.request({ type: 'media.receive' });
  }

  /**
   * Starts sending the given tracks (microphone and/or camera). The server forwards each only
   * once it is turned on (`setMic` / `setCamera`) and allowed.
   */
  async publish(tracks: { mic?: MediaStreamTrack | undefined; camera?: MediaStreamTrack | undefined }): Promise<void> {
    let added = false;
    for (const source of ['mic', 'camera'] as const) {
      const track = tracks[source];
      if (!track) continue;
      if (this.#tracks[source] !== track) this.#tracks[source]?.stop();
      this.#tracks[source] = track;
      // A transceiver that exists takes the new track without renegotiation.
      const transceiver = this.#transceivers[source];
      if (transceiver) await transceiver.sender.replaceTrack(track);
      else added = true;
    }
    this.emit('local');
    if (added) await this.#renegotiate(false);
  }

  /** Turns the microphone on or off (the server decides; a refusal rejects and changes nothing). */
  async setMic(on: boolean): Promise<void> {
    await this.#room.setMedia({ mic: on });
    if (this.#tracks.mic) this.#tracks.mic.enabled = on;
  }

  /** Turns the camera on (starting it when needed) or off (stopping it, so its light goes off). */
  async setCamera(on: boolean, deviceId?: string): Promise<void> {
    if (!on) {
      await this.#room.setMedia({ cam: false });
      this.#tracks.camera?.stop();
      delete this.#tracks.camera;
      await this.#transceivers.camera?.sender.replaceTrack(null);
      this.emit('local');
      return;
    }
    // The camera first: the server hears "on" only once there is something to forward.
    if (!this.#tracks.camera || this.#tracks.camera.readyState === 'ended' || deviceId) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { ...this.#options.video, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) } });
      this.#tracks.camera?.stop();
      this.#tracks.camera = stream.getVideoTracks()[0]!;
      this.emit('local');
    }
    try {
      if (this.#transceivers.camera) await this.#transceivers.camera.sender.replaceTrack(this.#tracks.camera);
      else await this.#renegotiate(false);
      await this.#room.setMedia({ cam: true });
    } catch (err) {
      this.#tracks.camera?.stop();
      delete this.#tracks.camera;
      await this.#transceivers.camera?.sender.replaceTrack(null);
      this.emit('local');
      throw err;
    }
  }

  /** Switches the microphone to another device, keeping its on/off state. */
  async switchMic(deviceId: string): Promise<void> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: deviceId } } });
    const track = stream.getAudioTracks()[0]!;
    track.enabled = this.#tracks.mic?.enabled ?? false;
    this.#tracks.mic?.stop();
    this.#tracks.mic = track;
    this.emit('local');
    if (this.#transceivers.mic) await this.#transceivers.mic.sender.replaceTrack(track);
    else await this.#renegotiate(false);
  }

  /** Shares a screen, window or tab, with its sound where the browser offers it (a tab's, in Chromium). */
  async shareScreen(tracks?: { video: MediaStreamTrack; audio?: MediaStreamTrack | undefined }): Promise<void> {
    let video = tracks?.video;
    let audio = tracks?.audio;
    if (!video) {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
      video = stream.getVideoTracks()[0]!;
      audio = stream.getAudioTracks()[0];
    }
    this.#stopScreenTracks();
    this.#tracks.screen = video;
    if (audio) this.#tracks.screenAudio = audio;
    try {
      let added = false;
      for (const source of ['screen', 'screenAudio'] as const) {
        const transceiver = this.#transceivers[source];
        if (transceiver) await transceiver.sender.replaceTrack(this.#tracks[source] ?? null);
        else if (this.#tracks[source]) added = true;
      }
      if (added) await this.#renegotiate(false);
      await this.#room.setMedia({ screen: true });
    } catch (err) {
      this.#stopScreenTracks();
      await this.#transceivers.screen?.sender.replaceTrack(null);
      await this.#transceivers.screenAudio?.sender.replaceTrack(null);
      throw err;
    }
    const shared = video;
    shared.addEventListener('ended', () => {
      if (this.#tracks.screen === shared) void this.stopScreen().catch(() => undefined);
    });
    this.emit('local');
  }

  async stopScreen(): Promise<void> {
    if (!this.#tracks.screen) return;
    this.#stopScreenTracks();
    await this.#transceivers.screen?.sender.replaceTrack(null);
    await this.#transceivers.screenAudio?.sender.replaceTrack(null);
    this.emit('local');
    await this.#room.setMedia({ screen: false });
  }

  #stopScreenTracks(): void {
    this.#tracks.screen?.stop();
    this.#tracks.screenAudio?.stop();
    delete this.#tracks.screen;
    delete this.#tracks.screenAudio;
  }

  /** Which layer to receive of each remote video (by tile size), or pause it (off screen). */
  async setLayers(layers: LayerChoice[]): Promise<void> {
    if (layers.length > 0) await this.#room.request({ type: 'media.layers', layers });
  }

  /** Stops everything: tracks, peer connections, listeners. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#answerWaiter?.reject(new Error('The media session is closed.'));
    this.#answerWaiter = null;
    for (const off of this.#offs) off();
    for (const timer of this.#watchdogs.values()) clearTimeout(timer);
    for (const track of Object.values(this.#tracks)) track.stop();
    this.#tracks = {};
    this.#pub?.close();
    this.#sub?.close();
    this.#pub = null;
    this.#sub = null;
    this.#setState('idle');
    this.removeAllListeners();
  }

  // ------------------------------------------------------------------ sending

  #renegotiate(fresh: boolean, iceRestart = false): Promise<void> {
    const run = () => this.#publishNow(fresh, iceRestart);
    const next = this.#publishing.then(run, run);
    this.#publishing = next.catch(() => undefined);
    return next;
  }

  async #publishNow(fresh: boolean, iceRestart: boolean): Promise<void> {
    if (this.#closed) return;
    if (fresh || !this.#pub) {
      this.#pub?.close();
      this.#pub = this.#newConnection('publisher');
      this.#transceivers = {};
      fresh = true;
    }
    const pc = this.#pub;
    for (const source of ['mic', 'camera', 'screen', 'screenAudio'] as const) {
      const track = this.#tracks[source];
      if (this.#transceivers[source] || !track) continue;
      const simulcast = source === 'camera' && this.#options.simulcast;
      this.#transceivers[source] = pc.addTransceiver(track, { direction: 'sendonly', ...(simulcast ? { sendEncodings: SIMULCAST.map((e) => ({ ...e })) } : {}) });
    }
    if (Object.keys(this.#transceivers).length === 0) {
      // Nothing to send (e.g. a fresh connection after everything was turned off): no connection.
      pc.close();
      this.#pub = null;
      this.#updateState();
      return;
    }
    await pc.setLocalDescription(await pc.createOffer(iceRestart ? { iceRestart: true } : {}));
    await this.#gathered(pc);
    const sources = (Object.entries(this.#transceivers) as [MediaSource, RTCRtpTransceiver][]).filter(([, t]) => t.mid !== null).map(([source, t]) => ({ mid: t.mid!, source }));
    // The server sends the answer before the ack; an ack without an answer must not block the queue.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = new Promise<string>((resolve, reject) => {
      this.#answerWaiter = { resolve, reject };
      timer = setTimeout(() => reject(new Error('No answer to the media offer.')), ANSWER_TIMEOUT_MS);
    });
    answer.catch(() => undefined);
    try {
      await this.#room.request({ type: 'media.publish', sdp: pc.localDescription!.sdp, sources, ...(fresh ? { fresh: true } : {}) });
      const sdp = await answer;
      if (pc === this.#pub) await pc.setRemoteDescription({ type: 'answer', sdp });
    } finally {
      clearTimeout(timer);
      this.#answerWaiter = null;
    }
  }

  // ------------------------------------------------------------------ receiving

  #onMessage(message: MediaMessage): void {
    switch (message.type) {
      case 'media.answer':
        this.#answerWaiter?.resolve(message.sdp);
        this.#answerWaiter = null;
        return;
      case 'media.offer': {
        const run = () => this.#answer(message.sdp, message.streams, message.fresh);
        this.#offers = this.#offers.then(run, run).catch(() => undefined);
        return;
      }
      case 'media.talking':
        this.emit('talking', message.participantId, message.talking);
        return;
      case 'media.reset':
        this.#resetAll();
        return;
    }
  }

  async #answer(sdp: string, streams: RemoteStream[], fresh: boolean): Promise<void> {
    if (this.#closed) return;
    if (fresh || !this.#sub) {
      this.#sub?.close();
      this.#sub = this.#newConnection('subscriber');
      this.#sub.ontrack = () => this.emit('remote');
    }
    const pc = this.#sub;
    this.#streams = new Map(streams.map((s) => [s.mid, s]));
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#gathered(pc);
    await this.#room.request({ type: 'media.subscriberAnswer', sdp: pc.localDescription!.sdp });
    this.emit('remote');
  }

  // ------------------------------------------------------------------ recovery

  #newConnection(role: 'publisher' | 'subscriber'): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers: this.#room.iceServers, bundlePolicy: 'max-bundle' });
    pc.onconnectionstatechange = () => {
      if (pc !== (role === 'publisher' ? this.#pub : this.#sub)) return;
      const state = pc.connectionState;
      if (state === 'connected') {
        clearTimeout(this.#watchdogs.get(pc));
        this.#watchdogs.delete(pc);
      } else if (state === 'disconnected' || state === 'failed') {
        // Give a short network blip a chance, then restart ICE; a fresh connection if that fails too.
        if (!this.#watchdogs.has(pc)) this.#watch(pc, role, state === 'failed' ? 0 : 1500);
      }
      this.#updateState();
    };
    return pc;
  }

  #watch(pc: RTCPeerConnection, role: 'publisher' | 'subscriber', delayMs: number): void {
    // Nothing to do once it is back, or once replaced meanwhile (fresh offer, socket back, reset):
    // restarting then would hit the new connection, and "fresh" would tear down a working one.
    const settled = () => this.#closed || pc.connectionState === 'connected' || pc !== (role === 'publisher' ? this.#pub : this.#sub);
    this.#watchdogs.set(
      pc,
      setTimeout(() => {
        if (settled()) return this.#watchdogs.delete(pc);
        const restart = role === 'publisher' ? this.#renegotiate(false, true) : this.#room.request({ type: 'media.restart' });
        restart.catch(() => undefined);
        this.#watchdogs.set(
          pc,
          setTimeout(() => {
            this.#watchdogs.delete(pc);
            if (settled()) return;
            if (role === 'publisher') this.#renegotiate(true).catch(() => undefined);
            else this.#room.request({ type: 'media.receive' }).catch(() => undefined);
          }, this.#options.restartTimeoutMs),
        );
      }, delayMs),
    );
  }

  /** The media server restarted: both connections afresh. */
  #resetAll(): void {
    for (const timer of this.#watchdogs.values()) clearTimeout(timer);
    this.#watchdogs.clear();
    // Even with nothing to send now: the server lost the publisher, so later tracks need a new one.
    this.#pub?.close();
    this.#pub = null;
    this.#transceivers = {};
    this.#sub?.close();
    this.#sub = null;
    this.#streams.clear();
    this.emit('remote');
    this.#setState('reconnecting');
    this.#recoverAll(true);
  }

  #recoverAll(force = false): void {
    if (this.#closed) return;
    const hasTracks = Object.keys(this.#tracks).length > 0;
    if (hasTracks && (force || this.#pub?.connectionState !== 'connected')) this.#renegotiate(true).catch(() => undefined);
    if (force || this.#sub?.connectionState !== 'connected') this.#room.request({ type: 'media.receive' }).catch(() => undefined);
  }

  #updateState(): void {
    const states = [this.#pub, this.#sub].filter((pc): pc is RTCPeerConnection => pc !== null).map((pc) => pc.connectionState);
    if (states.length === 0) return;
    if (states.every((s) => s === 'connected')) this.#setState('connected');
    else if (states.some((s) => s === 'disconnected' || s === 'failed') || this.#state === 'reconnecting') this.#setState('reconnecting');
    else this.#setState('connecting');
  }

  #setState(state: MediaConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #gathered(pc: RTCPeerConnection): Promise<void> {
    return iceGathered(pc, this.#options.iceGatheringTimeoutMs);
  }
}

/**
 * Resolves when the connection's ICE gathering is complete (we signal without trickle: every
 * candidate goes in the SDP), or after `timeoutMs` with what was gathered so far.
 */
export function iceGathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
