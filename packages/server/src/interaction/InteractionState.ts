import { AmphiError, INTERACTION_COMMAND_TYPES, type ClientMessage, type ChatState, type InteractionCommand, type QaAnonymity, type Role, type ServerMessage } from '@amphi/protocol';
import { CHAT_EVENTS, Chat, type ChatMessagePayload } from './Chat.js';
import { isVisibleTo, type EventBody, type InteractionEvent } from './EventLog.js';
import { CHAT_RATE, QUESTION_RATE, RateLimiter, VOTE_RATE, type RateLimit } from './RateLimiter.js';
import { PollBook } from './PollBook.js';
import { pollAllows, type PollChange, type PollRecord, type PollResults, type Voter } from './Poll.js';
import { QuestionBoard, type QuestionChange } from './QuestionBoard.js';
import { renderChat, renderPoll, renderQuestion, type RenderedEvent, type StoredChatMessage, type Viewer, type WireEvent } from './interactionRender.js';

export { viewerClass, redactionResidue, VIEWER_CLASSES, type RenderedEvent, type Viewer, type ViewerClass, type WireEvent } from './interactionRender.js';

export type { InteractionCommand };
const COMMAND_TYPES: ReadonlySet<string> = new Set(INTERACTION_COMMAND_TYPES);
export function isInteractionCommand(message: ClientMessage): message is InteractionCommand {
  return COMMAND_TYPES.has(message.type);
}

/** Kinds of the events this state writes to the log (chat kinds, one for polls, one for Q&A). */
export const INTERACTION_EVENTS = { ...CHAT_EVENTS, poll: 'poll', question: 'question' } as const;

/**
 * Who acts, as established at the edge. `key` identifies the person across connections: the
 * account id when signed in, else their browser's guest key (its tabs are one voter), else
 * the participant id. Kept on the server (see LiveSession.personKey).
 */
export interface InteractionActor extends Viewer {
  readonly name: string;
}

/** Most messages in a snapshot's recent chat. */
export const SNAPSHOT_CHAT_LIMIT = 200;

export interface InteractionStateOptions {
  /** Milliseconds since epoch (default Date.now). */
  now?: () => number;
  /** Id for each new poll and question. */
  newId: () => string;
  /** The room's Q&A anonymity setting (default `fromPeers`). */
  anonymity?: QaAnonymity;
  /** A retained event of the log by seq (the log's `get`), to delete a chat message. */
  event: (seq: number) => InteractionEvent | undefined;
  /**
   * A participant of the live session as known here, to check whom a mute is for (a moderator
   * cannot be muted); undefined when not known here, which does not refuse the mute (see
   * `decide`).
   */
  participant: (participantId: string) => { participantId: string; role: Role } | undefined;
  /** Per-person limits (defaults CHAT_RATE, VOTE_RATE, QUESTION_RATE); moderators are exempt. */
  rates?: { chat?: RateLimit; votes?: RateLimit; questions?: RateLimit };
}

/**
 * The rules of one live session's interaction: chat, polls and Q&A together. Pure: no I/O,
 * no timers.
 *
 * `decide(actor, command)` checks a command against the current state and returns the event
 * body to append (null: nothing to record, e.g. the same ballot again), or throws an
 * AmphiError (NOT_ALLOWED, VALIDATION_FAILED, NOT_FOUND, INVALID_STATE, RATE_LIMITED with
 * `retryAfterMs`); it changes nothing but the rate limits it spends. `apply(event)` is run for
 * every committed event, in seq order: the state is a function of the log, so any instance
 * replaying it agrees. Poll and Q&A changes carry ids, ballots and hidden askers: they are
 * never sent raw. `apply` returns the event as each class of viewer sees it (see
 * interactionRender.ts); `since` and `snapshot` render for one person.
 */
export class InteractionState {
  readonly #chat: Chat;
  readonly #polls: PollBook;
  readonly #questions: QuestionBoard;
  readonly #votes: RateLimiter;
  readonly #asks: RateLimiter;
  readonly #event: InteractionStateOptions['event'];
  readonly #participant: InteractionStateOptions['participant'];
  #anonymity: QaAnonymity;

