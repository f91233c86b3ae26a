import { AmphiError, compareQuestions, type Role } from '@amphi/protocol';
import { cleanText } from './cleanText.js';
import {
  QUESTION_LIMITS,
  questionAllows,
  type AnonymityMode,
  type Asker,
  type AskerHidden,
  type Member,
  type QuestionAction,
  type QuestionBoardOptions,
  type QuestionBoardRecord,
  type QuestionChange,
  type QuestionLimits,
  type QuestionOrder,
  type QuestionRecord,
  type QuestionView,
  type QuestionViewer,
} from './questionRules.js';

export * from './questionRules.js';

/**
 * The Q&A of one live session, separate from chat: people ask, upvote, and those at the
 * front pick what to answer. Pure domain: no I/O, time from an injected clock.
 *
 * Decide, then apply, as in `Poll` and `Chat`: `decide…` methods check the rules and return a
 * `QuestionChange` (an event's payload) or null when there is nothing to do, changing
 * nothing; `apply` changes the state, for every committed event, in the log's order, on
 * every instance. Changes carry their own ids and times, so applying is deterministic; one
 * that an earlier change has made moot (an upvote on a question withdrawn meanwhile) is
 * ignored and `apply` returns false. The plain methods decide and apply at once.
 *
 * A change holds the asker's key and name even for an anonymous question: it is for the log
 * and the instances, never for the wire. What a person is sent comes from `view`/`question`.
 *
 * People are identified by a stable key (account id when signed in, else the browser's guest
 * key, else participant id), like poll voters, so one person upvotes once whatever their
 * connections.
 */

type Question = Omit<QuestionRecord, 'voters'> & { voters: Set<string> };

/** Display rank of each status: the question being answered on top, dismissed ones last. */

export class QuestionBoard {
  // In order of asking (a Map keeps insertion order, the tie-breaker of every sort).
  readonly #questions = new Map<string, Question>();
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #limits: QuestionLimits;
  #anonymity: AnonymityMode;
  #order: QuestionOrder;

  constructor(options: QuestionBoardOptions) {
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId;
    this.#anonymity = options.anonymity ?? 'fromPeers';
    this.#order = options.order ?? 'votes';
    this.#limits = { ...QUESTION_LIMITS, ...options.limits };
  }

  static fromRecord(record: QuestionBoardRecord, options: QuestionBoardOptions): QuestionBoard {
    const board = new QuestionBoard({ ...options, anonymity: record.anonymity, order: record.order });
    for (const q of record.questions) board.#questions.set(q.id, { ...q, voters: new Set(q.voters) });
    return board;
  }

