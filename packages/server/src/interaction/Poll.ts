import { AmphiError, type Role } from '@amphi/protocol';
import {
  checkPollDraft,
  pollAllows,
  sameChoices,
  sortedIndices,
  type PollAction,
  type PollChange,
  type PollContent,
  type PollDraft,
  type PollRecord,
  type PollResults,
  type PollState,
  type PollView,
  type PollViewer,
  type VoteOutcome,
  type Voter,
} from './pollRules.js';

export * from './pollRules.js';

/**
 * One poll or quiz of a live session. Pure domain: no I/O, no timers (the caller schedules
 * `closeIfDue` at `deadline`), time from an injected clock.
 *
 * States: `draft` (being written, seen by those who run polls) → `open` (voting) → `closed`
 * (no more votes) → `revealed` (results and correct answers shown to everyone).
 *
 * Decide, then apply (like Chat). `decide…` methods check the rules against the current state
 * and return a `PollChange` (the payload of one event), or null when there is nothing to do;
 * they change nothing. `apply` changes the state; the caller runs it for every committed event,
 * in the log's order, on every instance, so the state is a function of the log. A change
 * carries its own times, so applying it is deterministic; one decided against a state that
 * an earlier, not yet applied change has since altered (a vote racing the close) is ignored
 * by `apply`, which returns false. The plain methods (`open`, `vote`, …) decide and apply at
 * once, for a single process and for tests.
 *
 * Voters are identified by a stable key, not a connection: the account id when signed in,
 * else the participant id. The caller must use a key that survives reconnects and second
 * tabs, or a person could vote once per tab.
 */

export class Poll {
  readonly id: string;
  readonly #now: () => number;
  #content: PollContent;
  #state: PollState = 'draft';
  #createdAt: number;
  #openedAt: number | null = null;
  #deadline: number | null = null;
  #closedAt: number | null = null;
  #revealedAt: number | null = null;
  #ballots = new Map<string, number[]>();
  // Kept up to date on every vote so results cost O(options), not O(voters), in a large room.
  #counts: number[];
  #correctVoters = 0;

  constructor(id: string, draft: PollDraft | PollContent, now: () => number = Date.now, createdAt: number = now()) {
    this.id = id;
    this.#now = now;
    this.#content = checkPollDraft(draft);
    this.#createdAt = createdAt;
    this.#counts = this.#content.options.map(() => 0);
  }

  /** Rebuilds a poll from storage (counts are recomputed from the ballots). */
  static fromRecord(record: PollRecord, now: () => number = Date.now): Poll {
    const { id, createdAt, openedAt, deadline, closedAt, revealedAt, state, ballots, ...content } = record;
    const poll = new Poll(id, content, now, createdAt);
    poll.#openedAt = openedAt;
    poll.#deadline = deadline;
    poll.#closedAt = closedAt;
    poll.#revealedAt = revealedAt;
    poll.#state = state;
    for (const [key, choices] of ballots) poll.#store(key, [...choices]);
    return poll;
  }

  get state(): PollState {
    return this.#state;
  }
  get isQuiz(): boolean {
    return this.#content.correct !== null;
  }
  /** When voting ends (ms since epoch), or null: the caller schedules `closeIfDue` then. */
  get deadline(): number | null {
    return this.#deadline;
  }
  get voterCount(): number {
    return this.#ballots.size;
  }

