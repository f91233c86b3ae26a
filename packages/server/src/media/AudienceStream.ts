import { randomBytes, randomInt } from 'node:crypto';
import { AmphiError, TypedEmitter } from '@amphi/protocol';
import type { JanusHandle, JanusSession } from './janus/JanusConnection.js';
import type { JanusLink } from './RoomMedia.js';

const STREAMING = 'janus.plugin.streaming';

/** The program's video: H.264 Constrained Baseline, which every browser decodes (Chromium through OpenH264). */
export const AUDIENCE_VIDEO = { payloadType: 96, codec: 'h264', fmtp: 'profile-level-id=42e01f;packetization-mode=1' } as const;
export const AUDIENCE_AUDIO = { payloadType: 111, codec: 'opus' } as const;

export interface AudienceOptions {
  /** Shown in Janus' own listings and logs (e.g. the live session id); default "amphi audience". */
  description?: string | undefined;
}

/** Where the program's RTP goes (ffmpeg `-f rtp rtp://host:port`, or a VideoRoom forwarder). */
export interface AudienceRtpTarget {
  /** Address the mountpoint listens on: 127.0.0.1 for the embedded Janus. */
  host: string;
  /** H.264, payload type 96. */
  videoPort: number;
  /** Opus, payload type 111. */
  audioPort: number;
  /**
   * Where Janus sends keyframe requests when a viewer arrives (to whoever sent RTCP there
   * last): give it as the sender's RTCP port (ffmpeg `?rtcpport=`, a forwarder's `rtcp_port`),
   * or new viewers wait for the next keyframe.
   */
  videoRtcpPort: number;
}

/** Viewer seats on one Janus host, shared by all its audience streams. */
export interface AudienceSeats {
  /** Takes a seat; false when the host is full. */
  take(): boolean;
  release(): void;
}

export interface AudienceStreamEvents extends Record<string, unknown[]> {
  /** Janus was lost (restart, connection): the mountpoint and every viewer are gone; `closed` follows. Create a new stream. */
  reset: [];
  /** A viewer's connection ended on the Janus side (ICE failure, closed peer): their seat is free again. */
  left: [viewerId: string];
  /** Once, after `close()` or a reset. */
  closed: [];
}

interface Viewer {
  /** null while the handle is being attached. */
  handle: JanusHandle | null;
}

/**
 * The sub-second WebRTC audience of one broadcast: a private Janus Streaming RTP mountpoint
 * fed with the program (H.264 + Opus, e.g. by ffmpeg), and one Streaming handle per viewer.
 * Janus makes the offer (`watch`), the viewer answers (`start`). Viewers count against their
 * Janus host's seats (`AudienceSeats`): a full host rejects with AUDIENCE_FULL, and the viewer
 * falls back to HLS.
 *
 * Close cascade: `close()` frees every seat, destroys the mountpoint and the Janus session
 * (with every viewer's handle), then emits `closed`.
 */
export class AudienceStream extends TypedEmitter<AudienceStreamEvents> {
  /** The mountpoint id in Janus. */
  readonly id: number;
  readonly rtpTarget: AudienceRtpTarget;
  readonly #session: JanusSession;
  readonly #control: JanusHandle;
  readonly #secret: string;
  readonly #seats: AudienceSeats;
  readonly #viewers = new Map<string, Viewer>();
  #closing: Promise<void> | undefined;

  private constructor(init: { id: number; secret: string; session: JanusSession; control: JanusHandle; rtpTarget: AudienceRtpTarget; seats: AudienceSeats }) {
    super();
    this.id = init.id;
    this.#secret = init.secret;
    this.#session = init.session;
    this.#control = init.control;
    this.rtpTarget = init.rtpTarget;
    this.#seats = init.seats;
    // The session goes with the connection (Janus restarted or unreachable), taking the
    // mountpoint's viewers with it; Janus destroys an API-created mountpoint when it stops.
    this.#session.on('destroyed', () => this.#lost());
  }

  /**
   * Creates the mountpoint on a Janus host. Janus picks the RTP ports in its Streaming
   * `rtp_port_range`; `rtp.iface` restricts them to one address (the embedded Janus: loopback
   * only, so nobody else can inject a program).
   */
  static async create(link: JanusLink, rtp: { host: string; iface?: string | undefined }, seats: AudienceSeats, options: AudienceOptions = {}): Promise<AudienceStream> {
    const session = await link.connection.createSession();
    try {
      const control = await session.attach(STREAMING);
      const id = randomInt(1, 2 ** 47);
      const secret = randomBytes(18).toString('base64url');
      const iface = rtp.iface ? { iface: rtp.iface } : {};
      const { data } = await control.message({
        request: 'create',
        ...(link.adminKey ? { admin_key: link.adminKey } : {}),
        type: 'rtp',
        id,
        name: `amphi-audience-${id}`,
        description: options.description ?? 'amphi audience',
        is_private: true,
        secret,
        permanent: false,
        media: [
          // Port 0: Janus chooses. `rtcpport` present (0) gives the video an RTCP socket.
          { type: 'video', mid: 'v', label: 'program video', port: 0, rtcpport: 0, pt: AUDIENCE_VIDEO.payloadType, codec: AUDIENCE_VIDEO.codec, fmtp: AUDIENCE_VIDEO.fmtp, ...iface },
          { type: 'audio', mid: 'a', label: 'program audio', port: 0, pt: AUDIENCE_AUDIO.payloadType, codec: AUDIENCE_AUDIO.codec, ...iface },
        ],
      });
      const ports = createdPorts(data);
      if (!ports) throw new AmphiError('MEDIA_UNAVAILABLE', 'The media server did not say which ports the audience stream listens on.');
      return new AudienceStream({ id, secret, session, control, seats, rtpTarget: { host: rtp.host, ...ports } });
    } catch (err) {
      await session.destroy().catch(() => undefined);
      throw err;
    }
  }

