import { randomBytes, randomInt } from 'node:crypto';
import { AmphiError, type LayerChoice, type MediaSource, type Participant, type RemoteStream, type ServerMessage } from '@amphi/protocol';
import type { JanusConnection, JanusHandle, JanusSession, Jsep } from './janus/JanusConnection.js';
import { checkPublishOffer } from './publishRules.js';
import { Serial } from './Serial.js';
import { startRtpForward, stopRtpForward, streamDetails, type ForwardRoom, type ForwardTarget, type Forwarder, type StageFeed, type StreamDetails } from './stageFeeds.js';
import { feedChanges, streamKey, subscriptionStreams, type FeedOwner, type FeedStream } from './videoroomEvents.js';

export interface MediaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a room's media needs from the room around it. */
export interface RoomMediaHost {
  send(participantId: string, message: ServerMessage): void;
  /** Sends to everyone joined. */
  broadcast(message: ServerMessage): void;
  /** A joined participant as they are now (undefined when not joined). */
  participant(participantId: string): Participant | undefined;
  /**
   * What `stageFeeds()` returns changed (someone published, unpublished, renegotiated, was
   * muted or unmuted, or the media server was lost). Called once for a burst of changes.
   * Forwarders die with their publisher: re-forward what is new after this call.
   */
  feedsChanged?(): void;
  log: MediaLogger;
}

const VIDEOROOM = 'janus.plugin.videoroom';

interface Publisher {
  handle: JanusHandle;
  feedId: number;
  /** mid → what it carries, as declared (and checked) at the last publish. */
  sources: Map<string, MediaSource>;
  /** mid → whether Janus currently drops it (moderated). */
  moderated: Map<string, boolean>;
  hungUp: boolean;
}

interface Subscriber {
  wanted: boolean;
  handle: JanusHandle | null;
  /** Stream key (`feed/mid`) → subscription mid, as of the last offer. */
  current: Map<string, string>;
  /** The offer waiting for the client's answer (null: none), sent again if the person's socket was replaced meanwhile. */
  pendingOffer: ServerMessage | null;
  /** What each transceiver carries, as of the last offer with a stream list. */
  streams: RemoteStream[];
  layers: Map<string, LayerChoice>;
  serial: Serial;
}

/** A connection to Janus and the plugin admin key its rooms are created with. */
export interface JanusLink {
  connection: JanusConnection;
  adminKey: string | undefined;
}

interface JanusRoom {
  session: JanusSession;
  control: JanusHandle;
  id: number;
  secret: string;
  adminKey: string | undefined;
}

/**
 * The media of one live session: a Janus VideoRoom with its own secret, one publisher
 * handle and one multistream subscriber handle per person, kept in line with who may send
 * what. Built lazily on the first media request; after a media-server restart (`reset`) it
 * is built again on the next one.
 *
 * For a broadcast, `stageFeeds()` lists what the stage sends and `forward()` sends one stream
 * as plain RTP to a consumer (ffmpeg, a Streaming mountpoint).
 *
 * Close cascade: `close()` destroys the VideoRoom and the Janus session (with every handle,
 * and so every forwarder).
 */
export class RoomMedia {
  readonly #connect: () => Promise<JanusLink>;
  readonly #host: RoomMediaHost;
  #room: Promise<JanusRoom> | null = null;
  #publishers = new Map<string, Publisher>();
  #publisherSerial = new Map<string, Serial>();
  #subscribers = new Map<string, Subscriber>();
  /** Janus feed id → participant id. */
  #feeds = new Map<number, string>();
  /** Janus feed id → its active streams. */
  #feedStreams = new Map<number, FeedStream[]>();
  /** Janus feed id → mid → codec and simulcast, from the same events. */
  #feedDetails = new Map<number, Map<string, StreamDetails>>();
  /** What `stageFeeds()` gave at the last `feedsChanged` (a republish counts as a change: new publication). */
  #feedsSignature = '';
  #feedsCheckQueued = false;
  #closed = false;

  readonly #onClosed: () => void;

  constructor(connect: () => Promise<JanusLink>, host: RoomMediaHost, onClosed: () => void = () => {}) {
    this.#connect = connect;
    this.#host = host;
    this.#onClosed = onClosed;
  }