  constructor(options: InteractionStateOptions) {
    const now = options.now ?? Date.now;
    this.#chat = new Chat({ limiter: new RateLimiter({ ...(options.rates?.chat ?? CHAT_RATE), now }) });
    this.#polls = new PollBook({ now, newId: options.newId });
    this.#anonymity = options.anonymity ?? 'fromPeers';
    this.#questions = new QuestionBoard({ now, newId: options.newId, anonymity: this.#anonymity });
    this.#votes = new RateLimiter({ ...(options.rates?.votes ?? VOTE_RATE), now });
    this.#asks = new RateLimiter({ ...(options.rates?.questions ?? QUESTION_RATE), now });
    this.#event = options.event;
    this.#participant = options.participant;
  }

  /** Follows the room setting; questions already asked keep the anonymity they were asked with. */
  setAnonymity(mode: QaAnonymity): void {
    this.#anonymity = mode;
    this.#questions.setAnonymity(mode);
  }

  /** The event body a command records, or null when it changes nothing. Throws when refused. */
  decide(actor: InteractionActor, command: InteractionCommand): EventBody | null {
    const chat = this.#chat;
    switch (command.type) {
      case 'chat.send': {
        const body = chat.post(actor, { text: command.text, to: command.to });
        const payload: StoredChatMessage = { ...(body.payload as ChatMessagePayload), name: actor.name, role: actor.role };
        return { ...body, payload };
      }
      case 'chat.delete':
        return chat.delete(actor, this.#event(command.seq));
      case 'chat.mute': {
        // The role first: someone who may not mute learns nothing about who is here.
        if (actor.role !== 'moderator') throw new AmphiError('NOT_ALLOWED', 'Only moderators may do this.');
        // Whoever decides knows only the people connected to its own instance: someone it does
        // not know may be connected to another one, so any (well-formed) id is muted. Muting
        // an id nobody has changes nothing anyone sees but the moderators' list; one
        // known here is checked (a moderator cannot be muted).
        const target = this.#participant(command.participantId) ?? { participantId: command.participantId };
        return chat.mute(actor, target, command.muted);
      }
      case 'chat.switch':
        return chat.setEnabled(actor, command.enabled);
      case 'poll.create':
        return pollEvent(this.#polls.decideCreate(actor, command.draft));
      case 'poll.edit':
        return pollEvent(this.#managedPoll(actor, command.pollId).decideEdit(actor, command.draft));
      case 'poll.act':
        return pollEvent(this.#decidePollAction(actor, command.pollId, command.action));
      case 'poll.vote': {
        const poll = this.#polls.find(command.pollId);
        // A draft is not there for those who may not see drafts.
        if (!poll || (poll.state === 'draft' && !pollAllows(actor.role, 'poll.viewLive'))) throw new AmphiError('NOT_FOUND', 'No such poll.');
        return this.#limited(this.#votes, actor, pollEvent(poll.decideVote(actor, command.choices)));
      }
      case 'question.ask':
        return this.#limited(this.#asks, actor, questionEvent(this.#questions.decideAsk(actor, command.text, { anonymous: command.anonymous === true })));
      case 'question.edit':
        return this.#limited(this.#asks, actor, questionEvent(this.#questions.decideEdit(actor, command.questionId, command.text)));
      case 'question.act':
        return this.#decideQuestionAction(actor, command.questionId, command.action);
      case 'question.merge':
        return questionEvent(this.#questions.decideMerge(actor, command.questionId, command.into));
      case 'question.order':
        return questionEvent(this.#questions.decideOrder(actor, command.order));
    }
  }

  /** Closes the polls whose timer ran out: one event body each (for the caller's timer). */
  decideCloseDue(now?: number): EventBody[] {
    return this.#polls.decideCloseDue(now).map((change) => pollEvent(change)!);
  }

  /** When the next poll timer runs out (ms since epoch), or null. */
  nextDeadline(): number | null {
    return this.#polls.nextDeadline();
  }

  /**
   * Applies a committed event and returns it as each class of viewer sees it (null for an
   * event kind this state does not know, which changes nothing).
   */
  apply(event: InteractionEvent): RenderedEvent | null {
    switch (event.kind) {
      case CHAT_EVENTS.message:
      case CHAT_EVENTS.deleted:
      case CHAT_EVENTS.muted:
      case CHAT_EVENTS.switched: {
        this.#chat.apply(event);
        const wire = renderChat(event);
        return wire && { seq: event.seq, byClass: { moderator: wire, presenter: event.restrictedTo ? null : wire, audience: event.restrictedTo ? null : wire }, restrictedTo: event.restrictedTo, restricted: wire };
      }
      case INTERACTION_EVENTS.poll: {
        const change = event.payload as PollChange | null;
        if (!change) return null;
        this.#polls.apply(change);
        return renderPoll(event, change, this.#polls.find(change.pollId));
      }
      case INTERACTION_EVENTS.question: {
        const change = event.payload as QuestionChange | null;
        if (!change) return null;
        this.#questions.apply(change);
        return renderQuestion(event, change, this.#questions);
      }
      default:
        return null;
    }
  }

  /**
   * What a person missed after a seq (the log's `since`), rendered for them, in order: every
   * chat event they may see, exactly; polls and questions as they are now (their latest event
   * each, rendered for oneself), since a view is a state, not a delta.
   */
  since(events: readonly InteractionEvent[], viewer: Viewer): WireEvent[] {
    const last = new Map<string, number>();
    for (const event of events) {
      const entity = entityOf(event);
      if (entity !== null) last.set(entity, event.seq);
    }
    const out: WireEvent[] = [];
    for (const event of events) {
      const entity = entityOf(event);
      if (entity === null) {
        if (isVisibleTo(event, viewer.participantId, viewer.role)) {
          const wire = renderChat(event);
          if (wire) out.push(wire);
        }
        continue;
      }
      if (last.get(entity) !== event.seq) continue;
      const wire = this.#current(event, viewer);
      if (wire) out.push(wire);
    }
    return out;
  }

  /**
   * The whole picture for one person: the last SNAPSHOT_CHAT_LIMIT chat messages they may see
   * (`recentChat`: the log's recent messages, in seq order), every poll and question they may
   * see, the chat's state and the Q&A's order.
   */
  snapshot(viewer: Viewer, lastSeq: number, recentChat: readonly InteractionEvent[]): Extract<ServerMessage, { type: 'interaction.snapshot' }> {
    const chat = recentChat
      .filter((event) => isVisibleTo(event, viewer.participantId, viewer.role))
      .slice(-SNAPSHOT_CHAT_LIMIT)
      .map((event) => renderChat(event))
      .filter((wire): wire is WireEvent => wire !== null);
    const view = this.#chat.viewFor(viewer);
    const chatState: ChatState = { enabled: view.enabled, muted: view.muted, mutedParticipants: [...view.mutedParticipants] };
    return {
      type: 'interaction.snapshot',
      lastSeq,
      chat,
      chatState,
      polls: this.#polls.views(viewer),
      questions: this.#questions.view(viewer),
      questionOrder: this.#questions.order,
      qaAnonymity: this.#anonymity,
    };
  }

  /** Every poll of the session with its results, for storage (`results` as moderators see them). */
  pollRecords(): { record: PollRecord; results: PollResults | null }[] {
    return this.#polls.list().map((poll) => ({ record: poll.toRecord(), results: poll.results('moderator') }));
  }

  /** A poll, for storage after it changed; undefined once removed. */
  pollRecord(pollId: string): { record: PollRecord; results: PollResults | null } | undefined {
    const poll = this.#polls.find(pollId);
    return poll && { record: poll.toRecord(), results: poll.results('moderator') };
  }

  #managedPoll(actor: Voter, pollId: string) {
    // The role first: someone who may not run polls learns nothing about drafts.
    if (!pollAllows(actor.role, 'poll.manage')) throw new AmphiError('NOT_ALLOWED');
    return this.#polls.get(pollId);
  }

  #decidePollAction(actor: Voter, pollId: string, action: 'open' | 'close' | 'reveal' | 'remove'): PollChange | null {
    const poll = this.#managedPoll(actor, pollId);
    switch (action) {
      case 'open':
        return this.#polls.decideOpen(actor, pollId);
      case 'close':
        return poll.decideClose(actor);
      case 'reveal':
        return poll.decideReveal(actor);
      case 'remove':
        return this.#polls.decideRemove(actor, pollId);
    }
  }

  #decideQuestionAction(actor: InteractionActor, id: string, action: Extract<InteractionCommand, { type: 'question.act' }>['action']): EventBody | null {
    const board = this.#questions;
    switch (action) {
      case 'withdraw':
        return questionEvent(board.decideWithdraw(actor, id));
      case 'upvote':
        return this.#limited(this.#votes, actor, questionEvent(board.decideUpvote(actor, id)));
      case 'unvote':
        return this.#limited(this.#votes, actor, questionEvent(board.decideUnvote(actor, id)));
      case 'star':
      case 'unstar':
        return questionEvent(board.decideStar(actor, id, action === 'star'));
      case 'answering':
        return questionEvent(board.decideAnswering(actor, id));
      case 'answered':
        return questionEvent(board.decideAnswered(actor, id));
      case 'dismiss':
        return questionEvent(board.decideDismiss(actor, id));
      case 'reopen':
        return questionEvent(board.decideReopen(actor, id));
    }
  }

  /** Spends one token of the person's limit, only for a command that would be recorded. */
  #limited(limiter: RateLimiter, actor: InteractionActor, body: EventBody | null): EventBody | null {
    if (body !== null && actor.role !== 'moderator') limiter.consume(actor.key);
    return body;
  }

  /** The latest state of the poll or question an event is about, rendered for this person. */
  #current(event: InteractionEvent, viewer: Viewer): WireEvent | null {
    const envelope = { seq: event.seq, at: event.at, mediaTime: event.mediaTime };
    if (event.kind === INTERACTION_EVENTS.poll) {
      const change = event.payload as PollChange;
      const view = this.#polls.find(change.pollId)?.view(viewer) ?? null;
      // Drafts (and deleted drafts) exist only for those who run polls.
      if (view === null && !pollAllows(viewer.role, 'poll.viewLive')) return null;
      return { ...envelope, kind: 'poll', pollId: change.pollId, change: change.type, poll: view, personal: true };
    }
    const change = event.payload as QuestionChange;
    if (change.type === 'ordered') return { ...envelope, kind: 'question.order', order: this.#questions.order };
    const id = change.type === 'asked' ? change.question.id : change.id;
    const wire: WireEvent = { ...envelope, kind: 'question', questionId: id, change: change.type, question: this.#questions.question(viewer, id), personal: true };
    if (change.type === 'merged') return { ...wire, into: this.#questions.question(viewer, change.into) };
    return wire;
  }
}

/** The poll or question an event is about (`poll:<id>`, `question:<id>`, `order`), or null for chat. */
function entityOf(event: InteractionEvent): string | null {
  if (event.payload === null) return null;
  if (event.kind === INTERACTION_EVENTS.poll) return `poll:${(event.payload as PollChange).pollId}`;
  if (event.kind !== INTERACTION_EVENTS.question) return null;
  const change = event.payload as QuestionChange;
  if (change.type === 'ordered') return 'order';
  return `question:${change.type === 'asked' ? change.question.id : change.id}`;
}

function pollEvent(change: PollChange | null): EventBody | null {
  return change && { kind: INTERACTION_EVENTS.poll, payload: change };
}

function questionEvent(change: QuestionChange | null): EventBody | null {
  return change && { kind: INTERACTION_EVENTS.question, payload: change };
}