  /** Viewers watching or about to (each holds a seat). */
  get viewers(): number {
    return this.#viewers.size;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Janus' offer for a viewer (audio and video, all candidates inside). A viewer watching
   * already gets a new connection in place of the old one, on the same seat.
   * Rejects with AUDIENCE_FULL when the host has no free seat.
   */
  async watch(viewerId: string): Promise<string> {
    this.#assertOpen();
    const previous = this.#viewers.get(viewerId);
    if (!previous && !this.#seats.take()) throw new AmphiError('AUDIENCE_FULL');
    const viewer: Viewer = { handle: null };
    this.#viewers.set(viewerId, viewer);
    previous?.handle?.detach().catch(() => undefined);
    const current = () => this.#viewers.get(viewerId) === viewer;
    let handle: JanusHandle | undefined;
    try {
      handle = await this.#session.attach(STREAMING);
      if (!current()) throw new AmphiError('INVALID_STATE', 'The viewer left or watched again meanwhile.');
      viewer.handle = handle;
      handle.on('hangup', () => {
        if (!current()) return;
        this.#drop(viewerId);
        this.emit('left', viewerId);
      });
      const { jsep } = await handle.message({ request: 'watch', id: this.id });
      if (!jsep || jsep.type !== 'offer') throw new AmphiError('MEDIA_UNAVAILABLE', 'The media server made no offer.');
      return jsep.sdp;
    } catch (err) {
      if (current()) this.#drop(viewerId);
      else handle?.detach().catch(() => undefined);
      throw err;
    }
  }

  /** The viewer's answer to their offer: media starts flowing once their connection is up. */
  async start(viewerId: string, answerSdp: string): Promise<void> {
    this.#assertOpen();
    const handle = this.#viewers.get(viewerId)?.handle;
    if (!handle) throw new AmphiError('INVALID_STATE', 'No offer is waiting for an answer.');
    await handle.message({ request: 'start' }, { type: 'answer', sdp: answerSdp });
  }

  /** The viewer stops watching: their handle is released and their seat freed. Safe for someone not watching. */
  async leave(viewerId: string): Promise<void> {
    const handle = this.#drop(viewerId);
    await handle?.detach().catch(() => undefined);
  }

  /** Frees every seat and destroys the mountpoint and its viewers' handles; safe twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#freeSeats();
      try {
        await this.#control.message({ request: 'destroy', id: this.id, secret: this.#secret });
      } catch {
        // Janus is gone or forgot the mountpoint already: nothing left to destroy.
      }
      await this.#session.destroy().catch(() => undefined);
      this.emit('closed');
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #lost(): void {
    if (this.#closing) return;
    this.#closing = Promise.resolve();
    this.#freeSeats();
    this.emit('reset');
    this.emit('closed');
    this.removeAllListeners();
  }

  #assertOpen(): void {
    if (this.#closing) throw new AmphiError('INVALID_STATE', 'The audience stream is closed.');
  }

  /** Forgets a viewer and frees their seat; returns their handle, to detach. */
  #drop(viewerId: string): JanusHandle | null {
    const viewer = this.#viewers.get(viewerId);
    if (!viewer) return null;
    this.#viewers.delete(viewerId);
    this.#seats.release();
    return viewer.handle;
  }

  #freeSeats(): void {
    for (let i = 0; i < this.#viewers.size; i++) this.#seats.release();
    this.#viewers.clear();
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The ports of a `created` answer (1.x `stream.ports` list), or undefined if incomplete. */
function createdPorts(data: Record<string, unknown>): Omit<AudienceRtpTarget, 'host'> | undefined {
  const ports = isRecord(data.stream) && Array.isArray(data.stream.ports) ? data.stream.ports.filter(isRecord) : [];
  const port = (mid: string, key: 'port' | 'rtcp_port') => {
    const value = ports.find((p) => p.mid === mid)?.[key];
    return typeof value === 'number' && value > 0 ? value : undefined;
  };
  const videoPort = port('v', 'port');
  const videoRtcpPort = port('v', 'rtcp_port');
  const audioPort = port('a', 'port');
  if (videoPort === undefined || audioPort === undefined || videoRtcpPort === undefined) return undefined;
  return { videoPort, audioPort, videoRtcpPort };
}
