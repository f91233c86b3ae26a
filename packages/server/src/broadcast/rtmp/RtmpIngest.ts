/**
 * The RTMP ingest's decisions, between nginx's callbacks and the rest of Amphi: which encoder may
 * publish (its stream key, through `authorize`), under which internal stream name, and when a
 * stream starts and stops. No I/O: the HTTP routes feed it, the lead's wiring listens to it.
 *
 * A publish is decided in two steps, because our ffmpeg must not ask nginx for the stream before
 * nginx has it (nginx refuses players of a stream nobody publishes, see `idle_streams off`):
 *   requestPublish()  the key is checked and the internal name reserved; the route answers 302;
 *   confirmPublish()  the answer reached nginx: `publish` is emitted (or cancelPublish() if not).
 * `publish` and `unpublish` alternate for a stream: a second encoder with the same key is refused
 * while the first one publishes (as nginx would, "already publishing").
 *
 * Brute force: each remote address may have `maxFailures` refused keys per `failureWindowMs`
 * (default 10 a minute), checks in flight included; beyond that it is refused without asking.
 */
import { TypedEmitter } from '@amphi/protocol';
import { BroadcastError } from '../errors.js';
import { RTMP_STREAM_NAME } from './nginxRtmpConfig.js';

/** Why a publish was refused. */
export type PublishRefusal =
  /** `authorize` knows no such key. */
  | 'unknown_key'
  /** Too many refused keys from this address lately. */
  | 'rate_limited'
  /** The stream is already published (by another connection with the same key). */
  | 'busy'
  /** The connection ended while its key was being checked. */
  | 'gone'
  /** `authorize` failed or returned an unusable name. */
  | 'error'
  /** The ingest was closed. */
  | 'closed';

export interface PublishRequest {
  /** The stream key the encoder presented (shape checked by the route). */
  readonly key: string;
  /** The encoder's address, as nginx saw it. */
  readonly remoteAddress: string;
  /** nginx's id of the RTMP connection; `publish_done` carries it too (its `name` is the key, not ours). */
  readonly clientId: string;
}

export type PublishDecision =
  | { readonly accepted: true; readonly stream: string }
  | { readonly accepted: false; readonly reason: PublishRefusal; readonly error?: unknown };

export type UnpublishReason =
  /** The encoder stopped, dropped, or was idle longer than nginx's `drop_idle_publisher`. */
  | 'done'
  /** nginx died: every encoder was disconnected (it will reconnect to the restarted one). */
  | 'server_lost'
  /** The ingest was closed. */
  | 'closed';

export type RtmpIngestEvents = {
  /** An encoder publishes: the stream can be pulled from `NginxRtmp.pullUrl(stream)`. */
  publish: [{ stream: string; remoteAddress: string }];
  /** It stopped; a later `publish` of the same stream is a reconnection. */
  unpublish: [{ stream: string; reason: UnpublishReason }];
  /** A publish was refused; `keyHint` is the key's first characters, never the key. */
  refused: [{ remoteAddress: string; reason: PublishRefusal; keyHint: string }];
  closed: [];
};

export interface RtmpIngestOptions {
  /**
   * The internal stream name an encoder presenting this key publishes under (1–128 of
   * [A-Za-z0-9_-], the same for every connection with the same key, so a reconnection comes back
   * under the same name), or null to refuse the key.
   */
  authorize: (key: string, remoteAddress: string) => Promise<string | null>;
  /** Refused keys allowed per address and window (default 10). */
  maxFailures?: number;
  /** The window of `maxFailures`, in ms (default 60 000). */
  failureWindowMs?: number;
  /** Clock in ms (default Date.now); tests move it. */
  now?: () => number;
}

interface Session {
  readonly remoteAddress: string;
  state: 'authorizing' | 'gone' | 'pending' | 'live';
  stream?: string;
}

interface Attempts {
  /** When keys from this address were refused (ms), oldest first. */
  failures: number[];
  inFlight: number;
}

/** Characters of a key kept in logs: `amphi_Ab3x`, as much as the room page shows. */
const KEY_HINT_CHARS = 10;
/** Beyond this many tracked addresses, stale ones are pruned at each new one. */
const PRUNE_ABOVE = 1000;

/** The key's first characters followed by an ellipsis, safe to log. */
export function keyHint(key: string): string {
  return `${key.slice(0, KEY_HINT_CHARS)}…`;
}

export class RtmpIngest extends TypedEmitter<RtmpIngestEvents> {
  readonly #authorize: RtmpIngestOptions['authorize'];
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** By nginx client id. */
  readonly #sessions = new Map<string, Session>();
  /** Reserved or live stream name → client id. */
  readonly #streams = new Map<string, string>();
  readonly #attempts = new Map<string, Attempts>();
  #closed = false;

