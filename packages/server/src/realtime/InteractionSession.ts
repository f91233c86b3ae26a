import { randomUUID } from 'node:crypto';
import { AmphiError, TypedEmitter, type ClientMessage, type Participant, type QaAnonymity, type Role, type ServerMessage } from '@amphi/protocol';
import {
  CHAT_EVENTS,
  EventLog,
  InteractionState,
  RateLimitedError,
  Reactions,
  isInteractionCommand,
  mergeTallies,
  redactionResidue,
  type InteractionActor,
  type InteractionCommand,
  type InteractionEvent,
  type ReactionTally,
  type ReceiveResult,
  type RenderedEvent,
  type SinceResult,
  type Viewer,
} from '../interaction/index.js';
import type { InteractionStore } from '../storage/index.js';
import { InteractionFanOut } from './InteractionFanOut.js';
import type { Peer } from './Peer.js';

interface Logger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The client messages an InteractionSession handles. */
export type InteractionMessage = InteractionCommand | Extract<ClientMessage, { type: 'interaction.sync' | 'reaction.send' }>;

export function isInteractionMessage(message: ClientMessage): message is InteractionMessage {
  return message.type === 'interaction.sync' || message.type === 'reaction.send' || isInteractionCommand(message);
}

/** What a session needs of the database (InteractionStore). */
export type InteractionLogStore = Pick<InteractionStore, 'append' | 'load' | 'lastSeq' | 'savePoll' | 'deletePoll'>;

/** Actor id of the events the server records itself (a poll closed by its timer). */
export const SERVER_ACTOR = 'server';

export interface InteractionSessionOptions {
  /** The live session's id: the log's key in the database. */
  sessionId: string;
  /** The room's Q&A anonymity setting (follow changes with `setAnonymity`). */
  anonymity: QaAnonymity;
  /** Where events and polls are stored; null: in memory only (tests). */
  store: InteractionLogStore | null;
  /** Resolves once the live session's row is written (events refer to it). */
  ready?: Promise<void>;
  /** Runs a database write after the session's earlier ones (RoomHub's chain, flushed on shutdown). */
  persist?: (write: () => Promise<void>) => void;
  /** A participant of the live session connected here (a mute's target is checked when known; see InteractionState). */
  participant: (participantId: string) => { participantId: string; role: Role } | undefined;
  log: Logger;
  /** Milliseconds since epoch (default Date.now). */
  now?: () => number;
  newId?: () => string;
  /** How often reactions are tallied and sent, in ms (default 1000). */
  reactionIntervalMs?: number;
  // ---- multi-instance seams (unused by a single instance)
  /** Start as a follower: another instance numbers and stores this session's events (default: leader). */
  follower?: boolean;
  /** On a follower: hands a command to the leader. */
  forward?: (actor: InteractionActor, command: InteractionCommand) => Promise<void>;
  /** On the leader: told of each batch once stored and delivered here (to publish it to the others). */
  published?: (batch: readonly InteractionEvent[]) => void;
  /** Told of the reactions counted here each second (to publish them to the others; see `addTally`). */
  tallied?: (tally: ReactionTally) => void;
  /**
   * Asked before a socket is synced: a promise when this instance's copy of the log must
   * catch up first (it is being loaded, or the socket has seen seqs it has not received yet).
   */
  beforeSync?: (lastSeq: number | undefined) => Promise<void> | undefined;
  /** On the leader: a batch could not be stored (another instance may have numbered these seqs). */
  writeFailed?: (error: unknown) => void;
}

// A type, not an interface: its keys are exactly these (an interface would need an index signature).
export type InteractionSessionEvents = {
  /** Once, when the session closes. */
  closed: [];
};

/** A decision that records nothing (the same ballot again): the command succeeds without an event. */
class Unchanged extends Error {}