  get anonymity(): AnonymityMode {
    return this.#anonymity;
  }
  get order(): QuestionOrder {
    return this.#order;
  }
  /** The question being answered now, if any (at most one). */
  get answering(): string | null {
    for (const q of this.#questions.values()) if (q.status === 'answering') return q.id;
    return null;
  }

  /**
   * Follows the room setting (the caller checks who may edit the room). Applies to new
   * questions only: those already asked keep the anonymity they were asked with.
   */
  setAnonymity(mode: AnonymityMode): void {
    this.#anonymity = mode;
  }

  /** Sets the order everyone sees. */
  decideOrder(actor: Member, order: QuestionOrder): QuestionChange | null {
    authorize(actor, 'question.moderate');
    if (order !== 'votes' && order !== 'time') throw new AmphiError('VALIDATION_FAILED', 'Unknown order.');
    return order === this.#order ? null : { type: 'ordered', order };
  }

  /** Asks a question, optionally hidden (as far as the room setting allows). */
  decideAsk(asker: Asker, text: string, options: { anonymous?: boolean } = {}): Extract<QuestionChange, { type: 'asked' }> {
    authorize(asker, 'question.ask');
    const clean = cleanText(text, { field: 'Question', max: this.#limits.textMax, multiline: true });
    let hidden: AskerHidden = 'nobody';
    if (options.anonymous === true) {
      if (this.#anonymity === 'off') throw new AmphiError('NOT_ALLOWED', 'Anonymous questions are off in this room.');
      hidden = this.#anonymity === 'full' ? 'everyone' : 'peers';
    }
    if (this.#questions.size >= this.#limits.maxQuestions) throw new AmphiError('INVALID_STATE', 'The question board is full.');
    let open = 0;
    for (const q of this.#questions.values()) if (q.askerKey === asker.key && q.status === 'open') open++;
    if (open >= this.#limits.maxOpenPerAsker) {
      throw new AmphiError('INVALID_STATE', `You already have ${open} open questions; wait for one to be answered.`);
    }
    const askerId = asker.participantId !== undefined ? { askerId: asker.participantId } : {};
    return { type: 'asked', question: { id: this.#newId(), text: clean, askerKey: asker.key, ...askerId, askerName: asker.name, hidden, askedAt: this.#now() } };
  }

  /** The asker rewords their question while it is still open (upvotes are kept; it shows as edited). */
  decideEdit(member: Member, id: string, text: string): QuestionChange | null {
    const q = this.#ownOpen(member, id);
    const clean = cleanText(text, { field: 'Question', max: this.#limits.textMax, multiline: true });
    return clean === q.text ? null : { type: 'edited', id, text: clean, at: this.#now() };
  }

  /** The asker takes their question back while it is still open: it is deleted, with its votes. */
  decideWithdraw(member: Member, id: string): QuestionChange {
    this.#ownOpen(member, id);
    return { type: 'withdrawn', id };
  }

  /** Upvotes once per person. One's own question cannot be upvoted (every question would start at one). */
  decideUpvote(member: Member, id: string): QuestionChange | null {
    authorize(member, 'question.upvote');
    const q = this.#votable(member, id);
    if (q.askerKey === member.key) throw new AmphiError('NOT_ALLOWED', 'You cannot upvote your own question.');
    return q.voters.has(member.key) ? null : { type: 'upvoted', id, key: member.key };
  }

  decideUnvote(member: Member, id: string): QuestionChange | null {
    authorize(member, 'question.upvote');
    return this.#votable(member, id).voters.has(member.key) ? { type: 'unvoted', id, key: member.key } : null;
  }

  decideStar(actor: Member, id: string, starred: boolean): QuestionChange | null {
    return this.#managed(actor, id).starred === starred ? null : { type: 'starred', id, starred };
  }

  /**
   * Marks the question being answered now. Only one at a time: applying it sends the previous
   * one back to open (it may not be finished; marking it answered is the moderator's call).
   */
  decideAnswering(actor: Member, id: string): QuestionChange | null {
    const q = this.#managed(actor, id);
    if (q.status === 'answering') return null;
    if (q.status !== 'open') throw new AmphiError('INVALID_STATE', 'Only an open question can be answered now.');
    return { type: 'answering', id };
  }

  decideAnswered(actor: Member, id: string): QuestionChange | null {
    const q = this.#managed(actor, id);
    if (q.status === 'answered') return null;
    if (q.status !== 'open' && q.status !== 'answering') throw new AmphiError('INVALID_STATE', 'This question cannot be marked answered.');
    return { type: 'answered', id, at: this.#now() };
  }

  /** Hides a question from everyone but those who run the Q&A. */
  decideDismiss(actor: Member, id: string): QuestionChange | null {
    return this.#managed(actor, id).status === 'dismissed' ? null : { type: 'dismissed', id };
  }

  /** Brings a question back to open: stops "answering now", or undoes "answered" or a dismissal. */
  decideReopen(actor: Member, id: string): QuestionChange | null {
    return this.#managed(actor, id).status === 'open' ? null : { type: 'reopened', id };
  }

  /**
   * Merges a duplicate into the question kept: the duplicate disappears, and the kept one
   * counts everyone who upvoted either, once, plus the duplicate's asker (they asked it too),
   * but never its own asker.
   */
  decideMerge(actor: Member, duplicateId: string, intoId: string): QuestionChange {
    const dup = this.#managed(actor, duplicateId);
    const into = this.#managed(actor, intoId);
    if (dup === into) throw new AmphiError('INVALID_STATE', 'A question cannot be merged into itself.');
    if (!canMerge(dup, into)) throw new AmphiError('INVALID_STATE', 'Merge an open or dismissed question into one that is not dismissed.');
    return { type: 'merged', id: duplicateId, into: intoId };
  }

  /** Applies a committed change; false when it changes nothing (see the class comment). */
  apply(change: QuestionChange): boolean {
    if (change.type === 'ordered') {
      if (change.order === this.#order) return false;
      this.#order = change.order;
      return true;
    }
    if (change.type === 'asked') {
      const { question } = change;
      if (this.#questions.has(question.id) || this.#questions.size >= this.#limits.maxQuestions) return false;
      this.#questions.set(question.id, { ...question, editedAt: null, voters: new Set(), starred: false, status: 'open', answeredAt: null, mergedInto: null });
      return true;
    }
    const q = this.#questions.get(change.id);
    if (!q || q.status === 'merged') return false;
    const votable = q.status === 'open' || q.status === 'answering';
    switch (change.type) {
      case 'edited':
        if (q.status !== 'open' || q.text === change.text) return false;
        q.text = change.text;
        q.editedAt = change.at;
        return true;
      case 'withdrawn':
        return q.status === 'open' && this.#questions.delete(q.id);
      case 'upvoted':
        if (!votable || q.askerKey === change.key || q.voters.has(change.key)) return false;
        q.voters.add(change.key);
        return true;
      case 'unvoted':
        return votable && q.voters.delete(change.key);
      case 'starred':
        if (q.starred === change.starred) return false;
        q.starred = change.starred;
        return true;
      case 'answering': {
        if (q.status !== 'open') return false;
        const previous = this.answering;
        if (previous !== null) this.#questions.get(previous)!.status = 'open';
        q.status = 'answering';
        return true;
      }
      case 'answered':
        if (!votable) return false;
        q.status = 'answered';
        q.answeredAt = change.at;
        return true;
      case 'dismissed':
        if (q.status === 'dismissed') return false;
        q.status = 'dismissed';
        return true;
      case 'reopened':
        if (q.status === 'open') return false;
        q.status = 'open';
        q.answeredAt = null;
        return true;
      case 'merged': {
        const into = this.#questions.get(change.into);
        if (!into || into === q || !canMerge(q, into)) return false;
        for (const key of q.voters) into.voters.add(key);
        into.voters.add(q.askerKey);
        into.voters.delete(into.askerKey);
        into.starred ||= q.starred;
        q.status = 'merged';
        q.mergedInto = into.id;
        q.voters.clear();
        return true;
      }
    }
  }

  /** Decides and applies at once (single process, tests). */
  setOrder(actor: Member, order: QuestionOrder): boolean {
    return this.#run(this.decideOrder(actor, order));
  }
  /** Returns the question as the asker sees it. */
  ask(asker: Asker, text: string, options: { anonymous?: boolean } = {}): QuestionView {
    const change = this.decideAsk(asker, text, options);
    this.apply(change);
    return this.question(asker, change.question.id)!;
  }
  edit(member: Member, id: string, text: string): boolean {
    return this.#run(this.decideEdit(member, id, text));
  }
  withdraw(member: Member, id: string): void {
    this.apply(this.decideWithdraw(member, id));
  }
  upvote(member: Member, id: string): boolean {
    return this.#run(this.decideUpvote(member, id));
  }
  unvote(member: Member, id: string): boolean {
    return this.#run(this.decideUnvote(member, id));
  }
  star(actor: Member, id: string, starred: boolean): boolean {
    return this.#run(this.decideStar(actor, id, starred));
  }
  /** Also returns the id of the question that was being answered, which went back to open. */
  markAnswering(actor: Member, id: string): { changed: boolean; previous: string | null } {
    const change = this.decideAnswering(actor, id);
    const previous = change ? this.answering : null;
    return { changed: this.#run(change), previous };
  }
  markAnswered(actor: Member, id: string): boolean {
    return this.#run(this.decideAnswered(actor, id));
  }
  dismiss(actor: Member, id: string): boolean {
    return this.#run(this.decideDismiss(actor, id));
  }
  reopen(actor: Member, id: string): boolean {
    return this.#run(this.decideReopen(actor, id));
  }
  merge(actor: Member, duplicateId: string, intoId: string): boolean {
    return this.#run(this.decideMerge(actor, duplicateId, intoId));
  }

  /** Every question this person may see, in the board's order (for late joiners). */
  view(viewer: QuestionViewer): QuestionView[] {
    const seeDismissed = questionAllows(viewer.role, 'question.seeDismissed');
    const visible = [...this.#questions.values()].filter((q) => q.status !== 'merged' && (q.status !== 'dismissed' || seeDismissed));
    return this.#sort(visible).map((q) => this.#view(q, viewer));
  }

  /** The questions still to answer (open and answering), in the board's order. */
  openQuestions(viewer: QuestionViewer): QuestionView[] {
    return this.view(viewer).filter((q) => q.status === 'open' || q.status === 'answering');
  }

  /**
   * One question as this person sees it, or null if they may not see it. Without a key, the
   * view for everyone of that role (`mine` and `votedByMe` false): what a broadcast carries.
   */
  question(viewer: QuestionViewer, id: string): QuestionView | null {
    const q = this.#questions.get(id);
    if (!q || q.status === 'merged' || (q.status === 'dismissed' && !questionAllows(viewer.role, 'question.seeDismissed'))) return null;
    return this.#view(q, viewer);
  }

  toRecord(): QuestionBoardRecord {
    return {
      anonymity: this.#anonymity,
      order: this.#order,
      questions: [...this.#questions.values()].map((q) => ({ ...q, voters: [...q.voters] })),
    };
  }

  #sort(questions: Question[]): Question[] {
    return questions.sort((a, b) => compareQuestions({ ...a, votes: a.voters.size }, { ...b, votes: b.voters.size }, this.#order));
  }

  #view(q: Question, viewer: QuestionViewer): QuestionView {
    const seeAsker = q.hidden === 'nobody' || (q.hidden === 'peers' && questionAllows(viewer.role, 'question.seeAsker'));
    return {
      id: q.id,
      text: q.text,
      status: q.status as QuestionView['status'],
      askedAt: q.askedAt,
      edited: q.editedAt !== null,
      votes: q.voters.size,
      starred: q.starred,
      answeredAt: q.answeredAt,
      anonymous: q.hidden !== 'nobody',
      askerName: seeAsker ? q.askerName : null,
      // The participant, not the key: a guest's key stays on the server.
      askerKey: seeAsker && questionAllows(viewer.role, 'question.seeAsker') ? (q.askerId ?? q.askerKey) : null,
      mine: viewer.key !== undefined && q.askerKey === viewer.key,
      votedByMe: viewer.key !== undefined && q.voters.has(viewer.key),
    };
  }

  /** A question this person may see; NOT_FOUND otherwise (a dismissed one stays hidden). */
  #run(change: QuestionChange | null): boolean {
    return change !== null && this.apply(change);
  }

  #visible(member: Member, id: string): Question {
    const q = this.#questions.get(id);
    if (!q || q.status === 'merged' || (q.status === 'dismissed' && !questionAllows(member.role, 'question.seeDismissed'))) {
      throw new AmphiError('NOT_FOUND', 'No such question.');
    }
    return q;
  }

  #votable(member: Member, id: string): Question {
    const q = this.#visible(member, id);
    if (q.status !== 'open' && q.status !== 'answering') throw new AmphiError('INVALID_STATE', 'This question is no longer open for votes.');
    return q;
  }

  #managed(actor: Member, id: string): Question {
    authorize(actor, 'question.moderate');
    return this.#visible(actor, id);
  }

  #ownOpen(member: Member, id: string): Question {
    const q = this.#visible(member, id);
    if (q.askerKey !== member.key) throw new AmphiError('NOT_ALLOWED', 'Only the asker may change a question.');
    if (q.status !== 'open') throw new AmphiError('INVALID_STATE', 'This question is being answered or has been answered.');
    return q;
  }
}

/** A duplicate is open or dismissed; the question kept is neither dismissed nor merged. */
function canMerge(dup: Question, into: Question): boolean {
  return (dup.status === 'open' || dup.status === 'dismissed') && into.status !== 'dismissed' && into.status !== 'merged';
}

function authorize(member: Member | { role: Role }, action: QuestionAction): void {
  if (!questionAllows(member.role, action)) throw new AmphiError('NOT_ALLOWED');
}