  /** Replaces the content of a draft. */
  decideEdit(actor: Voter, draft: PollDraft): PollChange {
    authorize(actor, 'poll.manage');
    if (this.#state !== 'draft') throw new AmphiError('INVALID_STATE', 'Only a draft poll can be edited.');
    return { type: 'edited', pollId: this.id, content: checkPollDraft(draft) };
  }

  /** Opens voting and starts the timer if any. Decide through `PollBook`, which keeps one poll open at a time. */
  decideOpen(actor: Voter): PollChange | null {
    authorize(actor, 'poll.manage');
    if (this.#state === 'open') return null;
    if (this.#state !== 'draft') throw new AmphiError('INVALID_STATE', 'This poll has already been closed.');
    const at = this.#now();
    return { type: 'opened', pollId: this.id, at, deadline: this.#content.durationMs === null ? null : at + this.#content.durationMs };
  }

  /** Ends voting. Nothing to do if already closed (the timer may have been first). */
  decideClose(actor: Voter): PollChange | null {
    authorize(actor, 'poll.manage');
    if (this.#state === 'draft') throw new AmphiError('INVALID_STATE', 'This poll has not been opened.');
    return this.#state === 'open' ? { type: 'closed', pollId: this.id, at: this.#now() } : null;
  }

  /** Closes the poll, dated at its deadline, if the deadline has passed (when the caller's timer fires). */
  decideCloseIfDue(now: number = this.#now()): PollChange | null {
    if (this.#state !== 'open' || this.#deadline === null || now < this.#deadline) return null;
    return { type: 'closed', pollId: this.id, at: this.#deadline };
  }

  /** Shows results (and correct answers) to everyone; an open poll is closed at the same time. */
  decideReveal(actor: Voter): PollChange | null {
    authorize(actor, 'poll.manage');
    if (this.#state === 'draft') throw new AmphiError('INVALID_STATE', 'This poll has not been opened.');
    return this.#state === 'revealed' ? null : { type: 'revealed', pollId: this.id, at: this.#now() };
  }

  /**
   * A ballot, replacing the voter's previous one; null when it is the same ballot (a retry or
   * a double click). Refused once the deadline has passed even if the timer has not fired
   * yet, so a late timer never lets a late vote in.
   */
  decideVote(voter: Voter, choices: readonly number[]): PollChange | null {
    authorize(voter, 'poll.vote');
    if (this.#state !== 'open' || (this.#deadline !== null && this.#now() >= this.#deadline)) {
      throw new AmphiError('INVALID_STATE', 'This poll is not open for votes.');
    }
    const ballot = this.#checkChoices(choices);
    const previous = this.#ballots.get(voter.key);
    if (previous && sameChoices(previous, ballot)) return null;
    return { type: 'voted', pollId: this.id, key: voter.key, choices: ballot };
  }

  /** Applies a committed change to this poll; false when it changes nothing (see the class comment). */
  apply(change: PollChange): boolean {
    if (change.pollId !== this.id) return false;
    switch (change.type) {
      case 'edited':
        if (this.#state !== 'draft') return false;
        this.#content = checkPollDraft(change.content);
        this.#counts = this.#content.options.map(() => 0);
        return true;
      case 'opened':
        if (this.#state !== 'draft') return false;
        this.#state = 'open';
        this.#openedAt = change.at;
        this.#deadline = change.deadline;
        return true;
      case 'closed':
        return this.#end(change.at);
      case 'revealed':
        if (this.#state === 'draft' || this.#state === 'revealed') return false;
        this.#end(change.at);
        this.#state = 'revealed';
        this.#revealedAt = change.at;
        return true;
      case 'voted': {
        if (this.#state !== 'open') return false;
        const ballot = [...change.choices];
        const previous = this.#ballots.get(change.key);
        if (previous && sameChoices(previous, ballot)) return false;
        if (previous) this.#unstore(previous);
        this.#store(change.key, ballot);
        return true;
      }
      default:
        // `created` and `removed` belong to the PollBook.
        return false;
    }
  }

  /** Decides and applies at once. */
  edit(actor: Voter, draft: PollDraft): void {
    this.apply(this.decideEdit(actor, draft));
  }
  open(actor: Voter): boolean {
    return this.#run(this.decideOpen(actor));
  }
  close(actor: Voter): boolean {
    return this.#run(this.decideClose(actor));
  }
  closeIfDue(now: number = this.#now()): boolean {
    return this.#run(this.decideCloseIfDue(now));
  }
  reveal(actor: Voter): boolean {
    return this.#run(this.decideReveal(actor));
  }
  vote(voter: Voter, choices: readonly number[]): VoteOutcome {
    const changed = this.#run(this.decideVote(voter, choices));
    return { changed, choices: this.ballotOf(voter.key)! };
  }

  /** The voter's ballot, if any. */
  ballotOf(key: string): number[] | undefined {
    const ballot = this.#ballots.get(key);
    return ballot && [...ballot];
  }

  /** Counts per option: for those who run polls at any time, for everyone once revealed; else null. */
  results(forRole: Role): PollResults | null {
    if (this.#state === 'draft') return null;
    if (this.#state !== 'revealed' && !pollAllows(forRole, 'poll.viewLive')) return null;
    return { counts: [...this.#counts], voters: this.#ballots.size, correctVoters: this.isQuiz ? this.#correctVoters : null };
  }

  /** What this person may see, or null when they may not see the poll at all (a draft). */
  view(viewer: PollViewer): PollView | null {
    const live = pollAllows(viewer.role, 'poll.viewLive');
    if (this.#state === 'draft' && !live) return null;
    const c = this.#content;
    const ballot = viewer.key === undefined ? undefined : this.#ballots.get(viewer.key);
    return {
      id: this.id,
      state: this.#state,
      question: c.question,
      options: [...c.options],
      kind: c.kind,
      maxChoices: c.maxChoices,
      quiz: c.correct !== null,
      durationMs: c.durationMs,
      openedAt: this.#openedAt,
      deadline: this.#deadline,
      closedAt: this.#closedAt,
      correct: c.correct !== null && (live || this.#state === 'revealed') ? [...c.correct] : null,
      results: this.results(viewer.role),
      myChoices: ballot ? [...ballot] : null,
    };
  }

  toRecord(): PollRecord {
    const c = this.#content;
    return {
      id: this.id,
      state: this.#state,
      question: c.question,
      options: [...c.options],
      kind: c.kind,
      maxChoices: c.maxChoices,
      correct: c.correct && [...c.correct],
      durationMs: c.durationMs,
      createdAt: this.#createdAt,
      openedAt: this.#openedAt,
      deadline: this.#deadline,
      closedAt: this.#closedAt,
      revealedAt: this.#revealedAt,
      ballots: [...this.#ballots].map(([key, choices]) => [key, [...choices]]),
    };
  }

  #run(change: PollChange | null): boolean {
    return change !== null && this.apply(change);
  }

  #end(at: number): boolean {
    if (this.#state !== 'open') return false;
    this.#state = 'closed';
    this.#closedAt = at;
    return true;
  }

  #store(key: string, ballot: number[]): void {
    this.#ballots.set(key, ballot);
    for (const i of ballot) this.#counts[i]!++;
    if (this.#isCorrect(ballot)) this.#correctVoters++;
  }

  #unstore(ballot: number[]): void {
    for (const i of ballot) this.#counts[i]!--;
    if (this.#isCorrect(ballot)) this.#correctVoters--;
  }

  #isCorrect(ballot: number[]): boolean {
    return this.#content.correct !== null && sameChoices(ballot, this.#content.correct);
  }

  #checkChoices(choices: readonly number[]): number[] {
    const { kind, maxChoices, options } = this.#content;
    if (!Array.isArray(choices) || choices.length === 0) throw new AmphiError('VALIDATION_FAILED', 'Choose at least one option.');
    const ballot = sortedIndices(choices, options.length, 'Choice');
    if (kind === 'single' && ballot.length !== 1) throw new AmphiError('VALIDATION_FAILED', 'Choose exactly one option.');
    if (ballot.length > maxChoices) throw new AmphiError('VALIDATION_FAILED', `Choose at most ${maxChoices} options.`);
    return ballot;
  }
}

function authorize(actor: Voter, action: PollAction): void {
  if (!pollAllows(actor.role, action)) throw new AmphiError('NOT_ALLOWED');
}
