import { AmphiError, TypedEmitter, type IceServer } from '@amphi/protocol';
import { AudienceStream, type AudienceOptions, type AudienceSeats } from './AudienceStream.js';
import { JanusConnection } from './janus/JanusConnection.js';
import { JanusProcess } from './janus/JanusProcess.js';
import { RoomMedia, type JanusLink, type MediaLogger, type RoomMediaHost } from './RoomMedia.js';
import { turnCredentials } from './turn.js';

/** Where the Janus servers are: one started and supervised by Amphi, or external hosts. */
export type JanusSetup =
  | {
      kind: 'embedded';
      /** Folder for the generated configuration. */
      workDir: string;
      /** Address Janus gathers ICE candidates on (default: the host's outward IPv4). */
      ip?: string | undefined;
      rtpPortRange: [number, number];
      /** Janus event loops (default: one per core). */
      eventLoops?: number | undefined;
    }
  | { kind: 'external'; urls: string[]; apiSecret?: string | undefined; adminKey?: string | undefined };

export interface MediaPlaneOptions {
  janus: JanusSetup;
  /** TURN servers sharing a secret with Amphi (coturn `use-auth-secret`); credentials last ttlS seconds. */
  turn?: { urls: string[]; secret: string; ttlS: number } | undefined;
  /** Plain STUN servers given to browsers (default none: Janus has a reachable address). */
  stunUrls?: string[] | undefined;
  /** How long (ms) a media request waits for a reachable Janus before MEDIA_UNAVAILABLE (default 10000). */
  connectTimeoutMs?: number | undefined;
  /** Most WebRTC audience viewers per Janus host, all its audience streams together (default: no limit). */
  audienceMaxViewers?: number | undefined;
  log: MediaLogger;
}

/** A room's media as the realtime layer sees it (see RoomMedia). */
export type MediaRoom = Pick<
  RoomMedia,
  'publish' | 'unpublish' | 'receive' | 'answer' | 'restart' | 'setLayers' | 'applyState' | 'resendOffer' | 'remove' | 'close' | 'stageFeeds' | 'forward' | 'requestKeyframe'
>;

/** What the realtime layer needs from the media plane. */
export interface MediaPlane {
  /** Media for one live session; `host.mediaReset()` is called when its media server is lost. */
  createRoom(host: RoomMediaHost & { mediaReset(): void }): MediaRoom;
  /**
   * A sub-second WebRTC audience for one broadcast (a Streaming mountpoint), on the Janus host
   * with the fewest audience viewers. Rejects with MEDIA_UNAVAILABLE when no Janus answers.
   */
  createAudience(options?: AudienceOptions): Promise<AudienceStream>;
  /** STUN/TURN servers for one person's peer connections (fresh short-lived TURN credentials). */
  iceServers(participantId: string): IceServer[];
  /** Janus hosts known, reachable now, and restarts of the embedded one. */
  health(): { hosts: number; connected: number; restarts: number };
  close(): Promise<void>;
}

interface JanusHostEvents extends Record<string, unknown[]> {
  /** The connection to this Janus was lost: its rooms, sessions and handles are gone. */
  reset: [];
}

/** One Janus server: an embedded supervised process or an external URL, and our connection to it. */
class JanusHost extends TypedEmitter<JanusHostEvents> {
  readonly #url: string | undefined;
  readonly #apiSecret: string | undefined;
  readonly #adminKey: string | undefined;
  readonly #process: JanusProcess | undefined;
  readonly #timeoutMs: number;
  #started: Promise<unknown> | null = null;
  #connecting: Promise<JanusConnection> | null = null;
  #connection: JanusConnection | null = null;
  restarts = 0;
  #closed = false;
  /** Audience viewers on this host, across its audience streams. */
  audienceViewers = 0;
  readonly seats: AudienceSeats;

  constructor(target: { url: string; apiSecret?: string | undefined; adminKey?: string | undefined } | { process: JanusProcess }, timeoutMs: number, maxViewers = Infinity) {
    super();
    this.#timeoutMs = timeoutMs;
    this.seats = {
      take: () => {
        if (this.audienceViewers >= maxViewers) return false;
        this.audienceViewers++;
        return true;
      },
      release: () => {
        this.audienceViewers = Math.max(0, this.audienceViewers - 1);
      },
    };
    if ('process' in target) {
      this.#process = target.process;
      this.#process.on('exited', () => this.restarts++);
    } else {
      this.#url = target.url;
      this.#apiSecret = target.apiSecret;
      this.#adminKey = target.adminKey;
    }
  }