/**
 * The interaction layer of one live session on this instance: chat, Q&A, polls and
 * reactions. An EventLog (persist before deliver; recent chat kept for late joiners), the
 * rules (InteractionState, rebuilt from the log's events), a poll timer, reactions counted
 * per second, and the fan-out to this instance's sockets.
 *
 * Media time. Every event records the live session's programme clock. The HLS player's
 * programme clock is EXT-X-PROGRAM-DATE-TIME, which our packager stamps with the wall clock,
 * so while the session is live the media clock is the wall clock (ms since epoch): a viewer
 * 3 s behind shows an event when their player's programme date reaches `mediaTime`.
 *
 * Multi-instance seams (a single instance is the leader and uses none of them):
 * - `submit(actor, command)`: on the leader, `log.append` with the decision of the rules;
 *   on a follower, the injected `forward(actor, command)` (the leader then submits it).
 * - `published(batch)`: called on the leader after each stored batch, to send it on the bus.
 * - `receive(batch)`: a follower mirrors the leader's batches (contiguous: a gap is returned,
 *   not filled); they are applied and delivered to this instance's sockets as on the leader.
 * - `lead()`: a follower becomes the leader (numbering continues after its last seq).
 * - `since(lastSeq)` and snapshots are served from the local log (a follower's mirror too).
 * - `follow()`: the leader hands the numbering back (another instance took the lead).
 * - Reactions are counted per instance: each second, this instance's tally goes to `tallied`
 *   (to the others) and its sockets get it merged with the tallies of the others (`addTally`).
 * - `beforeSync(lastSeq)`: a sync waits while this instance's copy of the log catches up.
 * (InteractionReplica wires these seams over the bus.)
 *
 * `close()` is safe to call twice: timers stop, queued commands are refused, polls are
 * stored one last time, sockets get nothing more; `closed` is emitted once.
 */
export class InteractionSession extends TypedEmitter<InteractionSessionEvents> {
  readonly sessionId: string;
  readonly #options: InteractionSessionOptions;
  readonly #now: () => number;
  readonly #log: EventLog;
  readonly #state: InteractionState;
  readonly #fanOut = new InteractionFanOut();
  readonly #reactions: Reactions;
  readonly #reactionTimer: NodeJS.Timeout;
  #deadlineTimer: NodeJS.Timeout | undefined;
  /** Polls whose timer-close is being stored (so the timer does not close them twice). */
  readonly #closing = new Set<string>();
  /** Tallies of the other instances received since the last flush. */
  #remoteTallies: ReactionTally[] = [];
  /** Sockets whose sync waits for `beforeSync` (a socket that leaves meanwhile is not synced). */
  readonly #syncing = new Set<{ readonly participantId: string; readonly peer: Peer }>();
  #closed = false;

