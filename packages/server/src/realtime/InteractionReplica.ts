import { randomUUID } from 'node:crypto';
import { AmphiError, ClientMessage } from '@amphi/protocol';
import { RateLimitedError, isInteractionCommand, type InteractionActor, type InteractionCommand, type InteractionEvent } from '../interaction/index.js';
import type { Bus, Subscription } from './bus/index.js';
import { InteractionSession, type InteractionSessionOptions } from './InteractionSession.js';
import { DirectMessage, SessionMessage, directChannel, parse, type Outgoing, type Reply, type ReplyBody } from './interactionReplicaWire.js';

/** How long (ms) a session's lead lasts unless renewed (every third of it): a killed leader is replaced within about this long. */
export const LEADER_LEASE_MS = 5000;
/** How long (ms) a follower waits for the leader's answer to a forwarded command. */
export const FORWARD_TIMEOUT_MS = 3000;
/** What a client is told to wait (ms) before retrying a command the leader could not take. */
const RETRY_AFTER_MS = 1000;

export interface InteractionReplicaOptions {
  roomId: string;
  bus: Bus;
  /** This instance's id on the bus. */
  instanceId: string;
  /** Writes the live session's row unless it exists (idempotent): the leader's events refer to it. */
  ensureStarted: () => Promise<void>;
  /** The session's options; its multi-instance seams are this replica's. */
  session: Omit<InteractionSessionOptions, 'follower' | 'forward' | 'published' | 'tallied' | 'beforeSync' | 'writeFailed'>;
  /** Keeps a bus write among those the hub's `flush()` waits for (the lease given up on close). */
  track?: (write: Promise<void>) => void;
  /** Lease of the lead in ms (default LEADER_LEASE_MS). */
  leaseMs?: number;
  /** Wait for the leader's answer in ms (default FORWARD_TIMEOUT_MS). */
  forwardTimeoutMs?: number;
}


/**
 * One live session's interaction log as replicated across the instances sharing the room
 * (over the bus; a single instance is the same with nobody else on it).
 *
 * One leader per session: the replica holding the lease `room:<rid>:leader:<sid>` (renewed
 * every third of LEADER_LEASE_MS). The leader numbers and stores events (persist before
 * deliver), publishes each stored batch on the session's channel (one message per batch),
 * runs the poll timers and, with every renewal, says how far its log goes (`head`).
 *
 * Followers mirror the batches (`receive`). The bus delivers at most once: a batch that
 * starts after the mirror's last seq, or a `head` beyond it, is filled from the store first
 * (the leader stored it before publishing it). A follower's commands go to the leader over
 * the bus (to the channel of the replica the lease names) and resolve with its answer, once
 * the event is in the mirror; when the leader does not answer in time the client is told to
 * retry (RATE_LIMITED with `retryAfterMs`), and its retry, with the same client id, is stored
 * once by the leader's log.
 *
 * Start: subscribe (batches published meanwhile wait in the queue), read the stored log, then
 * claim the lead. Failover: when the leader's lease lapses (it was killed), a follower claims
 * it at its next renewal, writes the session's row if need be, catches up from the store to
 * the last stored seq, then leads: numbering continues with no gap and no duplicate. A leader
 * that loses its lease hands the numbering back; the database's key on (session, seq) refuses
 * a stale leader's write, after which it catches up from the store.
 *
 * Reactions: each replica publishes the tally of its own sockets every second and merges the
 * others' into what its sockets get next.
 *
 * Lifecycle: closes with its session (`session.close()`): gives up the lease, tells the
 * others (`resign`), stops listening; forwarded commands still waiting are refused.
 */
export class InteractionReplica {
  readonly session: InteractionSession;
  readonly #options: InteractionReplicaOptions;
  /** This replica's id on the bus: the lease's value and the name of its channel. */
  readonly #holder: string;
  readonly #leaseKey: string;
  readonly #channel: string;
  readonly #leaseMs: number;
  readonly #forwardTimeoutMs: number;
  /** Settles once the stored log was read and who leads is known (never rejects). */
  readonly #started: Promise<void>;
  #ready = false;
  /** Receives, catch-ups and changes of lead, one after the other. */
  #queue: Promise<void> = Promise.resolve();
  /** A catch-up queued and not started yet (those asked meanwhile share it). */
  #queuedCatchUp: Promise<void> | null = null;
  /** Whether this replica holds the lease (its session leads once caught up). */
  #holding = false;
  /** When the lease was last claimed (ms since epoch). */
  #claimedAt = 0;
  /** The replica the lease names (null: unknown). */
  #leader: string | null = null;
  #renewal: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  readonly #subscriptions: Promise<Subscription>[] = [];
  readonly #waiting = new Map<string, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  #closed = false;