  /**
   * Where RTP for this host's Streaming mountpoints goes. The embedded Janus binds them to
   * loopback (only this machine may feed a program); an external one listens on all its
   * addresses, reached at its API URL's host.
   */
  get rtp(): { host: string; iface?: string } {
    if (this.#process) return { host: '127.0.0.1', iface: '127.0.0.1' };
    return { host: new URL(this.#url!).hostname.replace(/^\[(.*)\]$/, '$1') };
  }

  get connected(): boolean {
    return this.#connection !== null && !this.#connection.isClosed;
  }

  /** The live connection, opened (and the embedded Janus started) when needed; retried until the timeout. */
  async connect(): Promise<JanusLink> {
    if (this.#closed) throw new Error('media plane closed');
    const adminKey = this.#process ? this.#process.adminKey : this.#adminKey;
    if (this.#connection && !this.#connection.isClosed) return { connection: this.#connection, adminKey };
    this.#connecting ??= this.#open().finally(() => (this.#connecting = null));
    return { connection: await this.#connecting, adminKey };
  }

  async #open(): Promise<JanusConnection> {
    if (this.#process) {
      this.#started ??= this.#process.start();
      await this.#started;
    }
    const deadline = Date.now() + this.#timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      const url = this.#process ? this.#process.url : this.#url;
      const apiSecret = this.#process ? this.#process.apiSecret : this.#apiSecret;
      try {
        if (!url) throw new Error('Janus has no URL yet');
        const connection = await JanusConnection.connect(url, { ...(apiSecret ? { apiSecret } : {}), timeoutMs: 3000 });
        await connection.info();
        if (this.#closed) {
          connection.close();
          throw new Error('media plane closed');
        }
        this.#connection = connection;
        connection.on('closed', () => {
          if (this.#connection !== connection) return;
          this.#connection = null;
          this.emit('reset');
        });
        return connection;
      } catch (err) {
        if (this.#closed || Date.now() + delay > deadline) throw err;
        // The embedded Janus says when it is back: try again then, or after the delay.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, delay);
          const off = this.#process?.on('ready', done);
          function done() {
            clearTimeout(timer);
            off?.();
            resolve();
          }
        });
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = this.#connection;
    this.#connection = null;
    connection?.close();
    await this.#process?.close();
    this.removeAllListeners();
  }
}

/**
 * The media plane on Janus: hands each live session a RoomMedia on one of the Janus hosts
 * (round robin), tells rooms when their Janus is lost so clients publish again, and gives
 * out ICE servers. The embedded Janus starts on first use, so a server that never carries
 * media never starts it.
 *
 * It also creates the WebRTC audience streams of broadcasts, counting their viewers per host.
 *
 * Close cascade: `close()` closes every room's media and every audience stream, then the
 * connections, then stops the embedded Janus.
 */
export class JanusMediaPlane implements MediaPlane {
  readonly #options: MediaPlaneOptions;
  readonly #hosts: JanusHost[];
  readonly #rooms = new Map<RoomMedia, { host: JanusHost; notify: () => void }>();
  readonly #audiences = new Set<AudienceStream>();
  #next = 0;
  #closed = false;

  constructor(options: MediaPlaneOptions) {
    this.#options = options;
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const { janus } = options;
    if (janus.kind === 'embedded') {
      const process = new JanusProcess({
        workDir: janus.workDir,
        rtpPortRange: janus.rtpPortRange,
        ...(janus.ip ? { ip: janus.ip } : {}),
        ...(janus.eventLoops ? { eventLoops: janus.eventLoops } : {}),
        log: options.log,
      });
      this.#hosts = [new JanusHost({ process }, timeoutMs, options.audienceMaxViewers)];
    } else {
      if (janus.urls.length === 0) throw new Error('At least one Janus URL is needed');
      this.#hosts = janus.urls.map((url) => new JanusHost({ url, apiSecret: janus.apiSecret, adminKey: janus.adminKey }, timeoutMs, options.audienceMaxViewers));
    }
    for (const host of this.#hosts) {
      host.on('reset', () => {
        options.log.warn({}, 'lost the connection to Janus: rebuilding its rooms');
        for (const [room, entry] of this.#rooms) {
          if (entry.host !== host) continue;
          room.reset();
          entry.notify();
        }
      });
    }
  }

  createRoom(host: RoomMediaHost & { mediaReset(): void }): MediaRoom {
    if (this.#closed) throw new Error('media plane closed');
    const janus = this.#hosts[this.#next++ % this.#hosts.length]!;
    const room: RoomMedia = new RoomMedia(() => janus.connect(), host, () => this.#rooms.delete(room));
    this.#rooms.set(room, { host: janus, notify: () => host.mediaReset() });
    return room;
  }

  async createAudience(options: AudienceOptions = {}): Promise<AudienceStream> {
    if (this.#closed) throw new Error('media plane closed');
    const janus = this.#hosts.reduce((best, host) => (host.audienceViewers < best.audienceViewers ? host : best));
    let link: JanusLink;
    try {
      link = await janus.connect();
    } catch {
      throw new AmphiError('MEDIA_UNAVAILABLE');
    }
    const audience = await AudienceStream.create(link, janus.rtp, janus.seats, options);
    if (this.#closed) {
      await audience.close();
      throw new Error('media plane closed');
    }
    this.#audiences.add(audience);
    audience.on('closed', () => this.#audiences.delete(audience));
    return audience;
  }

  iceServers(participantId: string): IceServer[] {
    const servers: IceServer[] = [];
    if (this.#options.stunUrls?.length) servers.push({ urls: this.#options.stunUrls });
    const turn = this.#options.turn;
    if (turn) {
      const { urls, username, credential } = turnCredentials({ secret: turn.secret, userId: participantId, ttlS: turn.ttlS, urls: turn.urls });
      servers.push({ urls, username, credential });
    }
    return servers;
  }

  health(): { hosts: number; connected: number; restarts: number } {
    return {
      hosts: this.#hosts.length,
      connected: this.#hosts.filter((h) => h.connected).length,
      restarts: this.#hosts.reduce((n, h) => n + h.restarts, 0),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#rooms.keys()].map((room) => room.close()));
    await Promise.all([...this.#audiences].map((audience) => audience.close()));
    await Promise.all(this.#hosts.map((host) => host.close()));
  }
}
