/**
 * How a bot's media is signalled:
 * - AmphiBot: our protocol over WebSocket (RoomClient), as the browser's MediaSession does
 *   (publish, turn on, receive, answer offers, pick layers, start over after `media.reset`).
 * - BareRoom: the reference, a minimal script on a bare Janus VideoRoom (JanusConnection
 *   directly): one publisher handle per person and one subscriber handle that subscribes only
 *   to the streams shown, then picks their substreams.
 */
import WebSocket from 'ws';
import { RoomClient } from '@amphi/client';
import type { LayerChoice, ServerMessage } from '@amphi/protocol';
import type { JanusHandle, JanusSession } from '../../packages/server/src/media/janus/JanusConnection.js';
import type { BotMedia } from './bot.js';

type MediaMessage = Extract<ServerMessage, { type: 'media.answer' | 'media.offer' | 'media.talking' | 'media.reset' }>;

export class AmphiBot {
  readonly client: RoomClient;
  readonly media: BotMedia;
  /** Time of the last `media.reset` (performance.now()). */
  resetAt: number | null = null;
  resets = 0;
  offersAnswered = 0;
  answerBytes = 0;
  readonly errors: string[] = [];
  /** What happened after the last `media.reset` (ms after it), for diagnosis. */
  timeline: string[] = [];
  #answerWaiter: ((sdp: string) => void) | null = null;
  #offers: Promise<void> = Promise.resolve();
  #layers: LayerChoice[] = [];

  constructor(url: string, ticket: string, media: BotMedia) {
    this.media = media;
    this.client = new RoomClient({ url, ticket, createSocket: (u) => new WebSocket(u), requestTimeoutMs: 30_000 });
    this.client.on('media', (message) => this.#onMedia(message as MediaMessage));
    this.client.on('error', (code, message) => this.errors.push(`${code}: ${message}`));
    media.trace = (what, since) => this.timeline.push(`${what}@+${Math.round(performance.now() - since)}`);
  }

  get participantId(): string {
    return this.client.participantId!;
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Publishes microphone and camera (a fresh connection when `fresh`). */
  async publish(fresh = false): Promise<void> {
    const { sdp, sources } = await this.media.publishOffer();
    const answer = new Promise<string>((resolve) => (this.#answerWaiter = resolve));
    await this.client.request({ type: 'media.publish', sdp, sources, ...(fresh ? { fresh: true } : {}) });
    await this.media.publishAnswer(await answer);
  }

  async receive(): Promise<void> {
    await this.client.request({ type: 'media.receive' });
  }

  /** Which layer of each remote camera to receive (kept and sent again after a reset). */
  async setLayers(layers: LayerChoice[]): Promise<void> {
    this.#layers = layers;
    await this.client.request({ type: 'media.layers', layers });
  }

  #onMedia(message: MediaMessage): void {
    switch (message.type) {
      case 'media.answer':
        if (this.resetAt !== null) this.timeline.push(`answer@${Math.round(performance.now() - this.resetAt)}`);
        this.#answerWaiter?.(message.sdp);
        this.#answerWaiter = null;
        return;
      case 'media.offer': {
        if (this.resetAt !== null) this.timeline.push(`offer@${Math.round(performance.now() - this.resetAt)}`);
        const run = async () => {
          const sdp = await this.media.answer(message.sdp, message.fresh);
          this.answerBytes = Math.max(this.answerBytes, sdp.length);
          await this.client.request({ type: 'media.subscriberAnswer', sdp });
          this.offersAnswered++;
        };
        this.#offers = this.#offers.then(run).catch((err: unknown) => void this.errors.push(`answer: ${String(err)}`));
        return;
      }
      case 'media.reset': {
        // As MediaSession#resetAll: both connections afresh, publish again, receive again.
        this.resetAt = performance.now();
        this.resets++;
        const t0 = performance.now();
        const mark = (what: string) => this.timeline.push(`${what}@${Math.round(performance.now() - t0)}`);
        this.timeline = [];
        const run = async () => {
          await this.media.reset();
          await Promise.all([
            this.publish(true).then(() => mark('published')),
            this.receive().then(() => {
              mark('receive-ack');
              return this.#layers.length ? this.client.request({ type: 'media.layers', layers: this.#layers }) : undefined;
            }),
          ]);
        };
        this.#offers = this.#offers.then(run).catch((err: unknown) => void this.errors.push(`reset: ${String(err)}`));
        return;
      }
      default:
        return;
    }
  }

  async close(): Promise<void> {
    this.client.leave();
    await this.media.close();
  }
}

/** One person in the bare VideoRoom. */
export interface BarePerson {
  media: BotMedia;
  feedId: number;
  publisher: JanusHandle;
  subscriber: JanusHandle | null;
  /** Published mids by kind (from the offer). */
  mids: { audio: string; video: string };
}

/** The reference: what a minimal script does with a bare VideoRoom for the same people. */
export class BareRoom {
  readonly #session: JanusSession;
  readonly room: number;

  private constructor(session: JanusSession, room: number) {
    this.#session = session;
    this.room = room;
  }

  static async create(session: JanusSession, adminKey: string, room: number): Promise<BareRoom> {
    const control = await session.attach('janus.plugin.videoroom');
    await control.message({ request: 'create', admin_key: adminKey, room, publishers: 100, audiocodec: 'opus', videocodec: 'vp8' });
    return new BareRoom(session, room);
  }

  async publish(media: BotMedia, feedId: number): Promise<BarePerson> {
    const publisher = await this.#session.attach('janus.plugin.videoroom');
    await publisher.message({ request: 'join', ptype: 'publisher', room: this.room, id: feedId });
    const { sdp, sources } = await media.publishOffer();
    const { jsep } = await publisher.message({ request: 'publish' }, { type: 'offer', sdp });
    if (!jsep) throw new Error('no answer from Janus');
    await media.publishAnswer(jsep.sdp);
    const mids = { audio: sources.find((s) => s.source === 'mic')!.mid, video: sources.find((s) => s.source === 'camera')!.mid };
    return { media, feedId, publisher, subscriber: null, mids };
  }

  /** Subscribes to the given streams, answers, then sets each video's substream. */
  async subscribe(person: BarePerson, streams: { from: BarePerson; kind: 'audio' | 'video'; substream?: number }[]): Promise<void> {
    const handle = await this.#session.attach('janus.plugin.videoroom');
    person.subscriber = handle;
    const { data, jsep } = await handle.message({
      request: 'join',
      ptype: 'subscriber',
      room: this.room,
      streams: streams.map((s) => ({ feed: s.from.feedId, mid: s.from.mids[s.kind] })),
    });
    if (!jsep) throw new Error('no offer from Janus');
    const answer = await person.media.answer(jsep.sdp, true);
    await handle.message({ request: 'start' }, { type: 'answer', sdp: answer });
    const subMids = new Map<string, string>();
    for (const s of (data.streams ?? []) as { mid: string; feed_id: number; feed_mid: string }[]) subMids.set(`${s.feed_id}/${s.feed_mid}`, s.mid);
    const configure = streams
      .filter((s) => s.substream !== undefined)
      .map((s) => ({ mid: subMids.get(`${s.from.feedId}/${s.from.mids.video}`), substream: s.substream }))
      .filter((s) => s.mid !== undefined);
    if (configure.length) await handle.message({ request: 'configure', streams: configure });
  }
}