  constructor(options: InteractionReplicaOptions) {
    this.#options = options;
    const { roomId, instanceId } = options;
    const sessionId = options.session.sessionId;
    this.#holder = `${instanceId}/${randomUUID()}`;
    this.#leaseKey = `room:${roomId}:leader:${sessionId}`;
    this.#channel = `room:${roomId}:interaction:${sessionId}`;
    this.#leaseMs = options.leaseMs ?? LEADER_LEASE_MS;
    this.#forwardTimeoutMs = options.forwardTimeoutMs ?? FORWARD_TIMEOUT_MS;
    this.session = new InteractionSession({
      ...options.session,
      follower: true,
      forward: (actor, command) => this.#forward(actor, command),
      published: (events) => this.#publish({ type: 'batch', events }),
      tallied: (tally) => this.#publish({ type: 'tally', ...tally }),
      beforeSync: (lastSeq) => this.#beforeSync(lastSeq),
      writeFailed: () => void this.#enqueue(() => this.#recheck()),
    });
    this.session.on('closed', () => {
      const closing = this.#close();
      options.track?.(closing);
    });
    this.#started = this.#start();
  }

  /** Whether this replica leads the session now. */
  get leading(): boolean {
    return this.session.leader && !this.session.closed;
  }

  /** Settles once the replica read the stored log and knows who leads (for tests). */
  get started(): Promise<void> {
    return this.#started;
  }

  async #start(): Promise<void> {
    const { bus } = this.#options;
    try {
      // Listen first: batches published while the store is read wait in the queue behind the read.
      this.#subscriptions.push(bus.subscribe(this.#channel, (message) => this.#onSessionMessage(message)));
      this.#subscriptions.push(bus.subscribe(directChannel(this.#channel, this.#holder), (message) => this.#onDirect(message)));
      await Promise.all(this.#subscriptions);
      await this.#enqueue(() => this.#catchUp());
      await this.#renew();
      await this.#queue;
    } catch (err) {
      this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not share the interaction log');
    }
    this.#ready = true;
    if (this.#closed) return;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(this.#leaseMs / 3)));
    this.#timer.unref();
  }

  // ---------------------------------------------------------------- the lead

  /** Claims (or renews) the lease; one claim at a time. */
  #renew(): Promise<void> {
    this.#renewal ??= this.#claim().finally(() => (this.#renewal = null));
    return this.#renewal;
  }