  constructor(options: InteractionSessionOptions) {
    super();
    this.sessionId = options.sessionId;
    this.#options = options;
    const now = (this.#now = options.now ?? Date.now);
    const store = options.store;
    this.#log = new EventLog({
      now,
      // The programme clock of a live session is the wall clock (see the class comment).
      mediaClock: (at) => at,
      store: store ? (batch) => this.#write(store, batch) : undefined,
      histories: {
        chat: { kinds: [CHAT_EVENTS.message], limit: 200, filter: (e) => e.restrictedTo === undefined },
        // Private messages apart, so a flood of them cannot push the public chat out of a snapshot.
        privateChat: { kinds: [CHAT_EVENTS.message], limit: 1000, filter: (e) => e.restrictedTo !== undefined },
      },
      residue: redactionResidue,
      follower: options.follower === true,
    });
    this.#state = new InteractionState({
      now,
      newId: options.newId ?? randomUUID,
      anonymity: options.anonymity,
      event: (seq) => this.#log.get(seq),
      participant: options.participant,
    });
    this.#reactions = new Reactions({ now });
    this.#log.on('appended', (batch) => this.#committed(batch));
    this.#log.onListenerError = (error) => options.log.error({ err: error, sessionId: this.sessionId }, 'interaction delivery failed');
    this.#reactionTimer = setInterval(() => this.#flushReactions(), options.reactionIntervalMs ?? 1000);
    this.#reactionTimer.unref();
  }

  /** Seq of the last event this instance has. */
  get lastSeq(): number {
    return this.#log.lastSeq;
  }

  get leader(): boolean {
    return this.#log.leader;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sockets that receive this session's events. */
  get subscribers(): number {
    return this.#fanOut.size;
  }

  /**
   * A message from a participant joined to the session, on their socket. `key` is who they
   * are across connections (LiveSession.personKey: account, else browser, else this
   * participant). Commands resolve once their event is stored and delivered (or when
   * nothing was to record).
   */
  handle(participant: Participant, key: string, peer: Peer, message: InteractionMessage): void | Promise<void> {
    const actor: InteractionActor = { participantId: participant.id, key, name: participant.name, role: participant.role };
    if (message.type === 'interaction.sync') {
      const wait = this.#options.beforeSync?.(message.lastSeq);
      if (!wait) return this.sync(peer, actor, message.lastSeq);
      const waiting = { participantId: participant.id, peer };
      this.#syncing.add(waiting);
      return wait.then(() => {
        if (!this.#syncing.delete(waiting) || this.#closed) return;
        this.sync(peer, actor, message.lastSeq);
      });
    }
    if (message.type === 'reaction.send') return this.react(actor, message.reaction);
    return this.submit(actor, message);
  }

  /** Records a command's event (on the leader) or forwards it (on a follower). */
  async submit(actor: InteractionActor, command: InteractionCommand): Promise<void> {
    this.#assertOpen();
    if (this.#log.leader) {
      try {
        await this.record(actor, command);
        return;
      } catch (error) {
        // Refused because this instance stopped leading meanwhile: the new leader records it.
        if (this.#log.leader || !this.#options.forward || this.#closed) throw error;
      }
    }
    if (!this.#options.forward) throw new AmphiError('INVALID_STATE', 'This session is not run here.');
    return this.#options.forward(actor, command);
  }

  /**
   * On the leader: records a command's event; resolves with its seq (a retry's: the stored
   * event's), or null when there was nothing to record.
   */
  async record(actor: InteractionActor, command: InteractionCommand): Promise<number | null> {
    this.#assertOpen();
    try {
      const { event } = await this.#log.append({ actorId: actor.participantId, clientId: command.clientId }, () => {
        const body = this.#state.decide(actor, command);
        if (body === null) throw new Unchanged();
        return body;
      });
      return event.seq;
    } catch (error) {
      if (error instanceof Unchanged) return null;
      throw error;
    }
  }

  /** Counts a reaction; RATE_LIMITED (with `retryAfterMs`) beyond the per-person limit. */
  react(actor: InteractionActor, reaction: string): void {
    this.#assertOpen();
    const result = this.#reactions.react(actor.participantId, reaction);
    if (!result.accepted) throw new RateLimitedError(result.retryAfterMs);
  }

  /**
   * Brings a socket up to date and starts sending it events: what it missed after `lastSeq`
   * (`interaction.events`) when the log still has it, else (or on a first join) a snapshot.
   * Synchronous on purpose: nothing can be committed between reading the log and
   * subscribing the socket, so no event is lost or sent twice.
   */
  sync(peer: Peer, viewer: Viewer, lastSeq?: number): void {
    this.#assertOpen();
    let message: ServerMessage | undefined;
    if (lastSeq !== undefined && lastSeq > 0) {
      const missed = this.#log.since(lastSeq);
      if (missed.complete) message = { type: 'interaction.events', events: this.#state.since(missed.events, viewer), lastSeq: this.#log.lastSeq };
    }
    message ??= this.snapshot(viewer);
    this.#fanOut.add(viewer.participantId, peer, viewer);
    peer.send(message);
  }

  /** The whole picture for one person, at the log's last seq. */
  snapshot(viewer: Viewer): Extract<ServerMessage, { type: 'interaction.snapshot' }> {
    const recent = [...this.#log.recent('chat'), ...this.#log.recent('privateChat')].sort((a, b) => a.seq - b.seq);
    return this.#state.snapshot(viewer, this.#log.lastSeq, recent);
  }

  /** Stops sending to a participant's socket (when `peer` is given, only if it is still theirs). */
  leave(participantId: string, peer?: Peer): void {
    this.#fanOut.remove(participantId, peer);
    for (const waiting of this.#syncing) if (waiting.participantId === participantId && (peer === undefined || waiting.peer === peer)) this.#syncing.delete(waiting);
  }

  /** A participant's role changed: so does what they are shown. */
  setRole(participantId: string, role: Role): void {
    this.#fanOut.setRole(participantId, role);
  }

  /** The room's Q&A anonymity setting changed (questions already asked keep theirs). */
  setAnonymity(mode: QaAnonymity): void {
    this.#state.setAnonymity(mode);
  }

  /** The events after `seq` in this instance's log (see EventLog.since). */
  since(seq: number): SinceResult {
    return this.#log.since(seq);
  }

  /** Follower: mirrors a batch the leader stored (see EventLog.receive). */
  receive(batch: readonly InteractionEvent[]): ReceiveResult {
    this.#assertOpen();
    return this.#log.receive(batch);
  }

  /** Follower: becomes the leader (numbers new events, runs the poll timers). */
  lead(): void {
    this.#assertOpen();
    this.#log.lead();
    this.#schedule();
  }

  /** Leader: hands the numbering back (commands waiting to be stored are refused; see EventLog.follow). */
  follow(): void {
    this.#assertOpen();
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#log.follow();
  }

  /** Reactions counted by another instance: merged into what this instance's sockets get next. */
  addTally(tally: ReactionTally): void {
    if (!this.#closed) this.#remoteTallies.push(tally);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#reactionTimer);
    clearTimeout(this.#deadlineTimer);
    this.#log.close();
    this.#fanOut.clear();
    this.#syncing.clear();
    // The last state of every poll (votes of a poll still open included), for the record.
    if (this.#log.leader) for (const { record } of this.#state.pollRecords()) this.#savePoll(record.id);
    this.emit('closed');
    this.removeAllListeners();
  }

  /** Stores a batch in one transaction; a deleted message keeps only its author. */
  async #write(store: InteractionLogStore, batch: readonly InteractionEvent[]): Promise<void> {
    await this.#options.ready;
    // The log commits after this write: `get` still returns the message being deleted.
    try {
      await store.append(this.sessionId, batch, (seq) => {
        const target = this.#log.get(seq);
        return target ? redactionResidue(target) : null;
      });
    } catch (error) {
      this.#options.writeFailed?.(error);
      throw error;
    }
  }

  /** A stored batch: apply it, deliver it here, store changed polls, publish it, re-arm the timer. */
  #committed(batch: readonly InteractionEvent[]): void {
    const rendered: RenderedEvent[] = [];
    const changedPolls = new Set<string>();
    for (const event of batch) {
      const item = this.#state.apply(event);
      if (item) rendered.push(item);
      if (event.kind === 'poll' && isPollStateChange(event.payload)) changedPolls.add(event.payload.pollId);
    }
    this.#fanOut.send(rendered, batch[batch.length - 1]!.seq);
    if (!this.#log.leader) return;
    for (const pollId of changedPolls) this.#savePoll(pollId);
    this.#options.published?.(batch);
    this.#schedule();
  }

  #savePoll(pollId: string): void {
    const store = this.#options.store;
    const persist = this.#options.persist;
    if (!store || !persist) return;
    const poll = this.#state.pollRecord(pollId);
    const sessionId = this.sessionId;
    persist(async () => {
      try {
        if (!poll) await store.deletePoll(sessionId, pollId);
        else await store.savePoll(sessionId, { pollId, state: poll.record.state, question: poll.record.question, record: poll.record, results: poll.results });
      } catch (err) {
        this.#options.log.error({ err, sessionId, pollId }, 'could not store a poll');
      }
    });
  }

  /** Arms the timer for the next poll deadline (leader only). */
  #schedule(): void {
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    const next = this.#state.nextDeadline();
    if (this.#closed || !this.#log.leader || next === null) return;
    this.#deadlineTimer = setTimeout(() => this.#closeDue(), Math.max(0, next - this.#now()));
    this.#deadlineTimer.unref();
  }

  #closeDue(): void {
    if (this.#closed || !this.#log.leader) return;
    const due = this.#state.decideCloseDue(this.#now()).filter((body) => !this.#closing.has(pollIdOf(body.payload)));
    if (due.length === 0) {
      // Early by a millisecond, or the closes are being stored (their commit re-arms the timer).
      if (this.#closing.size === 0) this.#schedule();
      return;
    }
    for (const body of due) {
      const pollId = pollIdOf(body.payload);
      this.#closing.add(pollId);
      this.#log
        .append({ actorId: SERVER_ACTOR }, body)
        .catch((err: unknown) => this.#options.log.warn({ err, sessionId: this.sessionId, pollId }, 'could not close a poll on time'))
        .finally(() => {
          this.#closing.delete(pollId);
          this.#schedule();
        });
    }
  }

  #flushReactions(): void {
    const own = this.#reactions.flush();
    if (this.#closed) return;
    if (own) this.#options.tallied?.(own);
    const tally = mergeTallies([own, ...this.#remoteTallies]);
    this.#remoteTallies = [];
    if (!tally) return;
    this.#fanOut.broadcast({ type: 'interaction.reactions', counts: { ...tally.counts }, total: tally.total, mediaTime: this.#now() });
  }

  #assertOpen(): void {
    if (this.#closed) throw new AmphiError('SESSION_ENDED');
  }
}

/** A poll change that alters what is stored of the poll (votes are stored with the next one, and at the end). */
function isPollStateChange(payload: unknown): payload is { pollId: string } {
  return typeof payload === 'object' && payload !== null && 'type' in payload && payload.type !== 'voted' && 'pollId' in payload && typeof payload.pollId === 'string';
}

function pollIdOf(payload: unknown): string {
  return typeof payload === 'object' && payload !== null && 'pollId' in payload ? String(payload.pollId) : '';
}
