/**
 * A small typed client of the Janus WebSocket API (subprotocol `janus-protocol`):
 * connection → sessions → plugin handles. Requests are matched to answers by transaction;
 * everything else is routed to its handle by `session_id` + `sender`.
 * What Janus sends is checked just enough not to crash: junk is ignored.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { TypedEmitter } from '@amphi/protocol';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

/** An error answered by Janus (`error.code`) or a plugin (`error_code`); -1 = closed, -2 = timeout. */
export class JanusError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'JanusError';
  }
}

type Json = Record<string, unknown>;
interface Pending {
  resolve: (message: Json) => void;
  reject: (error: Error) => void;
  /** A plugin message: an "ack" means "the answer comes later as an event". */
  awaitsEvent: boolean;
}

// Internal entry points, kept off the public surface of the classes.
const REQUEST = Symbol('request');
const DISPATCH = Symbol('dispatch');
const GONE = Symbol('gone');

/** Interval between session keepalives in ms (Janus drops a silent session after 60 s). */
const KEEPALIVE_MS = 25_000;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const closedError = () => new JanusError(-1, 'connection closed');

function parseJsep(value: unknown): Jsep | undefined {
  if (!isRecord(value) || (value.type !== 'offer' && value.type !== 'answer') || typeof value.sdp !== 'string') return undefined;
  return { type: value.type, sdp: value.sdp };
}

/** `plugindata.data` of a message, or `{}` when absent. */
function pluginData(message: Json): Json {
  const plugindata = message.plugindata;
  return isRecord(plugindata) && isRecord(plugindata.data) ? plugindata.data : {};
}

export class JanusConnection extends TypedEmitter<{ closed: [error?: Error] }> {
  readonly #ws: WebSocket;
  readonly #apiSecret: string | undefined;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #sessions = new Map<number, JanusSession>();
  #closed = false;
  #nextTransaction = 0;
  readonly #transactionPrefix = randomBytes(4).toString('hex');

  private constructor(ws: WebSocket, options: { apiSecret?: string; timeoutMs?: number }) {
    super();
    this.#ws = ws;
    this.#apiSecret = options.apiSecret;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    ws.on('message', (raw) => this.#onMessage(raw));
    ws.on('close', () => this.#shutdown(new JanusError(-1, 'connection lost')));
    ws.on('error', () => {}); // Always followed by 'close'.
  }

  /** Opens a WebSocket to Janus; rejects if it is not open within `timeoutMs` (default 5000). */
  static connect(url: string, options: { apiSecret?: string; timeoutMs?: number } = {}): Promise<JanusConnection> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol');
      const fail = (error: Error) => {
        clearTimeout(timer);
        for (const event of ['error', 'close', 'open']) ws.removeAllListeners(event);
        ws.on('error', () => {});
        ws.terminate();
        reject(error);
      };
      ws.once('error', fail);
      ws.once('close', () => fail(new JanusError(-1, 'connection closed before it opened')));
      // Covers a server that accepts TCP but never answers the upgrade.
      const timer = setTimeout(() => fail(new JanusError(-2, `no WebSocket to ${url} within ${timeoutMs} ms`)), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        for (const event of ['error', 'close', 'open']) ws.removeAllListeners(event);
        resolve(new JanusConnection(ws, options));
      });
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Server info (the "info" request, which needs no session). */
  async info(): Promise<Record<string, unknown>> {
    const { janus: _janus, transaction: _transaction, ...info } = await this[REQUEST]({ janus: 'info' });
    return info;
  }