  async #claim(): Promise<void> {
    if (this.#closed) return;
    const { bus } = this.#options;
    let holding: boolean;
    try {
      const started = Date.now();
      holding = await bus.claim(this.#leaseKey, this.#holder, this.#leaseMs);
      if (holding) this.#claimedAt = started;
    } catch (err) {
      this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not renew the lead of the interaction log');
      // Cut off from the bus longer than the lease lasts: another instance may lead by now.
      holding = this.#holding && Date.now() - this.#claimedAt < this.#leaseMs;
    }
    if (this.#closed) {
      // Closed while claiming: give back what was just taken.
      if (holding) await bus.release(this.#leaseKey, this.#holder).catch(() => undefined);
      return;
    }
    this.#holding = holding;
    if (holding) {
      this.#leader = this.#holder;
      if (!this.session.leader) void this.#enqueue(() => this.#takeOver());
      // Followers learn how far the log goes, even when a batch's message was lost.
      else this.#publish({ type: 'head', seq: this.session.lastSeq });
      return;
    }
    if (this.session.leader) void this.#enqueue(() => this.#stepDown());
    this.#leader = await bus.get(this.#leaseKey).catch(() => null);
  }

  /** This replica holds the lease: write the session's row if need be, catch up from the store, lead. */
  async #takeOver(): Promise<void> {
    if (!this.#holding || this.#closed || this.session.leader) return;
    await this.#options.ensureStarted();
    await this.#catchUp();
    if (!this.#holding || this.#closed) return;
    this.session.lead();
  }

  #stepDown(): void {
    if (this.#holding || this.#closed || !this.session.leader) return;
    this.#log().warn({ sessionId: this.session.sessionId }, 'another instance took the lead of the interaction log');
    this.session.follow();
  }

  /**
   * A batch could not be stored. When the store has events this log does not, another
   * instance numbered them: catch up (and lead again if the lease is still ours).
   */
  async #recheck(): Promise<void> {
    const store = this.#options.session.store;
    if (!store || this.#closed || !this.session.leader) return;
    if ((await store.lastSeq(this.session.sessionId)) <= this.session.lastSeq) return;
    this.session.follow();
    await this.#catchUp();
    if (this.#holding && !this.#closed) this.session.lead();
  }

  // ---------------------------------------------------------------- the mirror

  /** Runs a task after those queued before it (a failed task is logged, the queue goes on). */
  #enqueue(task: () => void | Promise<void>): Promise<void> {
    const next = this.#queue.then(task).catch((err: unknown) => {
      if (!this.#closed) this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not bring the interaction log up to date');
    });
    this.#queue = next;
    return next;
  }

  /** Queues a catch-up from the store, unless one is queued already. */
  #catchUpSoon(): Promise<void> {
    this.#queuedCatchUp ??= this.#enqueue(() => {
      this.#queuedCatchUp = null;
      return this.#catchUp();
    });
    return this.#queuedCatchUp;
  }

  /** Reads what the store has beyond this mirror's last seq. */
  async #catchUp(): Promise<void> {
    const store = this.#options.session.store;
    if (!store || this.session.closed || this.session.leader) return;
    const events = await store.load(this.session.sessionId, this.session.lastSeq);
    if (events.length === 0 || this.session.closed || this.session.leader) return;
    const result = this.session.receive(events);
    if (!result.ok) this.#log().warn({ sessionId: this.session.sessionId, gap: result.gap }, 'the stored interaction log has a gap');
  }

  async #mirror(events: readonly InteractionEvent[]): Promise<void> {
    if (this.session.closed || this.session.leader) return;
    if (this.session.receive(events).ok) return;
    // A batch's message was lost on the way (the bus delivers at most once): the store has it.
    await this.#catchUp();
    if (!this.session.closed && !this.session.leader) this.session.receive(events);
  }

  #beforeSync(lastSeq: number | undefined): Promise<void> | undefined {
    if (!this.#ready) return this.#started;
    if (this.session.leader || lastSeq === undefined || lastSeq <= this.session.lastSeq) return undefined;
    // The socket saw seqs (on another instance) that have not reached this one yet: read them first.
    return this.#catchUpSoon();
  }

  #onSessionMessage(raw: string): void {
    // Our own messages come back too: skipped before parsing (`sender` is written first).
    if (raw.startsWith(`{"sender":${JSON.stringify(this.#holder)}`)) return;
    const message = parse(SessionMessage, raw);
    if (!message) return this.#log().warn({ sessionId: this.session.sessionId }, 'ignored an interaction message in an unknown shape');
    switch (message.type) {
      case 'batch':
        this.#leader = message.sender;
        void this.#enqueue(() => this.#mirror(message.events));
        return;
      case 'head':
        this.#leader = message.sender;
        if (message.seq > this.session.lastSeq) void this.#catchUpSoon();
        return;
      case 'tally':
        this.session.addTally({ from: message.from, to: message.to, counts: message.counts, total: message.total });
        return;
      case 'resign':
        if (this.#leader === message.sender) this.#leader = null;
        void this.#renew();
        return;
    }
  }

  // ---------------------------------------------------------------- commands

  async #forward(actor: InteractionActor, command: InteractionCommand): Promise<void> {
    await this.#started;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.session.closed) throw new AmphiError('SESSION_ENDED');
      if (this.session.leader) return this.session.submit(actor, command);
      const leader = this.#leader;
      if (leader === null || leader === this.#holder) {
        // Nobody known to lead (the leader let go), or this replica is taking over: settle it.
        await this.#renew();
        await this.#queue;
        continue;
      }
      const reply = await this.#request(leader, actor, command);
      if (reply.status === 'notLeader') {
        if (this.#leader === leader) this.#leader = null;
        continue;
      }
      if (reply.status === 'refused') throw reply.code === 'RATE_LIMITED' ? new RateLimitedError(reply.retryAfterMs ?? RETRY_AFTER_MS) : new AmphiError(reply.code, reply.message);
      if (reply.seq !== null) await this.#caughtUpTo(reply.seq);
      return;
    }
    throw new RateLimitedError(RETRY_AFTER_MS);
  }

  /** Sends a command to the leader; resolves with its answer, or RATE_LIMITED when none comes in time. */
  #request(leader: string, actor: InteractionActor, command: InteractionCommand): Promise<Reply> {
    const id = randomUUID();
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        // Gone, perhaps: read the lease again next time.
        if (this.#leader === leader) this.#leader = null;
        reject(new RateLimitedError(RETRY_AFTER_MS));
      }, this.#forwardTimeoutMs);
      timer.unref();
      const settle = (then: () => void) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        then();
      };
      this.#waiting.set(id, { resolve: (reply) => settle(() => resolve(reply)), reject: (error) => settle(() => reject(error)) });
      const message = { sender: this.#holder, type: 'command', id, actor: { participantId: actor.participantId, key: actor.key, name: actor.name, role: actor.role }, command };
      this.#options.bus.publish(directChannel(this.#channel, leader), JSON.stringify(message)).catch((err: unknown) => {
        this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not forward a command to the leader');
        this.#waiting.get(id)?.reject(new RateLimitedError(RETRY_AFTER_MS));
      });
    });
  }

  /** The leader stored seq: resolves once the mirror has it (its batch came before the answer). */
  async #caughtUpTo(seq: number): Promise<void> {
    await this.#queue;
    if (this.session.lastSeq < seq && !this.session.leader && !this.session.closed) await this.#catchUpSoon();
  }

  #onDirect(raw: string): void {
    const message = parse(DirectMessage, raw);
    if (!message) return this.#log().warn({ sessionId: this.session.sessionId }, 'ignored an interaction command in an unknown shape');
    if (message.type === 'reply') this.#waiting.get(message.id)?.resolve(message);
    else void this.#answer(message.id, message.sender, message.actor, message.command);
  }

  /** Leader: records a forwarded command and answers its sender. */
  async #answer(id: string, sender: string, actor: InteractionActor, raw: unknown): Promise<void> {
    let reply: ReplyBody;
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success || !isInteractionCommand(parsed.data)) reply = { status: 'refused', code: 'INVALID_MESSAGE', message: 'The message does not match the protocol.' };
    else if (!this.leading) reply = { status: 'notLeader' };
    else {
      try {
        reply = { status: 'recorded', seq: await this.session.record(actor, parsed.data) };
      } catch (error) {
        if (!this.leading) reply = { status: 'notLeader' };
        else if (error instanceof AmphiError) reply = { status: 'refused', code: error.code, message: error.message, ...(error instanceof RateLimitedError ? { retryAfterMs: error.retryAfterMs } : {}) };
        else {
          this.#log().error({ err: error, sessionId: this.session.sessionId }, 'could not record a forwarded command');
          reply = { status: 'refused', code: 'INTERNAL', message: 'Something went wrong on the server.' };
        }
      }
    }
    if (this.#closed && reply.status !== 'refused') reply = { status: 'notLeader' };
    const message = { sender: this.#holder, type: 'reply', id, ...reply };
    await this.#options.bus.publish(directChannel(this.#channel, sender), JSON.stringify(message)).catch((err: unknown) => this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not answer a forwarded command'));
  }

  // ---------------------------------------------------------------- bus

  /** Publishes on the session's channel, `sender` first (see #onSessionMessage). */
  #publish(message: Outgoing): void {
    if (this.#closed) return;
    this.#options.bus.publish(this.#channel, JSON.stringify({ sender: this.#holder, ...message })).catch((err: unknown) => this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not publish to the other instances'));
  }

  #log(): InteractionSessionOptions['log'] {
    return this.#options.session.log;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    const { bus } = this.#options;
    // Give up the lead at once: whoever claims it next catches up from the store.
    const holding = this.#holding;
    this.#closed = true;
    this.#holding = false;
    clearInterval(this.#timer);
    for (const waiting of [...this.#waiting.values()]) waiting.reject(new AmphiError('SESSION_ENDED'));
    try {
      if (holding && !bus.isClosed && (await bus.release(this.#leaseKey, this.#holder))) {
        await bus.publish(this.#channel, JSON.stringify({ sender: this.#holder, type: 'resign' }));
      }
    } catch (err) {
      this.#log().warn({ err, sessionId: this.session.sessionId }, 'could not give up the lead of the interaction log');
    }
    await Promise.all(this.#subscriptions.map((s) => s.then((subscription) => subscription.unsubscribe()).catch(() => undefined)));
  }
}
