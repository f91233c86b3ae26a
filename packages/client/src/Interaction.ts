import {
  TypedEmitter,
  type ClientMessage,
  type ErrorCode,
  type InteractionCommand as ProtocolCommand,
  type InteractionEvent,
  type PollDraft,
  type Reaction,
  type ReactionCounts,
  type ServerMessage,
} from '@amphi/protocol';
import { DelayedRelease } from './DelayedRelease.js';
import { InteractionModel, type QuestionOrder } from './InteractionModel.js';
import { RequestError } from './RequestError.js';

/** Server messages of the interaction layer, handed over by RoomClient. */
export type InteractionMessage = Extract<ServerMessage, { type: 'interaction.events' | 'interaction.snapshot' | 'interaction.reactions' }>;

type WithoutIds<M> = M extends unknown ? Omit<M, 'id' | 'clientId'> : never;
/** A logged interaction command, before its request id and client id are added. */
export type InteractionCommand = WithoutIds<ProtocolCommand>;

/** A command not yet acknowledged: it is sent again, with the same client id, until it is. */
export interface PendingCommand {
  readonly clientId: string;
  readonly command: InteractionCommand;
  /** Rate-limited: when it will be sent again (ms since epoch); else null. */
  readonly retryAt: number | null;
}

/**
 * The viewer's playback position on the live session's media clock (the unit of events'
 * `mediaTime`), or null while unknown (events that follow the video wait meanwhile).
 */
export type PlaybackClock = () => number | null;

export interface InteractionEvents extends Record<string, unknown[]> {
  /** Anything shown changed: the model, the chat state, or the commands waiting to be sent. */
  change: [];
  /** Logged events released to the UI, in the order they were applied to the model. */
  events: [events: readonly InteractionEvent[]];
  /** Reactions counted by the server over the last second (not logged). */
  reactions: [counts: ReactionCounts, total: number];
  /** The server refused the sync (the commands' own errors reject their promises). */
  error: [code: ErrorCode, message: string];
}

export interface InteractionOptions {
  /** How long (ms) a command waits for its acknowledgement before it is sent again with the same client id (default 10000). */
  ackTimeoutMs?: number;
  /** Wait (ms) before sending a rate-limited command again when the server gave no `retryAfterMs` (default 1000). */
  defaultRetryAfterMs?: number;
  /** How often (ms) the playback clock is read while events are held back (default 200). */
  releaseIntervalMs?: number;
  /** Makes client ids (default `crypto.randomUUID`). */
  newClientId?: () => string;
  /** Wall clock, ms since epoch (default Date.now). */
  now?: () => number;
}

/** What RoomClient lends the interaction layer. */
export interface InteractionTransport {
  /** Sends on the open socket; false when there is none. */
  send(message: ClientMessage): boolean;
  /** One's participant id, once welcomed. */
  participantId(): string | null;
}

interface Entry {
  clientId: string;
  command: InteractionCommand;
  retryAt: number | null;
  timer: ReturnType<typeof setTimeout> | null;
  resolve: () => void;
  reject: (error: RequestError) => void;
}

/**
 * The interaction layer of one room connection (chat, Q&A, polls, reactions), owned by
 * RoomClient (`client.interaction`).
 *
 * - **Sync.** After every welcome into the room it sends `interaction.sync` with the last seq
 *   it *received* (kept across reconnections); the server answers with what was missed or a
 *   snapshot. Events at or below that seq are ignored: no duplicates after a resume.
 * - **Commands** get a client id and stay in the outbox until acknowledged: re-sent with the
 *   same id after an acknowledgement timeout or a reconnection (the server stores it once),
 *   and after `retryAfterMs` when RATE_LIMITED. Other refusals reject the command's promise.
 *   A command given while disconnected waits for the connection.
 * - **Release at media time.** With a playback clock (`setPlaybackClock`), events stamped with
 *   a media time are shown only once the viewer's playback reaches it (a poll opens when the
 *   teacher's voice says so). Released at once, whatever the clock: one's own actions (one's
 *   chat messages and the events rendered for oneself), so what one does shows immediately,
 *   and chat moderation (deleted, muted, switched off), which changes what one may do now.
 *   Without a clock everything is shown on arrival. A snapshot is shown at once.
 */