  /** Publishes (or renegotiates) a person's outgoing media; sends them `media.answer`. */
  async publish(pid: string, sdp: string, sources: readonly { mid: string; source: MediaSource }[], options: { fresh: boolean; mayShareScreen: boolean }): Promise<void> {
    const declared = checkPublishOffer(sdp, sources, { screen: options.mayShareScreen });
    await this.#serialFor(pid).run(async () => {
      const room = await this.#ready();
      let publisher = this.#publishers.get(pid);
      if (publisher && (options.fresh || publisher.hungUp)) {
        this.#dropPublisher(pid);
        publisher = undefined;
      }
      const descriptions = [...declared].map(([mid, source]) => ({ mid, description: source }));
      const offer: Jsep = { type: 'offer', sdp };
      let answer: Jsep | undefined;
      if (!publisher) {
        const handle = await room.session.attach(VIDEOROOM);
        const feedId = randomInt(1, 2 ** 47);
        publisher = { handle, feedId, sources: declared, moderated: new Map(), hungUp: false };
        this.#publishers.set(pid, publisher);
        this.#feeds.set(feedId, pid);
        const current = publisher;
        handle.on('hangup', () => (current.hungUp = true));
        await handle.message({ request: 'join', ptype: 'publisher', room: room.id, id: feedId, display: pid });
        ({ jsep: answer } = await handle.message({ request: 'publish', descriptions }, offer));
      } else {
        publisher.sources = declared;
        ({ jsep: answer } = await publisher.handle.message({ request: 'configure', descriptions }, offer));
      }
      if (!answer) throw new AmphiError('MEDIA_UNAVAILABLE', 'The media server gave no answer.');
      // Before the answer leaves: nothing is forwarded that the person may not send now.
      await this.#moderate(pid, publisher, true);
      this.#host.send(pid, { type: 'media.answer', sdp: answer.sdp });
    });
  }

  /** Stops forwarding a person's media (their publisher handle is released). */
  async unpublish(pid: string): Promise<void> {
    await this.#serialFor(pid).run(async () => this.#dropPublisher(pid));
  }

  /** Starts a person's subscription afresh (a new receiving connection). */
  async receive(pid: string): Promise<void> {
    await this.#ready();
    const sub = this.#subscriber(pid);
    await sub.serial.run(async () => {
      sub.wanted = true;
      this.#dropSubscription(sub);
    });
    await this.#sync(pid);
  }

  /** The client's answer to the last offer. */
  async answer(pid: string, sdp: string): Promise<void> {
    const sub = this.#subscribers.get(pid);
    if (!sub?.handle || !sub.pendingOffer) throw new AmphiError('INVALID_STATE', 'No offer is waiting for an answer.');
    const handle = sub.handle;
    await sub.serial.run(async () => {
      await handle.message({ request: 'start' }, { type: 'answer', sdp });
      sub.pendingOffer = null;
      await this.#applyLayers(sub, [...sub.layers.values()]);
    });
    await this.#sync(pid);
  }

  /** A new offer with an ICE restart for the person's receiving connection. */
  async restart(pid: string): Promise<void> {
    const sub = this.#subscribers.get(pid);
    if (!sub?.handle) return this.receive(pid);
    const handle = sub.handle;
    await sub.serial.run(async () => {
      const { jsep } = await handle.message({ request: 'configure', restart: true });
      if (jsep) this.#offer(pid, sub, jsep, false);
    });
  }

  /** The person is back on a new socket: an offer sent while they were away is sent again. */
  resendOffer(pid: string): void {
    const offer = this.#subscribers.get(pid)?.pendingOffer;
    if (offer) this.#host.send(pid, offer);
  }

  /** Which layer of each remote video the person receives (or none, paused). */
  async setLayers(pid: string, layers: readonly LayerChoice[]): Promise<void> {
    const sub = this.#subscriber(pid);
    for (const layer of layers) sub.layers.set(`${layer.participantId}/${layer.source}`, layer);
    await sub.serial.run(() => this.#applyLayers(sub, layers));
  }

  /** The person's state changed: forward exactly what they may send now. */
  applyState(pid: string): void {
    const publisher = this.#publishers.get(pid);
    if (!publisher) return;
    this.#serialFor(pid)
      .run(() => this.#moderate(pid, publisher, false))
      .catch((err: unknown) => this.#host.log.warn({ err, participantId: pid }, 'could not apply media state'));
  }

  /** The person left: release their handles. */
  remove(pid: string): void {
    this.#dropPublisher(pid);
    const sub = this.#subscribers.get(pid);
    if (sub) {
      // A sync already queued for this person must not subscribe them again.
      sub.wanted = false;
      this.#dropSubscription(sub);
    }
    this.#subscribers.delete(pid);
    this.#publisherSerial.delete(pid);
  }

  /**
   * Every stream the stage sends now, in the order people started publishing: published
   * through Amphi, active in Janus and not muted by moderation (a muted stream sends nothing,
   * to subscribers and forwarders alike).
   */
  stageFeeds(): StageFeed[] {
    const feeds: StageFeed[] = [];
    for (const [feedId, streams] of this.#feedStreams) {
      const participantId = this.#feeds.get(feedId);
      const publisher = participantId === undefined ? undefined : this.#publishers.get(participantId);
      if (participantId === undefined || !publisher) continue;
      for (const { mid, type } of streams) {
        const source = publisher.sources.get(mid);
        const codec = this.#feedDetails.get(feedId)?.get(mid)?.codec;
        if (!source || !codec || publisher.moderated.get(mid) === true) continue;
        feeds.push({ participantId, source, kind: type, mid, codec, publication: feedId });
      }
    }
    return feeds;
  }

  /**
   * Forwards one published stream as plain RTP to `target` (a simulcast video: its best layer).
   * The forwarder dies with the publisher (unpublish, a fresh publish, leaving, a media-server
   * restart) without notice: re-forward after `feedsChanged`. Ask for a keyframe
   * (`requestKeyframe`) once the receiver listens, or it waits for the next one.
   * Rejects with INVALID_STATE when the person does not publish that mid.
   */
  async forward(pid: string, mid: string, target: ForwardTarget): Promise<Forwarder> {
    return this.#serialFor(pid).run(async () => {
      const publisher = this.#publishers.get(pid);
      const stream = publisher && this.#feedStreams.get(publisher.feedId)?.find((s) => s.mid === mid);
      if (!publisher || !stream || !this.#room) throw new AmphiError('INVALID_STATE', 'That stream is not published.');
      const room = await this.#room;
      const at: ForwardRoom = { handle: room.control, room: room.id, secret: room.secret, adminKey: room.adminKey };
      const simulcast = this.#feedDetails.get(publisher.feedId)?.get(mid)?.simulcast ?? false;
      const id = await startRtpForward(at, publisher.feedId, { mid, kind: stream.type, simulcast }, target);
      let stopping: Promise<void> | undefined;
      return {
        id,
        // After a reset the control handle is gone: the request fails as "gone", quietly.
        stop: () => (stopping ??= stopRtpForward(at, publisher.feedId, id)),
      };
    });
  }

  /**
   * Asks the person's browser for a keyframe of every stream they publish (Janus sends PLI/FIR).
   * Forwarders do not ask by themselves, and ffmpeg sends no RTCP feedback. Nothing happens
   * when the person does not publish.
   */
  async requestKeyframe(pid: string): Promise<void> {
    await this.#serialFor(pid).run(async () => {
      const publisher = this.#publishers.get(pid);
      if (!publisher || publisher.hungUp) return;
      await publisher.handle.message({ request: 'configure', keyframe: true });
    });
  }

  /** The media server was lost: forget every handle; the next request builds the room again. */
  reset(): void {
    this.#room = null;
    this.#publishers.clear();
    this.#feeds.clear();
    this.#feedStreams.clear();
    this.#feedDetails.clear();
    // The forwarders went with Janus: the stage is empty until people publish again.
    this.#feedsMayHaveChanged();
    for (const sub of this.#subscribers.values()) {
      sub.handle = null;
      sub.current.clear();
      sub.streams = [];
      sub.pendingOffer = null;
      sub.wanted = false;
    }
  }

  /** Destroys the VideoRoom and its Janus session; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClosed();
    const room = this.#room;
    this.#room = null;
    if (!room) return;
    try {
      const { control, id, secret, session } = await room;
      await control.message({ request: 'destroy', room: id, secret }).catch(() => undefined);
      await session.destroy();
    } catch {
      // The room never came up, or the media server is gone: nothing left to release.
    }
  }

  /** Calls `feedsChanged` once after the current burst of changes, if the stage really changed. */
  #feedsMayHaveChanged(): void {
    if (this.#feedsCheckQueued || !this.#host.feedsChanged) return;
    this.#feedsCheckQueued = true;
    queueMicrotask(() => {
      this.#feedsCheckQueued = false;
      if (this.#closed) return;
      const signature = JSON.stringify(this.stageFeeds());
      if (signature === this.#feedsSignature) return;
      this.#feedsSignature = signature;
      try {
        this.#host.feedsChanged?.();
      } catch (err) {
        this.#host.log.warn({ err }, 'feedsChanged listener failed');
      }
    });
  }

  #serialFor(pid: string): Serial {
    let serial = this.#publisherSerial.get(pid);
    if (!serial) this.#publisherSerial.set(pid, (serial = new Serial()));
    return serial;
  }

  #subscriber(pid: string): Subscriber {
    let sub = this.#subscribers.get(pid);
    if (!sub) {
      sub = { wanted: false, handle: null, current: new Map(), pendingOffer: null, streams: [], layers: new Map(), serial: new Serial() };
      this.#subscribers.set(pid, sub);
    }
    return sub;
  }

  #ready(): Promise<JanusRoom> {
    if (this.#closed) return Promise.reject(new AmphiError('SESSION_ENDED'));
    if (!this.#room) {
      const room = this.#createRoom();
      this.#room = room;
      room.catch(() => {
        if (this.#room === room) this.#room = null;
      });
    }
    return this.#room;
  }

  async #createRoom(): Promise<JanusRoom> {
    let link: JanusLink;
    try {
      link = await this.#connect();
    } catch {
      throw new AmphiError('MEDIA_UNAVAILABLE');
    }
    const { connection, adminKey } = link;
    const session = await connection.createSession();
    const control = await session.attach(VIDEOROOM);
    const id = randomInt(1, 2 ** 47);
    const secret = randomBytes(18).toString('base64url');
    await control.message({
      request: 'create',
      ...(adminKey ? { admin_key: adminKey } : {}),
      room: id,
      secret,
      is_private: true,
      publishers: 100,
      audiocodec: 'opus',
      videocodec: 'vp8,h264',
      opus_fec: true,
      opus_dtx: true,
      bitrate: 1_500_000,
      fir_freq: 10,
      audiolevel_event: true,
      audio_active_packets: 50,
      audio_level_average: 40,
      notify_joining: false,
    });
    // The control handle joins as a passive publisher: it hears about feeds and who talks.
    control.on('event', (data) => this.#onRoomEvent(data));
    const joined = await control.message({ request: 'join', ptype: 'publisher', room: id, display: '' });
    this.#onRoomEvent(joined.data);
    return { session, control, id, secret, adminKey };
  }

  #onRoomEvent(data: Record<string, unknown>): void {
    const event = data.videoroom;
    if (event === 'talking' || event === 'stopped-talking') {
      const pid = typeof data.id === 'number' ? this.#feeds.get(data.id) : undefined;
      if (pid) this.#host.broadcast({ type: 'media.talking', participantId: pid, talking: event === 'talking' });
      return;
    }
    const { published, gone } = feedChanges(data);
    let changed = false;
    const details = streamDetails(data);
    for (const [id, streams] of published) {
      // Only feeds published through Amphi (the control handle itself never publishes).
      if (!this.#feeds.has(id)) continue;
      this.#feedStreams.set(id, streams);
      this.#feedDetails.set(id, details.get(id) ?? new Map());
      changed = true;
    }
    for (const id of gone) {
      this.#feedDetails.delete(id);
      if (this.#feedStreams.delete(id)) changed = true;
    }
    if (!changed) return;
    for (const pid of this.#subscribers.keys()) this.#syncLater(pid);
    this.#feedsMayHaveChanged();
  }

  #syncLater(pid: string): void {
    this.#sync(pid).catch((err: unknown) => {
      // A request racing with the person leaving or the room closing fails harmlessly.
      if (!this.#closed && this.#subscribers.get(pid)?.wanted) this.#host.log.warn({ err, participantId: pid }, 'could not update a subscription');
    });
  }

  /** Brings the person's subscription in line with the feeds (one negotiation at a time). */
  async #sync(pid: string): Promise<void> {
    const sub = this.#subscribers.get(pid);
    if (!sub) return;
    await sub.serial.run(async () => {
      if (this.#closed || !sub.wanted || sub.pendingOffer !== null || !this.#room || this.#subscribers.get(pid) !== sub) return;
      const room = await this.#room;
      const desired = new Map<string, { feed: number; mid: string }>();
      for (const [feed, streams] of this.#feedStreams) {
        if (this.#feeds.get(feed) === pid) continue;
        for (const s of streams) desired.set(streamKey(feed, s.mid), { feed, mid: s.mid });
      }
      const add = [...desired].filter(([key]) => !sub.current.has(key)).map(([, s]) => s);
      const drop = [...sub.current.keys()].filter((key) => !desired.has(key));
      if (add.length === 0 && drop.length === 0) return;
      if (!sub.handle) {
        if (add.length === 0) return;
        const handle = await room.session.attach(VIDEOROOM);
        sub.handle = handle;
        handle.on('event', (data, jsep) => {
          // A renegotiation Janus postponed arrives later, on its own.
          if (jsep?.type === 'offer' && sub.handle === handle) this.#offer(pid, sub, jsep, false, data);
        });
        const { data, jsep } = await handle.message({ request: 'join', ptype: 'subscriber', room: room.id, autoupdate: false, streams: add });
        if (jsep) this.#offer(pid, sub, jsep, true, data);
        return;
      }
      const unsubscribe = drop.map((key) => ({ sub_mid: sub.current.get(key) }));
      const { data, jsep } = await sub.handle.message({ request: 'update', ...(add.length ? { subscribe: add } : {}), ...(unsubscribe.length ? { unsubscribe } : {}) });
      if (jsep) this.#offer(pid, sub, jsep, false, data);
    });
  }

  #offer(pid: string, sub: Subscriber, jsep: Jsep, fresh: boolean, data?: Record<string, unknown>): void {
    if (Array.isArray(data?.streams)) {
      const { byKey, streams } = subscriptionStreams(data.streams, this.#owner);
      sub.current = byKey;
      sub.streams = streams;
    }
    // An offer without a stream list (ICE restart) keeps the same transceivers.
    this.#sendOffer(pid, sub, { type: 'media.offer', sdp: jsep.sdp, streams: sub.streams, fresh });
  }

  /** Who published a feed through Amphi, and what its mids carry. */
  readonly #owner: FeedOwner = (feedId) => {
    const participantId = this.#feeds.get(feedId);
    const publisher = participantId === undefined ? undefined : this.#publishers.get(participantId);
    return participantId !== undefined && publisher ? { participantId, sources: publisher.sources } : undefined;
  };

  #sendOffer(pid: string, sub: Subscriber, offer: ServerMessage): void {
    sub.pendingOffer = offer;
    this.#host.send(pid, offer);
  }

  async #applyLayers(sub: Subscriber, layers: readonly LayerChoice[]): Promise<void> {
    if (!sub.handle) return;
    const streams: Record<string, unknown>[] = [];
    for (const layer of layers) {
      const publisher = this.#publishers.get(layer.participantId);
      if (!publisher) continue;
      for (const [feedMid, source] of publisher.sources) {
        if (source !== layer.source) continue;
        const mid = sub.current.get(streamKey(publisher.feedId, feedMid));
        if (mid === undefined) continue;
        streams.push({ mid, send: !layer.paused, substream: layer.substream, ...(layer.temporal !== undefined ? { temporal: layer.temporal } : {}) });
      }
    }
    if (streams.length > 0) await sub.handle.message({ request: 'configure', streams });
  }

  /** Mutes in Janus every stream the person may not send now (all of them when `all`, else only changes). */
  async #moderate(pid: string, publisher: Publisher, all: boolean): Promise<void> {
    const room = await this.#ready();
    const person = this.#host.participant(pid);
    for (const [mid, source] of publisher.sources) {
      // A shared screen's sound goes with the screen.
      const on = person !== undefined && (source === 'mic' ? person.mic : source === 'camera' ? person.cam : person.screen);
      const mute = !on;
      if (!all && publisher.moderated.get(mid) === mute) continue;
      await room.control.message({ request: 'moderate', room: room.id, secret: room.secret, id: publisher.feedId, mid, mute });
      publisher.moderated.set(mid, mute);
      this.#feedsMayHaveChanged();
    }
  }

  #dropPublisher(pid: string): void {
    const publisher = this.#publishers.get(pid);
    if (!publisher) return;
    this.#publishers.delete(pid);
    this.#feeds.delete(publisher.feedId);
    this.#feedDetails.delete(publisher.feedId);
    if (this.#feedStreams.delete(publisher.feedId)) {
      for (const other of this.#subscribers.keys()) this.#syncLater(other);
      this.#feedsMayHaveChanged();
    }
    publisher.handle.detach().catch(() => undefined);
  }

  #dropSubscription(sub: Subscriber): void {
    const handle = sub.handle;
    sub.handle = null;
    sub.current.clear();
    sub.streams = [];
    sub.pendingOffer = null;
    handle?.detach().catch(() => undefined);
  }
}
