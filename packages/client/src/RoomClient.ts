import {
  ERRORS,
  type Action,
  type BroadcastLayout,
  ServerMessage,
  TypedEmitter,
  isErrorCode,
  type ClientMessage,
  type ErrorCode,
  type IceServer,
  type MediaSource,
  type LobbyEntry,
  type Participant,
  type ParticipantStatus,
  type Role,
  type RoomInfo,
  type SessionInfo,
} from '@amphi/protocol';
import { Interaction, type InteractionOptions } from './Interaction.js';
import { RequestError } from './RequestError.js';

// Handlers are declared bivariant so both the DOM WebSocket and `ws` fit (each has its own event types).
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses (browser WebSocket, or `ws` in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

/**
 * Where the client is: connecting, then waiting (no moderator yet) / lobby / joined;
 * `reconnecting` after a lost connection; `closed` for good (see `closedReason`).
 */
export type ClientState = 'connecting' | ParticipantStatus | 'reconnecting' | 'closed';

export type ClosedReason =
  | { kind: 'left' }
  | { kind: 'removed' | 'denied' | 'ended'; message?: string | undefined }
  | { kind: 'error'; code: ErrorCode; message: string };

export interface RoomClientEvents extends Record<string, unknown[]> {
  state: [state: ClientState];
  /** The participant list, the lobby or oneself changed. */
  presence: [];
  room: [room: RoomInfo];
  /** An error answered one of our messages (the socket stays open unless the state becomes closed). */
  error: [code: ErrorCode, message: string];
  /** The live session changed (e.g. locked). */
  session: [session: SessionInfo | null];
  /** A media message from the server (offers, answers, talking, resets), for the media session. */
  media: [message: MediaMessage];
  /** A moderator asks one to unmute. */
  askUnmute: [byName: string];
  /** The WebRTC program offer after `watchAudience()` (answer with `answerAudience`). */
  audienceOffer: [sdp: string];
}

/** Server messages about media, handled by MediaSession. */
export type MediaMessage = Extract<ServerMessage, { type: 'media.answer' | 'media.offer' | 'media.talking' | 'media.reset' }>;

export interface RoomClientOptions {
  /** WebSocket URL of the server, e.g. `wss://amphi.example.edu/ws`. */
  url: string;
  /** One-time ticket from POST /api/join. */
  ticket?: string;
  /**
   * Instead of a ticket: the resume token of an earlier connection (e.g. before a page
   * reload), to take back the same place within the grace period.
   */
  resumeToken?: string;
  /** Creates sockets (default: the global WebSocket). */
  createSocket?: WebSocketFactory;
  /** Interval (ms) between application pings (default 10000); silence for 2.5 intervals means a dead link. */
  pingIntervalMs?: number;
  /** Longest wait (ms) between reconnection attempts (default 4000). */
  maxRetryDelayMs?: number;
  /** How long (ms) `request()` waits for an answer (default 10000). */
  requestTimeoutMs?: number;
  /** Options of the interaction layer (chat, Q&A, polls); its acknowledgement timeout defaults to `requestTimeoutMs`. */
  interaction?: InteractionOptions;
}

/** A message that asks for an action (everything but the handshake), without its request id. */
export type ActionMessage = Exclude<ClientMessage, { type: 'hello' | 'resume' }> extends infer M ? (M extends unknown ? Omit<M, 'id'> : never) : never;

const FINAL_CLOSE_CODES = new Set([4001, 4002, 4003, 4004]);

export { RequestError };

/**
 * A framework-free client for one room: opens the socket, keeps a live copy of the
 * participant list and lobby, sends actions, and reconnects (resuming its place) after a
 * lost connection. Used by the web app, and in Node by tests and load bots.
 */
export class RoomClient extends TypedEmitter<RoomClientEvents> {
  #options: Required<Omit<RoomClientOptions, 'createSocket' | 'ticket' | 'resumeToken' | 'interaction'>> & { createSocket: WebSocketFactory; ticket?: string };
  #socket: WebSocketLike | null = null;
  #state: ClientState = 'connecting';
  #closedReason: ClosedReason | null = null;
  #participants = new Map<string, Participant>();
  #lobby = new Map<string, LobbyEntry>();
  #room: RoomInfo | null = null;
  #permissions = new Set<Action>();
  #session: SessionInfo | null = null;
  #participantId: string | null = null;
  #resumeToken: string | null = null;
  #iceServers: IceServer[] = [];
  #resumeWithinMs = 0;
  #resumeDeadline = 0;
  #nextId = 1;
  #pending = new Map<string, { resolve: () => void; reject: (e: RequestError) => void; timer: ReturnType<typeof setTimeout> }>();
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #lastMessageAt = 0;
  #attempt = 0;
  #welcomed: { resolve: () => void; reject: (e: RequestError) => void } | null = null;
  /** Chat, Q&A, polls and reactions of this connection (synced after every welcome into the room). */
  readonly interaction: Interaction;

  constructor(options: RoomClientOptions) {
    super();
    if ((options.ticket === undefined) === (options.resumeToken === undefined)) throw new Error('Give a ticket or a resume token');
    this.#resumeToken = options.resumeToken ?? null;
    const globalWs = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
    this.#options = {
      pingIntervalMs: 10_000,
      maxRetryDelayMs: 4_000,
      requestTimeoutMs: 10_000,
      ...options,
      createSocket:
        options.createSocket ??
        ((url) => {
          if (!globalWs) throw new Error('No WebSocket implementation: pass createSocket');
          return new globalWs(url);
        }),
    };
    this.interaction = new Interaction(
      { send: (message) => this.#send(message), participantId: () => this.#participantId },
      { ackTimeoutMs: this.#options.requestTimeoutMs, ...options.interaction },
    );
  }

  get state(): ClientState {
    return this.#state;
  }
  get closedReason(): ClosedReason | null {
    return this.#closedReason;
  }
  /** Token to take back this place from a new connection (changes at every welcome). */
  get resumeToken(): string | null {
    return this.#resumeToken;
  }
  get participantId(): string | null {
    return this.#participantId;
  }
  get room(): RoomInfo | null {
    return this.#room;
  }
  get session(): SessionInfo | null {
    return this.#session;
  }
  /** STUN/TURN servers for peer connections, as of the last welcome. */
  get iceServers(): IceServer[] {
    return this.#iceServers;
  }
  /** Oneself as the server sees one (role, hand, mic/cam). */
  get you(): Participant | undefined {
    return this.#participantId === null ? undefined : this.#participants.get(this.#participantId);
  }
  /** People in the room, in order of arrival. */
  get participants(): Participant[] {
    return [...this.#participants.values()];
  }
  /** Whether one's role allows this action now (to show controls; the server still decides). */
  can(action: Action): boolean {
    return this.#permissions.has(action);
  }
  /** People waiting in the lobby (only sent to those who may admit them). */
  get lobby(): LobbyEntry[] {
    return [...this.#lobby.values()];
  }

  /** Opens the connection; resolves once the server has welcomed us (in any status). */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#welcomed = { resolve, reject };
      const ticket = this.#options.ticket;
      this.#open(ticket !== undefined ? { type: 'hello', ticket } : { type: 'resume', resumeToken: this.#resumeToken! });
    });
  }

  raiseHand(): Promise<void> {
    return this.request({ type: 'hand.raise' });
  }
  lowerHand(participantId?: string): Promise<void> {
    return this.request({ type: 'hand.lower', ...(participantId ? { participantId } : {}) });
  }
  setMedia(change: { mic?: boolean; cam?: boolean; screen?: boolean }): Promise<void> {
    return this.request({ type: 'media.state', ...change });
  }
  /** Moderators: turn off someone's microphone (locked until asked to unmute), camera or screen. */
  mute(participantId: string, source: Exclude<MediaSource, 'screenAudio'>): Promise<void> {
    return this.request({ type: 'media.mute', participantId, source });
  }
  muteAll(): Promise<void> {
    return this.request({ type: 'media.muteAll' });
  }
  askToUnmute(participantId: string): Promise<void> {
    return this.request({ type: 'media.askUnmute', participantId });
  }
  lock(locked: boolean): Promise<void> {
    return this.request({ type: 'session.lock', locked });
  }
  admit(participantId: string): Promise<void> {
    return this.request({ type: 'lobby.admit', participantId });
  }
  deny(participantId: string, reason?: string): Promise<void> {
    return this.request({ type: 'lobby.deny', participantId, ...(reason ? { reason } : {}) });
  }
  setRole(participantId: string, role: Role): Promise<void> {
    return this.request({ type: 'participant.setRole', participantId, role });
  }
  remove(participantId: string, reason?: string): Promise<void> {
    return this.request({ type: 'participant.remove', participantId, ...(reason ? { reason } : {}) });
  }
  endSession(): Promise<void> {
    return this.request({ type: 'session.end' });
  }
  /** Moderators of a lecture: start or stop the broadcast to the audience, choose the program's layout. */
  startBroadcast(): Promise<void> {
    return this.request({ type: 'broadcast.start' });
  }
  stopBroadcast(): Promise<void> {
    return this.request({ type: 'broadcast.stop' });
  }
  setBroadcastLayout(layout: BroadcastLayout): Promise<void> {
    return this.request({ type: 'broadcast.layout', layout });
  }
  /**
   * Viewers: ask for the WebRTC program. The offer arrives as an `audience` event; rejects with
   * AUDIENCE_FULL when the low-latency tier has no room left (play HLS instead).
   */
  watchAudience(): Promise<void> {
    return this.request({ type: 'audience.watch' });
  }
  answerAudience(sdp: string): Promise<void> {
    return this.request({ type: 'audience.answer', sdp });
  }
  leaveAudience(): Promise<void> {
    return this.request({ type: 'audience.leave' });
  }

  /** Leaves the room for good and closes the connection. */
  leave(): void {
    if (this.#state === 'closed') return;
    this.#send({ type: 'leave' });
    this.#finish({ kind: 'left' });
  }

  /** Sends an action and resolves when the server acknowledges it (rejects with its error code). */
  request(message: ActionMessage): Promise<void> {
    const id = String(this.#nextId++);
    return new Promise((resolve, reject) => {
      if (!this.#send({ ...message, id } as ClientMessage)) {
        reject(new RequestError('INVALID_STATE', 'Not connected.'));
        return;
      }
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestError('INTERNAL', 'No answer from the server.'));
      }, this.#options.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
  }

  #send(message: ClientMessage): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #open(first: ClientMessage): void {
    const socket = this.#options.createSocket(this.#options.url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#lastMessageAt = Date.now();
      socket.send(JSON.stringify(first));
      this.#startPing();
    };
    socket.onmessage = (event) => {
      if (socket !== this.#socket) return;
      this.#lastMessageAt = Date.now();
      if (typeof event.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      const parsed = ServerMessage.safeParse(json);
      if (parsed.success) this.#onMessage(parsed.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#onClose(event.code);
    };
    socket.onerror = () => {
      // A close event follows; reconnection is decided there.
    };
  }

  #startPing(): void {
    this.#stopPing();
    this.#pingTimer = setInterval(() => {
      if (Date.now() - this.#lastMessageAt > this.#options.pingIntervalMs * 2.5) {
        // No answer for a while: the link is dead even if the browser has not noticed.
        const socket = this.#socket;
        this.#socket = null;
        socket?.close();
        this.#onClose(1006);
        return;
      }
      this.#send({ type: 'ping', t: Date.now() });
    }, this.#options.pingIntervalMs);
  }

  #stopPing(): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#participantId = message.participantId;
        this.#resumeToken = message.resumeToken;
        this.#resumeWithinMs = message.resumeWithinMs;
        this.#room = message.room;
        this.#session = message.session;
        this.#iceServers = message.iceServers;
        this.#attempt = 0;
        this.#participants.set(message.you.id, message.you);
        this.#permissions = new Set(message.permissions);
        this.#setState(message.status);
        this.emit('presence');
        this.#welcomed?.resolve();
        this.#welcomed = null;
        if (message.status === 'joined') this.interaction.joined();
        return;
      case 'status': {
        const was = this.#state;
        this.#session = message.session;
        this.#setState(message.status);
        this.emit('session', message.session);
        // Let in from the lobby (or the session started): the interaction layer syncs now.
        if (message.status === 'joined' && was !== 'joined') this.interaction.joined();
        return;
      }
      case 'session.updated':
        this.#session = message.session;
        this.emit('session', message.session);
        return;
      case 'media.answer':
      case 'media.offer':
      case 'media.talking':
      case 'media.reset':
        this.emit('media', message);
        return;
      case 'media.askUnmute':
        this.emit('askUnmute', message.by);
        return;
      case 'audience.offer':
        this.emit('audienceOffer', message.sdp);
        return;
      case 'presence':
        this.#participants = new Map(message.participants.map((p) => [p.id, p]));
        this.#lobby = new Map(message.lobby.map((e) => [e.id, e]));
        this.#permissions = new Set(message.permissions);
        this.emit('presence');
        return;
      case 'participant.joined':
      case 'participant.updated':
        this.#participants.set(message.participant.id, message.participant);
        this.emit('presence');
        return;
      case 'participant.left':
        this.#participants.delete(message.participantId);
        this.emit('presence');
        return;
      case 'lobby.entered':
        this.#lobby.set(message.entry.id, message.entry);
        this.emit('presence');
        return;
      case 'lobby.left':
        this.#lobby.delete(message.participantId);
        this.emit('presence');
        return;
      case 'room.updated':
        this.#room = message.room;
        this.emit('room', message.room);
        return;
      case 'removed':
        this.#finish({ kind: message.reason, message: message.message });
        return;
      case 'pong':
        return;
      case 'interaction.events':
      case 'interaction.snapshot':
      case 'interaction.reactions':
        this.interaction.receive(message);
        return;
      case 'ack':
        if (!this.#settle(message.id, null)) this.interaction.settle(message.id, null);
        return;
      case 'error': {
        const code: ErrorCode = isErrorCode(message.code) ? message.code : 'INTERNAL';
        const { id, retryAfterMs } = message;
        if (id !== undefined && this.#pending.has(id)) this.#settle(id, new RequestError(code, message.message, retryAfterMs));
        else if (id === undefined || !this.interaction.settle(id, { code, message: message.message, retryAfterMs })) this.emit('error', code, message.message);
        if (ERRORS[code].closesSocket) this.#finish({ kind: 'error', code, message: message.message });
        return;
      }
    }
  }

  /** Settles one of `request()`'s requests; false when the id is not one of them. */
  #settle(id: string, error: RequestError | null): boolean {
    const pending = this.#pending.get(id);
    if (!pending) return false;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
    return true;
  }

  #onClose(code: number): void {
    this.#stopPing();
    this.#socket = null;
    this.interaction.disconnected();
    if (this.#state === 'closed') return;
    if (FINAL_CLOSE_CODES.has(code) || !this.#resumeToken) {
      this.#finish(this.#closedReason ?? { kind: 'error', code: 'SESSION_ENDED', message: ERRORS.SESSION_ENDED.message });
      return;
    }
    if (this.#state !== 'reconnecting') {
      this.#resumeDeadline = Date.now() + this.#resumeWithinMs;
      // Mark oneself before telling listeners, with a new object (never mutate what getters handed out).
      const self = this.#participantId === null ? undefined : this.#participants.get(this.#participantId);
      if (self) this.#participants.set(self.id, { ...self, connected: false });
      this.#setState('reconnecting');
    }
    if (Date.now() > this.#resumeDeadline) {
      this.#finish({ kind: 'error', code: 'RESUME_EXPIRED', message: ERRORS.RESUME_EXPIRED.message });
      return;
    }
    const delay = Math.min(this.#options.maxRetryDelayMs, 250 * 2 ** this.#attempt++);
    this.#retryTimer = setTimeout(() => this.#open({ type: 'resume', resumeToken: this.#resumeToken! }), delay);
  }

  #finish(reason: ClosedReason): void {
    if (this.#state === 'closed') return;
    this.#closedReason = reason;
    this.#stopPing();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000);
    for (const [id] of this.#pending) this.#settle(id, new RequestError('SESSION_ENDED', 'The connection closed.'));
    this.#welcomed?.reject(new RequestError(reason.kind === 'error' ? reason.code : 'SESSION_ENDED', 'Could not join.'));
    this.#welcomed = null;
    this.interaction.close();
    this.#setState('closed');
  }
}