  constructor(options: RtmpIngestOptions) {
    super();
    this.#authorize = options.authorize;
    this.#maxFailures = options.maxFailures ?? 10;
    this.#windowMs = options.failureWindowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The streams being published now (confirmed). */
  liveStreams(): string[] {
    return [...this.#sessions.values()].filter((s) => s.state === 'live').map((s) => s.stream!);
  }

  /** Checks the key (unless the address is over its limit) and reserves the stream name. */
  async requestPublish(request: PublishRequest): Promise<PublishDecision> {
    const { key, clientId } = request;
    const remoteAddress = normalizeAddress(request.remoteAddress);
    const refuse = (reason: PublishRefusal, error?: unknown): PublishDecision => {
      this.emit('refused', { remoteAddress, reason, keyHint: keyHint(key) });
      return error === undefined ? { accepted: false, reason } : { accepted: false, reason, error };
    };
    if (this.#closed) return refuse('closed');
    // nginx gives each connection one id; a second publish on it is not something encoders do.
    if (this.#sessions.has(clientId)) return refuse('busy');
    const attempts = this.#attemptsOf(remoteAddress);
    if (attempts.failures.length + attempts.inFlight >= this.#maxFailures) return refuse('rate_limited');

    const session: Session = { remoteAddress, state: 'authorizing' };
    this.#sessions.set(clientId, session);
    attempts.inFlight++;
    let stream: string | null;
    try {
      stream = await this.#authorize(key, remoteAddress);
    } catch (error) {
      this.#forget(clientId, session);
      return refuse('error', error);
    } finally {
      attempts.inFlight--;
    }
    if (stream === null) {
      attempts.failures.push(this.#now());
      this.#forget(clientId, session);
      return refuse('unknown_key');
    }
    if (this.#closed || session.state === 'gone') {
      this.#forget(clientId, session);
      return refuse(this.#closed ? 'closed' : 'gone');
    }
    if (!RTMP_STREAM_NAME.test(stream)) {
      this.#forget(clientId, session);
      return refuse('error', new BroadcastError('INVALID_NAME', `authorize returned a stream name that does not match ${RTMP_STREAM_NAME.source}`));
    }
    if (this.#streams.has(stream)) {
      this.#forget(clientId, session);
      return refuse('busy');
    }
    session.state = 'pending';
    session.stream = stream;
    this.#streams.set(stream, clientId);
    return { accepted: true, stream };
  }

  /** nginx received the acceptance: the stream is live, `publish` is emitted. */
  confirmPublish(clientId: string): void {
    const session = this.#sessions.get(clientId);
    if (!session || session.state !== 'pending') return;
    session.state = 'live';
    this.emit('publish', { stream: session.stream!, remoteAddress: session.remoteAddress });
  }

  /** The acceptance could not be delivered (nginx hung up): the reservation is dropped. */
  cancelPublish(clientId: string): void {
    const session = this.#sessions.get(clientId);
    if (session?.state === 'pending') this.#forget(clientId, session);
  }

  /** nginx's `publish_done` for this connection; emits `unpublish` if it was live. */
  publishDone(clientId: string): void {
    const session = this.#sessions.get(clientId);
    if (!session) return;
    if (session.state === 'authorizing') {
      // requestPublish() sees it when `authorize` returns.
      session.state = 'gone';
      return;
    }
    if (session.state === 'gone') return;
    this.#forget(clientId, session);
    if (session.state === 'live') this.emit('unpublish', { stream: session.stream!, reason: 'done' });
  }

  /** nginx died: no `publish_done` will come for its connections, so every stream ends here. */
  serverLost(): void {
    this.#endAll('server_lost');
  }

  /** Refuses every later publish and ends the live streams (`unpublish`, reason `closed`). Safe twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endAll('closed');
    this.emit('closed');
    this.removeAllListeners();
  }

  #endAll(reason: UnpublishReason): void {
    const ended: string[] = [];
    for (const [clientId, session] of [...this.#sessions]) {
      // An authorizing one sees 'gone' when its check returns; its id may be reused meanwhile
      // (a restarted nginx numbers connections from 1 again), so it leaves the map now.
      if (session.state === 'authorizing') session.state = 'gone';
      this.#forget(clientId, session);
      if (session.state === 'live') ended.push(session.stream!);
    }
    for (const stream of ended) this.emit('unpublish', { stream, reason });
  }

  #forget(clientId: string, session: Session): void {
    if (this.#sessions.get(clientId) === session) this.#sessions.delete(clientId);
    if (session.stream !== undefined && this.#streams.get(session.stream) === clientId) this.#streams.delete(session.stream);
  }

  /** The address's record, its failures older than the window dropped. */
  #attemptsOf(address: string): Attempts {
    const since = this.#now() - this.#windowMs;
    let attempts = this.#attempts.get(address);
    if (!attempts) {
      if (this.#attempts.size >= PRUNE_ABOVE) this.#prune(since);
      attempts = { failures: [], inFlight: 0 };
      this.#attempts.set(address, attempts);
    }
    while (attempts.failures.length > 0 && attempts.failures[0]! <= since) attempts.failures.shift();
    return attempts;
  }

  #prune(since: number): void {
    for (const [address, attempts] of this.#attempts) {
      if (attempts.inFlight === 0 && attempts.failures.every((t) => t <= since)) this.#attempts.delete(address);
    }
  }
}

/** `::ffff:192.0.2.1` and `192.0.2.1` are the same encoder. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