export class Interaction extends TypedEmitter<InteractionEvents> {
  readonly #transport: InteractionTransport;
  readonly #options: Required<InteractionOptions>;
  readonly #model: InteractionModel;
  #release: DelayedRelease<InteractionEvent>;
  #clock: PlaybackClock | null = null;
  #releaseTimer: ReturnType<typeof setInterval> | null = null;
  #lastSeq = 0;
  #synced = false;
  #online = false;
  #closed = false;
  #nextId = 1;
  /** Commands not yet acknowledged, by client id, in the order they were given. */
  readonly #outbox = new Map<string, Entry>();
  #pendingList: readonly PendingCommand[] = [];
  /** Request ids of commands in flight → their client id. */
  readonly #requests = new Map<string, string>();
  /** Request ids whose answer nobody waits for (the sync, reactions). */
  readonly #unawaited = new Map<string, 'sync' | 'reaction'>();

  constructor(transport: InteractionTransport, options: InteractionOptions = {}) {
    super();
    this.#transport = transport;
    this.#options = {
      ackTimeoutMs: 10_000,
      defaultRetryAfterMs: 1_000,
      releaseIntervalMs: 200,
      newClientId: () => globalThis.crypto.randomUUID(),
      now: Date.now,
      ...options,
    };
    this.#model = new InteractionModel(() => transport.participantId());
    this.#release = this.#newRelease();
  }

  /** The picture of chat, polls and Q&A as released to the UI. */
  get model(): InteractionModel {
    return this.#model;
  }
  /** The last seq received from the server (what a resume starts from). */
  get lastSeq(): number {
    return this.#lastSeq;
  }
  /** The server's picture arrived (after the first sync). */
  get synced(): boolean {
    return this.#synced;
  }
  /** Commands not yet acknowledged, in order (e.g. chat messages shown as "sending"). */
  get pending(): readonly PendingCommand[] {
    return this.#pendingList;
  }
  /** Events received but held back until the playback reaches them. */
  get held(): number {
    return this.#release.held;
  }

  // ------------------------------------------------------------------ commands
  sendChat(text: string, to: 'room' | 'moderators' = 'room'): Promise<void> {
    return this.#command({ type: 'chat.send', text, to });
  }
  /** Moderators: delete the message with this seq. */
  deleteChat(seq: number): Promise<void> {
    return this.#command({ type: 'chat.delete', seq });
  }
  /** Moderators: mute or unmute one person's chat. */
  muteChat(participantId: string, muted: boolean): Promise<void> {
    return this.#command({ type: 'chat.mute', participantId, muted });
  }
  /** Moderators: switch the chat on or off. */
  switchChat(enabled: boolean): Promise<void> {
    return this.#command({ type: 'chat.switch', enabled });
  }
  createPoll(draft: PollDraft): Promise<void> {
    return this.#command({ type: 'poll.create', draft });
  }
  editPoll(pollId: string, draft: PollDraft): Promise<void> {
    return this.#command({ type: 'poll.edit', pollId, draft });
  }
  actOnPoll(pollId: string, action: 'open' | 'close' | 'reveal' | 'remove'): Promise<void> {
    return this.#command({ type: 'poll.act', pollId, action });
  }
  /** One's ballot (option indices), changeable until the poll closes. */
  vote(pollId: string, choices: number[]): Promise<void> {
    return this.#command({ type: 'poll.vote', pollId, choices });
  }
  ask(text: string, anonymous = false): Promise<void> {
    return this.#command({ type: 'question.ask', text, ...(anonymous ? { anonymous } : {}) });
  }
  editQuestion(questionId: string, text: string): Promise<void> {
    return this.#command({ type: 'question.edit', questionId, text });
  }
  actOnQuestion(questionId: string, action: Extract<InteractionCommand, { type: 'question.act' }>['action']): Promise<void> {
    return this.#command({ type: 'question.act', questionId, action });
  }
  /** Merges a duplicate into another question. */
  mergeQuestion(questionId: string, into: string): Promise<void> {
    return this.#command({ type: 'question.merge', questionId, into });
  }
  orderQuestions(order: QuestionOrder): Promise<void> {
    return this.#command({ type: 'question.order', order });
  }
  /** Sends a reaction; not logged nor retried (reactions are brief). False when offline. */
  react(reaction: Reaction): boolean {
    if (!this.#online) return false;
    const id = this.#newId();
    if (!this.#transport.send({ type: 'reaction.send', id, reaction })) return false;
    this.#unawaited.set(id, 'reaction');
    return true;
  }

  /**
   * Follow the viewer's playback (see PlaybackClock), or null to show events on arrival
   * (live playback, or no player): what was held is shown at once.
   */
  setPlaybackClock(clock: PlaybackClock | null): void {
    this.#clock = clock;
    if (clock === null) {
      this.#stopReleaseTimer();
      this.#show(this.#release.flush());
      return;
    }
    this.#tick();
  }

  // ------------------------------------------------------------------ called by RoomClient
  /** The connection was welcomed into the room: sync, then send what waits. */
  joined(): void {
    if (this.#closed) return;
    this.#online = true;
    const id = this.#newId();
    if (!this.#transport.send({ type: 'interaction.sync', id, ...(this.#synced ? { lastSeq: this.#lastSeq } : {}) })) return;
    this.#unawaited.set(id, 'sync');
    for (const entry of this.#outbox.values()) this.#transmit(entry);
  }

  /** The socket was lost: what waits is sent again after the next welcome. */
  disconnected(): void {
    this.#online = false;
    for (const entry of this.#outbox.values()) this.#clearTimer(entry);
    this.#requests.clear();
    this.#unawaited.clear();
  }

  /** An interaction message from the server. */
  receive(message: InteractionMessage): void {
    if (this.#closed) return;
    switch (message.type) {
      case 'interaction.snapshot':
        this.#lastSeq = message.lastSeq;
        this.#synced = true;
        // What was held is part of the snapshot.
        this.#stopReleaseTimer();
        this.#release = this.#newRelease();
        this.#model.reset(message);
        for (const entry of message.chat) this.#delivered(entry);
        this.emit('change');
        return;
      case 'interaction.events': {
        const fresh: InteractionEvent[] = [];
        for (const event of message.events) {
          if (event.seq <= this.#lastSeq) continue;
          fresh.push(event);
          this.#lastSeq = event.seq;
        }
        this.#lastSeq = Math.max(this.#lastSeq, message.lastSeq);
        this.#show(this.#release.push(fresh));
        this.#tick();
        return;
      }
      case 'interaction.reactions':
        this.emit('reactions', message.counts, message.total);
        return;
    }
  }

  /**
   * The server answered request `id` (error null: acknowledged). False when the id is not one
   * of ours (RoomClient then reports the error itself).
   */
  settle(id: string, error: { code: ErrorCode; message: string; retryAfterMs?: number | undefined } | null): boolean {
    const unawaited = this.#unawaited.get(id);
    if (unawaited !== undefined) {
      this.#unawaited.delete(id);
      // A refused reaction is dropped (rate limits degrade gracefully); a refused sync is reported.
      if (error && unawaited === 'sync') this.emit('error', error.code, error.message);
      return true;
    }
    const clientId = this.#requests.get(id);
    if (clientId === undefined) return false;
    this.#requests.delete(id);
    const entry = this.#outbox.get(clientId);
    // Already settled by an earlier copy of the same command.
    if (!entry) return true;
    if (!error) this.#finish(entry, null);
    else if (error.code === 'RATE_LIMITED') {
      this.#clearTimer(entry);
      const wait = error.retryAfterMs ?? this.#options.defaultRetryAfterMs;
      entry.retryAt = this.#options.now() + wait;
      entry.timer = setTimeout(() => this.#transmit(entry), wait);
      this.#listPending();
      this.emit('change');
    } else this.#finish(entry, new RequestError(error.code, error.message));
    return true;
  }

  /** The connection ended for good: commands still waiting fail with SESSION_ENDED. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#online = false;
    this.#stopReleaseTimer();
    const entries = [...this.#outbox.values()];
    for (const entry of entries) this.#finish(entry, new RequestError('SESSION_ENDED', 'The connection closed.'));
  }

  // ------------------------------------------------------------------ internals
  #newId(): string {
    return `i${this.#nextId++}`;
  }

  #newRelease(): DelayedRelease<InteractionEvent> {
    return new DelayedRelease<InteractionEvent>({ synced: (event) => this.#clock !== null && !this.#immediate(event) });
  }

  /** Events shown on arrival even when following the playback (see the class comment). */
  #immediate(event: InteractionEvent): boolean {
    switch (event.kind) {
      case 'chat.message':
        return event.from.id === this.#transport.participantId();
      case 'poll':
      case 'question':
        return event.personal;
      case 'chat.deleted':
      case 'chat.muted':
      case 'chat.switched':
        return true;
      case 'question.order':
        return false;
    }
  }

  #show(events: readonly InteractionEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) {
      this.#model.apply(event);
      if (event.kind === 'chat.message') this.#delivered(event);
    }
    this.emit('events', events);
    this.emit('change');
  }

  /** One's own message came back from the server: it was stored, whatever became of the ack. */
  #delivered(event: InteractionEvent): void {
    if (event.kind !== 'chat.message' || event.clientId === undefined || event.from.id !== this.#transport.participantId()) return;
    const entry = this.#outbox.get(event.clientId);
    if (entry) this.#finish(entry, null);
  }

  #tick(): void {
    const clock = this.#clock;
    if (clock !== null) {
      const position = clock();
      if (position !== null) this.#show(this.#release.advance(position));
    }
    if (this.#release.held > 0 && clock !== null) this.#releaseTimer ??= setInterval(() => this.#tick(), this.#options.releaseIntervalMs);
    else this.#stopReleaseTimer();
  }

  #stopReleaseTimer(): void {
    if (this.#releaseTimer) clearInterval(this.#releaseTimer);
    this.#releaseTimer = null;
  }

  #command(command: InteractionCommand): Promise<void> {
    if (this.#closed) return Promise.reject(new RequestError('SESSION_ENDED', 'The connection closed.'));
    return new Promise((resolve, reject) => {
      const entry: Entry = { clientId: this.#options.newClientId(), command, retryAt: null, timer: null, resolve, reject };
      this.#outbox.set(entry.clientId, entry);
      this.#listPending();
      this.emit('change');
      this.#transmit(entry);
    });
  }

  /** Sends (again) a command with its client id; waits for the next welcome when offline. */
  #transmit(entry: Entry): void {
    this.#clearTimer(entry);
    if (!this.#online || !this.#outbox.has(entry.clientId)) return;
    const id = this.#newId();
    if (!this.#transport.send({ ...entry.command, id, clientId: entry.clientId } as ClientMessage)) return;
    this.#requests.set(id, entry.clientId);
    entry.timer = setTimeout(() => this.#transmit(entry), this.#options.ackTimeoutMs);
    if (entry.retryAt !== null) {
      entry.retryAt = null;
      this.#listPending();
      this.emit('change');
    }
  }

  #clearTimer(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
  }

  #finish(entry: Entry, error: RequestError | null): void {
    this.#clearTimer(entry);
    this.#outbox.delete(entry.clientId);
    // Its other copies' request ids stay known until answered, so a late answer is not reported as a stray error.
    this.#listPending();
    this.emit('change');
    if (error) entry.reject(error);
    else entry.resolve();
  }

  #listPending(): void {
    this.#pendingList = [...this.#outbox.values()].map(({ clientId, command, retryAt }) => ({ clientId, command, retryAt }));
  }
}