  /** Creates a session, kept alive every 25 s until it is destroyed. */
  async createSession(): Promise<JanusSession> {
    const answer = await this[REQUEST]({ janus: 'create' });
    const id = isRecord(answer.data) ? answer.data.id : undefined;
    if (typeof id !== 'number') throw new JanusError(-3, 'malformed "create" answer');
    const session = new JanusSession(this, id);
    // A session created while the connection was closing is gone already.
    if (this.#closed) session[GONE]();
    else this.#sessions.set(id, session);
    session.on('destroyed', () => this.#sessions.delete(id));
    return session;
  }

  /** Closes the socket; pending requests reject, sessions emit 'destroyed'. Safe twice. */
  close(): void {
    this.#shutdown();
  }

  /** Sends a Janus API request and resolves with its answer ("success", "ack" or "event"). */
  [REQUEST](body: Json, awaitsEvent = false): Promise<Json> {
    if (this.#closed) return Promise.reject(closedError());
    const transaction = `${this.#transactionPrefix}-${++this.#nextTransaction}`;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new JanusError(-2, `no answer to "${String(body.janus)}" within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.#pending.delete(transaction);
      };
      this.#pending.set(transaction, {
        awaitsEvent,
        resolve: (message) => (settle(), resolve(message)),
        reject: (error) => (settle(), reject(error)),
      });
      const request = this.#apiSecret === undefined ? { ...body, transaction } : { ...body, transaction, apisecret: this.#apiSecret };
      this.#ws.send(JSON.stringify(request));
    });
  }

  #onMessage(raw: WebSocket.RawData): void {
    let message: unknown;
    try {
      message = JSON.parse(raw.toString());
    } catch {
      return;
    }
    if (!isRecord(message) || typeof message.janus !== 'string') return;
    const pending = typeof message.transaction === 'string' ? this.#pending.get(message.transaction) : undefined;
    if (pending) {
      if (message.janus === 'error') {
        const error = isRecord(message.error) ? message.error : {};
        const code = typeof error.code === 'number' ? error.code : -3;
        return pending.reject(new JanusError(code, typeof error.reason === 'string' ? error.reason : 'Janus error'));
      }
      // "info" is answered with "server_info", everything else with "success" (or "ack").
      if (message.janus === 'success' || message.janus === 'server_info') return pending.resolve(message);
      if (message.janus === 'ack' && !pending.awaitsEvent) return pending.resolve(message);
      if (message.janus === 'ack') return; // The answer follows as an event.
      if (message.janus === 'event' && pending.awaitsEvent) return pending.resolve(message);
    }
    const session = typeof message.session_id === 'number' ? this.#sessions.get(message.session_id) : undefined;
    session?.[DISPATCH](message);
  }

  #shutdown(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of [...this.#pending.values()]) pending.reject(closedError());
    for (const session of [...this.#sessions.values()]) session[GONE]();
    this.#sessions.clear();
    for (const event of ['message', 'close']) this.#ws.removeAllListeners(event);
    if (error === undefined) this.#ws.close();
    this.emit('closed', ...(error === undefined ? [] : [error]));
    this.removeAllListeners();
  }
}

export class JanusSession extends TypedEmitter<{ destroyed: [] }> {
  readonly #connection: JanusConnection;
  readonly #handles = new Map<number, JanusHandle>();
  readonly #keepalive: NodeJS.Timeout;
  #destroyed = false;
  #destroying: Promise<void> | undefined;

  /** @internal Created by `JanusConnection.createSession()`. */
  constructor(connection: JanusConnection, readonly id: number) {
    super();
    this.#connection = connection;
    this.#keepalive = setInterval(() => {
      this[REQUEST]({ janus: 'keepalive' }).catch((error: unknown) => {
        // 458: Janus no longer knows the session (e.g. it timed out).
        if (error instanceof JanusError && error.code === 458) this[GONE]();
      });
    }, KEEPALIVE_MS);
    this.#keepalive.unref();
  }

  /** Attaches a handle to a plugin, e.g. `janus.plugin.videoroom`. */
  async attach(plugin: string): Promise<JanusHandle> {
    const answer = await this[REQUEST]({ janus: 'attach', plugin });
    const id = isRecord(answer.data) ? answer.data.id : undefined;
    if (typeof id !== 'number') throw new JanusError(-3, 'malformed "attach" answer');
    const handle = new JanusHandle(this, id);
    if (this.#destroyed) handle[GONE]();
    else this.#handles.set(id, handle);
    handle.on('detached', () => this.#handles.delete(id));
    return handle;
  }

  /** Destroys the session and its handles on Janus. Safe twice. */
  destroy(): Promise<void> {
    this.#destroying ??= this[REQUEST]({ janus: 'destroy' }).then(
      () => this[GONE](),
      (error: unknown) => {
        this[GONE]();
        // Gone already (closed connection, unknown session) is what we wanted.
        if (!(error instanceof JanusError && (error.code === -1 || error.code === 458))) throw error;
      },
    );
    return this.#destroying;
  }

  /** @internal */
  [REQUEST](body: Json, awaitsEvent = false): Promise<Json> {
    if (this.#destroyed) return Promise.reject(new JanusError(-1, 'session destroyed'));
    return this.#connection[REQUEST]({ ...body, session_id: this.id }, awaitsEvent);
  }

  /** @internal An unsolicited message for this session. */
  [DISPATCH](message: Json): void {
    if (message.janus === 'timeout') return this[GONE]();
    const handle = typeof message.sender === 'number' ? this.#handles.get(message.sender) : undefined;
    handle?.[DISPATCH](message);
  }

  /** @internal The session no longer exists on Janus: its handles are detached too. */
  [GONE](): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearInterval(this.#keepalive);
    for (const handle of [...this.#handles.values()]) handle[GONE]();
    this.#handles.clear();
    this.emit('destroyed');
    this.removeAllListeners();
  }
}

export class JanusHandle extends TypedEmitter<{
  /** Unsolicited plugin event (or an event whose transaction is unknown). */
  event: [data: Record<string, unknown>, jsep: Jsep | undefined];
  webrtcup: [];
  hangup: [reason: string];
  media: [info: { type: string; receiving: boolean; mid?: string }];
  slowlink: [info: Record<string, unknown>];
  detached: [];
}> {
  readonly #session: JanusSession;
  #detached = false;
  #detaching: Promise<void> | undefined;

  /** @internal Created by `JanusSession.attach()`. */
  constructor(session: JanusSession, readonly id: number) {
    super();
    this.#session = session;
  }

  /**
   * Sends a plugin message. Resolves with `plugindata.data` (+ jsep) of the synchronous
   * "success" answer or, after an "ack", of the "event" carrying the same transaction.
   * Rejects with JanusError on a Janus error or when `data.error_code` is set, and with
   * code -2 after the connection's `timeoutMs`.
   */
  async message(body: Record<string, unknown>, jsep?: Jsep): Promise<{ data: Record<string, unknown>; jsep?: Jsep }> {
    const request = jsep === undefined ? { janus: 'message', body } : { janus: 'message', body, jsep };
    const answer = await this[REQUEST](request, true);
    const data = pluginData(answer);
    if (typeof data.error_code === 'number') {
      throw new JanusError(data.error_code, typeof data.error === 'string' ? data.error : 'plugin error');
    }
    const answerJsep = parseJsep(answer.jsep);
    return answerJsep === undefined ? { data } : { data, jsep: answerJsep };
  }

  /**
   * Sends a trickled ICE candidate (`null` = gathering complete). Not needed when the
   * offer already carries all candidates.
   */
  async trickle(candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null): Promise<void> {
    await this[REQUEST]({ janus: 'trickle', candidate: candidate ?? { completed: true } });
  }

  /** Detaches from the plugin. Safe twice. */
  detach(): Promise<void> {
    this.#detaching ??= this[REQUEST]({ janus: 'detach' }).then(
      () => this[GONE](),
      (error: unknown) => {
        this[GONE]();
        // 458/459: session or handle unknown to Janus — detached already.
        if (!(error instanceof JanusError && [-1, 458, 459].includes(error.code))) throw error;
      },
    );
    return this.#detaching;
  }

  /** @internal */
  [REQUEST](body: Json, awaitsEvent = false): Promise<Json> {
    if (this.#detached) return Promise.reject(new JanusError(-1, 'handle detached'));
    return this.#session[REQUEST]({ ...body, handle_id: this.id }, awaitsEvent);
  }

  /** @internal An unsolicited message from this handle. */
  [DISPATCH](message: Json): void {
    switch (message.janus) {
      case 'event':
        return this.emit('event', pluginData(message), parseJsep(message.jsep));
      case 'webrtcup':
        return this.emit('webrtcup');
      case 'hangup':
        return this.emit('hangup', typeof message.reason === 'string' ? message.reason : '');
      case 'media': {
        if (typeof message.type !== 'string' || typeof message.receiving !== 'boolean') return;
        const info = { type: message.type, receiving: message.receiving };
        return this.emit('media', typeof message.mid === 'string' ? { ...info, mid: message.mid } : info);
      }
      case 'slowlink':
        return this.emit('slowlink', message);
      case 'detached':
        return this[GONE]();
    }
  }

  /** @internal */
  [GONE](): void {
    if (this.#detached) return;
    this.#detached = true;
    this.emit('detached');
    this.removeAllListeners();
  }
}
