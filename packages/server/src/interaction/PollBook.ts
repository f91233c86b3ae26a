import { AmphiError } from '@amphi/protocol';
import { Poll, checkPollDraft, pollAllows, type PollChange, type PollDraft, type PollRecord, type PollView, type PollViewer, type Voter } from './Poll.js';

export interface PollBookOptions {
  /** Milliseconds since epoch (injected so tests control time; default Date.now). */
  now?: () => number;
  /** Id for each new poll. */
  newId: () => string;
  /** Most polls in one live session, drafts included (default 100). */
  maxPolls?: number;
}

/** The polls of one live session, for storage. */
export interface PollBookRecord {
  polls: PollRecord[];
}

/**
 * The polls of one live session, in order of creation. At most one poll is open at a time,
 * so every viewer answers the same question and the interface stays simple (as in Zoom and
 * BigBlueButton). Pure domain: the caller schedules `decideCloseDue` at `nextDeadline()`.
 *
 * Decide, then apply, as in `Poll`: decide through the book or one of its polls (`get(id)`),
 * and apply every change through the book, which routes it and keeps the one-open rule.
 */
export class PollBook {
  readonly #polls = new Map<string, Poll>();
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #maxPolls: number;

  constructor(options: PollBookOptions) {
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId;
    this.#maxPolls = options.maxPolls ?? 100;
  }

  static fromRecord(record: PollBookRecord, options: PollBookOptions): PollBook {
    const book = new PollBook(options);
    for (const poll of record.polls) book.#polls.set(poll.id, Poll.fromRecord(poll, book.#now));
    return book;
  }

  /** A new draft poll. */
  decideCreate(actor: Voter, draft: PollDraft): PollChange {
    authorize(actor);
    if (this.#polls.size >= this.#maxPolls) throw new AmphiError('INVALID_STATE', `A session holds at most ${this.#maxPolls} polls.`);
    return { type: 'created', pollId: this.#newId(), content: checkPollDraft(draft), at: this.#now() };
  }

  /** Deletes a draft. Opened polls stay: their results belong to the session's record. */
  decideRemove(actor: Voter, id: string): PollChange {
    authorize(actor);
    if (this.get(id).state !== 'draft') throw new AmphiError('INVALID_STATE', 'Only a draft poll can be deleted.');
    return { type: 'removed', pollId: id };
  }

  /** Opens a poll, unless another one is open (close it first). */
  decideOpen(actor: Voter, id: string): PollChange | null {
    // The role first, so someone who may not run polls learns nothing about drafts.
    authorize(actor);
    const poll = this.get(id);
    const current = this.current();
    if (current && current !== poll) throw new AmphiError('INVALID_STATE', 'Another poll is open; close it first.');
    return poll.decideOpen(actor);
  }

  /** Closes every poll whose deadline has passed (one change, one event, each). */
  decideCloseDue(now: number = this.#now()): PollChange[] {
    const changes: PollChange[] = [];
    for (const poll of this.#polls.values()) {
      const change = poll.decideCloseIfDue(now);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** Applies a committed change to the poll it names; false when it changes nothing. */
  apply(change: PollChange): boolean {
    const poll = this.#polls.get(change.pollId);
    switch (change.type) {
      case 'created':
        if (poll || this.#polls.size >= this.#maxPolls) return false;
        this.#polls.set(change.pollId, new Poll(change.pollId, change.content, this.#now, change.at));
        return true;
      case 'removed':
        return poll?.state === 'draft' && this.#polls.delete(change.pollId);
      case 'opened': {
        const current = this.current();
        if (current && current !== poll) return false;
        return poll?.apply(change) ?? false;
      }
      default:
        return poll?.apply(change) ?? false;
    }
  }

  /** Decides and applies at once (single process, tests). Returns the new poll. */
  create(actor: Voter, draft: PollDraft): Poll {
    const change = this.decideCreate(actor, draft);
    this.apply(change);
    return this.get(change.pollId);
  }
  remove(actor: Voter, id: string): void {
    this.apply(this.decideRemove(actor, id));
  }
  open(actor: Voter, id: string): boolean {
    const change = this.decideOpen(actor, id);
    return change !== null && this.apply(change);
  }
  /** Closes what is due; returns the polls it closed. */
  closeDue(now: number = this.#now()): Poll[] {
    return this.decideCloseDue(now)
      .filter((change) => this.apply(change))
      .map((change) => this.get(change.pollId));
  }

  /** The poll with this id; NOT_FOUND otherwise. */
  get(id: string): Poll {
    const poll = this.#polls.get(id);
    if (!poll) throw new AmphiError('NOT_FOUND', 'No such poll.');
    return poll;
  }

  /** The poll with this id, if any. */
  find(id: string): Poll | undefined {
    return this.#polls.get(id);
  }

  /** The open poll, if any (an open poll past its deadline still counts until it is closed). */
  current(): Poll | undefined {
    for (const poll of this.#polls.values()) if (poll.state === 'open') return poll;
    return undefined;
  }

  /** Every poll, in order of creation. */
  list(): Poll[] {
    return [...this.#polls.values()];
  }

  /** What this person may see: every poll but the drafts, which only those who run polls see. */
  views(viewer: PollViewer): PollView[] {
    const views: PollView[] = [];
    for (const poll of this.#polls.values()) {
      const view = poll.view(viewer);
      if (view) views.push(view);
    }
    return views;
  }

  /** The earliest deadline of an open poll (ms since epoch), for the caller's timer; null if none. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const poll of this.#polls.values()) {
      if (poll.state === 'open' && poll.deadline !== null && (next === null || poll.deadline < next)) next = poll.deadline;
    }
    return next;
  }

  toRecord(): PollBookRecord {
    return { polls: this.list().map((poll) => poll.toRecord()) };
  }
}

function authorize(actor: Voter): void {
  if (!pollAllows(actor.role, 'poll.manage')) throw new AmphiError('NOT_ALLOWED');
}
