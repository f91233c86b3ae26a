import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AmphiError, ROLES, type Role } from '@amphi/protocol';
import { POLL_ACTIONS, POLL_LIMITS, POLL_PERMISSIONS, Poll, checkPollDraft, pollAllows, type PollAction, type PollChange, type PollDraft, type Voter } from './Poll.js';
import { PollBook } from './PollBook.js';
import { expectCode, N, Y, type RoleRow } from '../testkit.js';


/** The expected table, written out by hand so a change to POLL_PERMISSIONS must be made twice. Columns follow ROLES. */
//                                              moderator presenter participant viewer guest
const TABLE: Readonly<Record<PollAction, RoleRow>> = {
  'poll.manage':   [Y, Y, N, N, N],
  'poll.vote':     [N, N, Y, Y, Y],
  'poll.viewLive': [Y, Y, N, N, N],
};

const mod: Voter = { key: 'acct-mod', role: 'moderator' };
const presenter: Voter = { key: 'acct-pres', role: 'presenter' };
const ann: Voter = { key: 'acct-ann', role: 'participant' };
const bob: Voter = { key: 'acct-bob', role: 'participant' };
const vic: Voter = { key: 'acct-vic', role: 'viewer' };
const guest: Voter = { key: 'participant-g1', role: 'guest' };

const COLOURS: PollDraft = { question: 'Favourite colour?', options: ['Red', 'Green', 'Blue'], kind: 'single' };
const PRIMES: PollDraft = { question: 'Which are prime?', options: ['2', '4', '5', '9'], kind: 'multiple', maxChoices: 3, correct: [0, 2] };

function clock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms), set: (t: number) => (time = t) };
}


function openPoll(draft: PollDraft = COLOURS, c = clock()) {
  const poll = new Poll('poll-1', draft, c.now);
  poll.open(mod);
  return { poll, ...c };
}

describe('who may do what with polls', () => {
  it('covers every poll action in this test', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...POLL_ACTIONS].sort());
    expect(Object.keys(POLL_PERMISSIONS).sort()).toEqual([...POLL_ACTIONS].sort());
  });

  const cases = POLL_ACTIONS.flatMap((action) => ROLES.map((role, i) => ({ action, role, allowed: TABLE[action][i]!, verb: TABLE[action][i] ? 'may' : 'may not' })));
  it.each(cases)('a $role $verb $action', ({ action, role, allowed }) => {
    expect(pollAllows(role, action)).toBe(allowed);
  });

  const roles = ROLES.map((role, i) => ({ role, manage: TABLE['poll.manage'][i]!, vote: TABLE['poll.vote'][i]! }));
  it.each(roles)('a $role is held to the table when creating, opening, closing, revealing and voting', ({ role, manage, vote }) => {
    const actor: Voter = { key: `key-${role}`, role };
    const attempt = (action: () => unknown, allowed: boolean) => (allowed ? expect(action).not.toThrow() : expectCode(action, 'NOT_ALLOWED'));
    const book = new PollBook({ newId: () => 'p1' });
    attempt(() => book.create(actor, COLOURS), manage);
    const poll = new Poll('p2', COLOURS);
    attempt(() => poll.edit(actor, PRIMES), manage);
    attempt(() => poll.open(actor), manage);
    poll.open(mod);
    attempt(() => poll.vote(actor, [0]), vote);
    attempt(() => poll.close(actor), manage);
    attempt(() => poll.reveal(actor), manage);
  });
});

describe('writing a poll', () => {
  it('keeps a trimmed copy of the question and options and never changes what it was given', () => {
    const draft = Object.freeze({ question: '  Favourite colour?\u00a0', options: Object.freeze([' Red', 'Green ', 'Blue']), kind: 'single' as const });
    const view = new Poll('p', draft).view({ role: 'moderator' })!;
    expect(view).toMatchObject({ question: 'Favourite colour?', options: ['Red', 'Green', 'Blue'], kind: 'single', maxChoices: 1, quiz: false, state: 'draft' });
    expect(draft.options).toEqual([' Red', 'Green ', 'Blue']);
  });

  it('lets a multiple-choice ballot pick every option unless a maximum is given', () => {
    expect(new Poll('p', { ...PRIMES, maxChoices: undefined }).view({ role: 'moderator' })!.maxChoices).toBe(4);
    expect(new Poll('p', PRIMES).view({ role: 'moderator' })!.maxChoices).toBe(3);
  });

  const bad: [string, Partial<PollDraft>][] = [
    ['one option', { options: ['Yes'] }],
    ['eleven options', { options: Array.from({ length: 11 }, (_, i) => `Option ${i}`) }],
    ['an empty question', { question: '   ' }],
    ['a question that is too long', { question: 'x'.repeat(POLL_LIMITS.questionMax + 1) }],
    ['an option that is too long', { options: ['a', 'b'.repeat(POLL_LIMITS.optionMax + 1)] }],
    ['an empty option', { options: ['a', ' '] }],
    ['a control character', { options: ['a', 'b\u0007'] }],
    ['a line break in an option', { options: ['a', 'b\nc'] }],
    ['a bidirectional override', { question: 'Is \u202Eevil?' }],
    ['the same option twice', { options: ['Yes', ' yes'] }],
    ['an unknown kind', { kind: 'ranked' as PollDraft['kind'] }],
    ['a single choice with two picks', { maxChoices: 2 }],
    ['a single-choice quiz with two correct answers', { correct: [0, 1] }],
    ['a correct answer out of range', { correct: [3] }],
    ['an empty correct answer', { correct: [] }],
    ['a timer that is too short', { durationMs: POLL_LIMITS.minDurationMs - 1 }],
    ['a timer that is too long', { durationMs: POLL_LIMITS.maxDurationMs + 1 }],
    ['a timer that is not a whole number of ms', { durationMs: 10_000.5 }],
  ];
  it.each(bad)('refuses %s', (_, change) => {
    expectCode(() => new Poll('p', { ...COLOURS, ...change }), 'VALIDATION_FAILED');
  });

  it('refuses a multiple-choice maximum out of range, and a correct answer larger than a ballot', () => {
    expectCode(() => new Poll('p', { ...PRIMES, maxChoices: 0 }), 'VALIDATION_FAILED');
    expectCode(() => new Poll('p', { ...PRIMES, maxChoices: 5 }), 'VALIDATION_FAILED');
    expectCode(() => new Poll('p', { ...PRIMES, maxChoices: 1 }), 'VALIDATION_FAILED');
    expectCode(() => new Poll('p', { ...PRIMES, correct: [0, 0] }), 'VALIDATION_FAILED');
  });

  it('accepts ten options, and edits a draft but not an opened poll', () => {
    const poll = new Poll('p', { ...COLOURS, options: Array.from({ length: 10 }, (_, i) => `Option ${i}`) });
    poll.edit(mod, PRIMES);
    expect(poll.view({ role: 'presenter' })).toMatchObject({ question: 'Which are prime?', options: ['2', '4', '5', '9'], quiz: true, correct: [0, 2] });
    poll.open(presenter);
    expectCode(() => poll.edit(mod, COLOURS), 'INVALID_STATE');
  });
});

describe('a poll from draft to revealed', () => {
  it('goes draft → open → closed → revealed, each step once', () => {
    const poll = new Poll('p', COLOURS);
    expectCode(() => poll.vote(ann, [0]), 'INVALID_STATE');
    expectCode(() => poll.close(mod), 'INVALID_STATE');
    expectCode(() => poll.reveal(mod), 'INVALID_STATE');
    expect(poll.open(mod)).toBe(true);
    expect(poll.open(mod)).toBe(false);
    expect(poll.close(mod)).toBe(true);
    expect(poll.close(mod)).toBe(false);
    expectCode(() => poll.open(mod), 'INVALID_STATE');
    expectCode(() => poll.vote(ann, [0]), 'INVALID_STATE');
    expect(poll.reveal(mod)).toBe(true);
    expect(poll.reveal(mod)).toBe(false);
    expect(poll.close(mod)).toBe(false);
    expect(poll.state).toBe('revealed');
  });

  it('closes an open poll when its results are revealed', () => {
    const { poll } = openPoll();
    poll.vote(ann, [1]);
    expect(poll.reveal(mod)).toBe(true);
    expect(poll.state).toBe('revealed');
    expect(poll.view({ role: 'viewer' })!.closedAt).not.toBeNull();
    expectCode(() => poll.vote(bob, [0]), 'INVALID_STATE');
  });

  it('shows a draft only to those who run polls', () => {
    const poll = new Poll('p', COLOURS);
    expect(poll.view({ role: 'moderator' })).not.toBeNull();
    expect(poll.view({ role: 'presenter' })).not.toBeNull();
    for (const role of ['participant', 'viewer', 'guest'] as const) expect(poll.view({ role })).toBeNull();
  });
});

describe('voting', () => {
  it('counts one ballot per voter and lets them change it until the poll closes', () => {
    const { poll } = openPoll();
    expect(poll.vote(ann, [0])).toEqual({ changed: true, choices: [0] });
    expect(poll.vote(bob, [0])).toEqual({ changed: true, choices: [0] });
    expect(poll.vote(ann, [2])).toEqual({ changed: true, choices: [2] });
    expect(poll.vote(vic, [2])).toEqual({ changed: true, choices: [2] });
    expect(poll.vote(guest, [1])).toEqual({ changed: true, choices: [1] });
    expect(poll.results('moderator')).toEqual({ counts: [1, 1, 2], voters: 4, correctVoters: null });
    poll.close(mod);
    expectCode(() => poll.vote(ann, [0]), 'INVALID_STATE');
    expect(poll.ballotOf(ann.key)).toEqual([2]);
    expect(poll.results('moderator')!.counts).toEqual([1, 1, 2]);
  });

  it('reports an identical ballot as no change (a retry or a double click)', () => {
    const { poll } = openPoll(PRIMES);
    poll.vote(ann, [2, 0]);
    expect(poll.vote(ann, [0, 2])).toEqual({ changed: false, choices: [0, 2] });
    expect(poll.voterCount).toBe(1);
  });

  it('takes exactly one option in a single-choice poll', () => {
    const { poll } = openPoll();
    expectCode(() => poll.vote(ann, []), 'VALIDATION_FAILED');
    expectCode(() => poll.vote(ann, [0, 1]), 'VALIDATION_FAILED');
    expectCode(() => poll.vote(ann, [3]), 'VALIDATION_FAILED');
    expectCode(() => poll.vote(ann, [-1]), 'VALIDATION_FAILED');
    expectCode(() => poll.vote(ann, [0.5]), 'VALIDATION_FAILED');
    expect(poll.voterCount).toBe(0);
  });

  it('takes at least one and at most the maximum of distinct options in a multiple-choice poll', () => {
    const { poll } = openPoll(PRIMES);
    expectCode(() => poll.vote(ann, []), 'VALIDATION_FAILED');
    expectCode(() => poll.vote(ann, [0, 1, 2, 3]), 'VALIDATION_FAILED');
    expectCode(() => poll.vote(ann, [1, 1]), 'VALIDATION_FAILED');
    expect(poll.vote(ann, [3, 1, 0]).choices).toEqual([0, 1, 3]);
    poll.vote(bob, [1]);
    expect(poll.results('moderator')).toMatchObject({ counts: [1, 2, 0, 1], voters: 2 });
  });

  it('keeps a failed change from touching the earlier ballot', () => {
    const { poll } = openPoll(PRIMES);
    poll.vote(ann, [0]);
    expectCode(() => poll.vote(ann, [0, 9]), 'VALIDATION_FAILED');
    expect(poll.ballotOf(ann.key)).toEqual([0]);
    expect(poll.results('moderator')!.counts).toEqual([1, 0, 0, 0]);
  });

  it("shows each voter their own ballot, and nobody else's", () => {
    const { poll } = openPoll();
    poll.vote(ann, [1]);
    expect(poll.view(ann)!.myChoices).toEqual([1]);
    expect(poll.view(bob)!.myChoices).toBeNull();
    expect(poll.view({ role: 'participant' })!.myChoices).toBeNull();
  });
});

describe('results', () => {
  it('shows live counts to moderators and presenters, and to everyone only once revealed', () => {
    const { poll } = openPoll();
    poll.vote(ann, [0]);
    expect(poll.results('moderator')).toEqual({ counts: [1, 0, 0], voters: 1, correctVoters: null });
    expect(poll.results('presenter')).toEqual({ counts: [1, 0, 0], voters: 1, correctVoters: null });
    for (const role of ['participant', 'viewer', 'guest'] as const) expect(poll.view({ role })!.results).toBeNull();
    poll.close(mod);
    expect(poll.results('viewer')).toBeNull();
    poll.reveal(mod);
    for (const role of ROLES) expect(poll.results(role)).toEqual({ counts: [1, 0, 0], voters: 1, correctVoters: null });
  });

  it('keeps a quiz answer from voters until the reveal, and counts who got it exactly right', () => {
    const { poll } = openPoll(PRIMES);
    expect(poll.view({ role: 'participant' })).toMatchObject({ quiz: true, correct: null });
    expect(poll.view({ role: 'moderator' })!.correct).toEqual([0, 2]);
    poll.vote(ann, [0, 2]);
    poll.vote(bob, [0]);
    poll.vote(vic, [0, 2, 3]);
    expect(poll.results('moderator')!.correctVoters).toBe(1);
    poll.vote(bob, [2, 0]);
    poll.vote(ann, [0, 1]);
    expect(poll.results('moderator')).toEqual({ counts: [3, 1, 2, 1], voters: 3, correctVoters: 1 });
    poll.reveal(mod);
    expect(poll.view(bob)).toMatchObject({ correct: [0, 2], myChoices: [0, 2], results: { correctVoters: 1 } });
  });
});

describe('the poll timer', () => {
  const TIMED = { ...COLOURS, durationMs: 30_000 };

  it('sets a deadline when opened and closes at it, dated at the deadline', () => {
    const { poll, advance, now } = openPoll(TIMED);
    const opened = now();
    expect(poll.deadline).toBe(opened + 30_000);
    expect(poll.view({ role: 'viewer' })).toMatchObject({ openedAt: opened, deadline: opened + 30_000, durationMs: 30_000 });
    advance(29_999);
    expect(poll.closeIfDue()).toBe(false);
    expect(poll.vote(ann, [0]).changed).toBe(true);
    advance(5_000); // the caller's timer fired late
    expect(poll.closeIfDue()).toBe(true);
    expect(poll.closeIfDue()).toBe(false);
    expect(poll.view({ role: 'viewer' })).toMatchObject({ state: 'closed', closedAt: opened + 30_000 });
  });

  it('refuses a vote after the deadline even before the timer fires', () => {
    const { poll, advance } = openPoll(TIMED);
    advance(30_000);
    expect(poll.state).toBe('open');
    expectCode(() => poll.vote(ann, [0]), 'INVALID_STATE');
    expect(poll.voterCount).toBe(0);
  });

  it('has no deadline without a timer, and is not closed by time', () => {
    const { poll, advance } = openPoll();
    expect(poll.deadline).toBeNull();
    advance(POLL_LIMITS.maxDurationMs * 10);
    expect(poll.closeIfDue()).toBe(false);
    expect(poll.vote(ann, [0]).changed).toBe(true);
  });
});

describe('storing a poll', () => {
  it('rebuilds the same poll, ballots and counts from a JSON record', () => {
    const { poll, now } = openPoll({ ...PRIMES, durationMs: 60_000 });
    poll.vote(ann, [0, 2]);
    poll.vote(bob, [1]);
    poll.vote(ann, [2]);
    const record = JSON.parse(JSON.stringify(poll.toRecord())) as ReturnType<Poll['toRecord']>;
    expect(record.ballots).toEqual([[ann.key, [2]], [bob.key, [1]]]);
    const copy = Poll.fromRecord(record, now);
    expect(copy.toRecord()).toEqual(poll.toRecord());
    expect(copy.results('moderator')).toEqual(poll.results('moderator'));
    expect(copy.view(ann)).toEqual(poll.view(ann));
    // The rebuilt poll carries on: same rules, same deadline.
    expect(copy.vote(bob, [0, 2]).changed).toBe(true);
    expect(copy.results('moderator')!.correctVoters).toBe(1);
  });
});

describe('PollBook: the polls of one live session', () => {
  function book() {
    const c = clock();
    let ids = 0;
    return { book: new PollBook({ now: c.now, newId: () => `poll-${++ids}`, maxPolls: 3 }), ...c };
  }

  it('keeps polls in order of creation and finds them by id', () => {
    const { book: polls } = book();
    const a = polls.create(mod, COLOURS);
    const b = polls.create(presenter, PRIMES);
    expect([a.id, b.id]).toEqual(['poll-1', 'poll-2']);
    expect(polls.get('poll-2')).toBe(b);
    expect(polls.list()).toEqual([a, b]);
    expectCode(() => polls.get('poll-9'), 'NOT_FOUND');
  });

  it('keeps one poll open at a time', () => {
    const { book: polls } = book();
    const a = polls.create(mod, COLOURS);
    const b = polls.create(mod, PRIMES);
    expect(polls.open(mod, a.id)).toBe(true);
    expect(polls.open(mod, a.id)).toBe(false);
    expectCode(() => polls.open(mod, b.id), 'INVALID_STATE');
    expect(polls.current()).toBe(a);
    a.close(mod);
    expect(polls.current()).toBeUndefined();
    expect(polls.open(presenter, b.id)).toBe(true);
  });

  it('refuses someone who may not run polls before telling them whether a poll exists', () => {
    const { book: polls } = book();
    expectCode(() => polls.open(ann, 'poll-9'), 'NOT_ALLOWED');
    expectCode(() => polls.remove(ann, 'poll-9'), 'NOT_ALLOWED');
  });

  it('deletes drafts only: results of an opened poll belong to the session', () => {
    const { book: polls } = book();
    const a = polls.create(mod, COLOURS);
    const b = polls.create(mod, PRIMES);
    polls.remove(mod, b.id);
    expect(polls.list()).toEqual([a]);
    polls.open(mod, a.id);
    expectCode(() => polls.remove(mod, a.id), 'INVALID_STATE');
  });

  it('holds a bounded number of polls', () => {
    const { book: polls } = book();
    for (let i = 0; i < 3; i++) polls.create(mod, COLOURS);
    expectCode(() => polls.create(mod, COLOURS), 'INVALID_STATE');
  });

  it('shows a late joiner every poll but the drafts, with their own ballot', () => {
    const { book: polls } = book();
    const a = polls.create(mod, COLOURS);
    polls.create(mod, PRIMES);
    polls.open(mod, a.id);
    a.vote(ann, [1]);
    expect(polls.views(ann)).toEqual([expect.objectContaining({ id: a.id, state: 'open', myChoices: [1], results: null })]);
    expect(polls.views({ role: 'moderator' }).map((v) => v.state)).toEqual(['open', 'draft']);
  });

  it('tells the caller when to fire the timer and closes what is due', () => {
    const { book: polls, advance } = book();
    const a = polls.create(mod, { ...COLOURS, durationMs: 10_000 });
    expect(polls.nextDeadline()).toBeNull();
    polls.open(mod, a.id);
    expect(polls.nextDeadline()).toBe(a.deadline);
    advance(9_000);
    expect(polls.closeDue()).toEqual([]);
    advance(1_000);
    expect(polls.closeDue()).toEqual([a]);
    expect(polls.closeDue()).toEqual([]);
    expect(polls.nextDeadline()).toBeNull();
  });

  it('is stored and rebuilt as one record per live session', () => {
    const { book: polls, now } = book();
    const a = polls.create(mod, COLOURS);
    polls.create(mod, PRIMES);
    polls.open(mod, a.id);
    a.vote(ann, [2]);
    a.reveal(mod);
    const record = JSON.parse(JSON.stringify(polls.toRecord())) as ReturnType<PollBook['toRecord']>;
    const copy = PollBook.fromRecord(record, { now, newId: () => 'poll-new' });
    expect(copy.toRecord()).toEqual(polls.toRecord());
    expect(copy.views({ role: 'guest' })).toEqual(polls.views({ role: 'guest' }));
  });
});

/**
 * People vote through connections: reconnecting or opening a second tab gives a new
 * connection (and, for a signed-in person, a new participant id), but the wiring derives
 * the voter key from the account, or from the guest's participant id, which a resumed
 * connection keeps. These are the people of the property test.
 */
interface Person {
  accountId: string | null;
  participantId: string;
  role: Role;
}
const PEOPLE: Person[] = [
  { accountId: 'acct-1', participantId: 'p-1', role: 'participant' },
  { accountId: 'acct-2', participantId: 'p-2', role: 'viewer' },
  { accountId: 'acct-3', participantId: 'p-3', role: 'participant' },
  { accountId: null, participantId: 'p-guest-1', role: 'guest' },
  { accountId: null, participantId: 'p-guest-2', role: 'viewer' },
  { accountId: 'acct-mod', participantId: 'p-mod', role: 'moderator' },
];
const voterFor = (person: Person): Voter => ({ key: person.accountId ?? person.participantId, role: person.role });

type Step =
  | { kind: 'vote'; person: number; choices: number[] }
  | { kind: 'reconnect'; person: number }
  | { kind: 'secondTab'; person: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'close' };

/** Mostly valid ballots (any order), sometimes invalid ones (empty, out of range, repeated, too many). */
const choices = fc.oneof(
  { weight: 4, arbitrary: fc.shuffledSubarray([0, 1, 2, 3]) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 5 }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('vote' as const), person: fc.nat(PEOPLE.length - 1), choices }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), person: fc.nat(PEOPLE.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('secondTab' as const), person: fc.nat(PEOPLE.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);

describe('voting, for any sequence of votes, changes, reconnects and second tabs', () => {
  it("counts each voter's last valid ballot once, and nothing else", () => {
    fc.assert(
      fc.property(fc.constantFrom<PollDraft>(PRIMES, COLOURS, { ...PRIMES, durationMs: 60_000 }), fc.array(step, { maxLength: 80, size: 'max' }), (draft, steps) => {
        const c = clock();
        const poll = new Poll('p', draft, c.now);
        poll.open(mod);
        // Each person's current connection; a new one after a reconnect or in a second tab.
        const connections = PEOPLE.map((person) => ({ ...person }));
        let tabs = 0;
        const model = new Map<string, number[]>();
        let closed = false;
        for (const s of steps) {
          if (s.kind === 'tick') c.advance(s.ms);
          else if (s.kind === 'close') closed = poll.close(mod) || closed;
          else if (s.kind === 'reconnect') connections[s.person]!.participantId = connections[s.person]!.accountId ? `p-tab-${++tabs}` : PEOPLE[s.person]!.participantId;
          else if (s.kind === 'secondTab' && connections[s.person]!.accountId) connections[s.person] = { ...connections[s.person]!, participantId: `p-tab-${++tabs}` };
          else if (s.kind === 'vote') {
            const voter = voterFor(connections[s.person]!);
            const distinct = new Set(s.choices).size === s.choices.length;
            const inRange = s.choices.every((i) => i >= 0 && i < draft.options.length);
            const max = draft.kind === 'single' ? 1 : (draft.maxChoices ?? draft.options.length);
            const pastDeadline = poll.deadline !== null && c.now() >= poll.deadline;
            const accepted = pollAllows(voter.role, 'poll.vote') && !closed && !pastDeadline && distinct && inRange && s.choices.length >= 1 && s.choices.length <= max;
            let refused: unknown = null;
            try {
              poll.vote(voter, s.choices);
            } catch (error) {
              refused = error;
            }
            if (refused) expect(refused).toBeInstanceOf(AmphiError);
            expect(refused === null).toBe(accepted);
            if (accepted) model.set(voter.key, [...s.choices].sort((a, b) => a - b));
          }
        }
        const results = poll.results('moderator')!;
        expect(results.voters).toBe(model.size);
        expect(results.counts).toEqual(draft.options.map((_, i) => [...model.values()].filter((b) => b.includes(i)).length));
        const keys = poll.toRecord().ballots.map(([key]) => key);
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(keys)).toEqual(new Set(model.keys()));
        // No connection id ever became a voter key: only accounts and guests' participant ids.
        expect(keys.every((key) => !key.startsWith('p-tab-'))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('deciding, then applying the log (Chat-style, on every instance)', () => {
  it('decides without changing anything', () => {
    const { poll } = openPoll(PRIMES);
    poll.vote(ann, [0]);
    const before = poll.toRecord();
    expect(poll.decideVote(bob, [1])).toEqual({ type: 'voted', pollId: 'poll-1', key: bob.key, choices: [1] });
    expect(poll.decideVote(ann, [0])).toBeNull();
    expect(poll.decideClose(mod)).toMatchObject({ type: 'closed', pollId: 'poll-1' });
    expect(poll.decideReveal(mod)).toMatchObject({ type: 'revealed', pollId: 'poll-1' });
    expect(poll.toRecord()).toEqual(before);
  });

  it('ignores a vote decided before the close but applied after it', () => {
    const { poll } = openPoll();
    const vote = poll.decideVote(ann, [0])!;
    const close = poll.decideClose(mod)!;
    // A second close, decided before the first was applied, changes nothing either.
    const closeAgain = poll.decideClose(mod)!;
    expect(poll.apply(close)).toBe(true);
    expect(poll.apply(vote)).toBe(false);
    expect(poll.apply(closeAgain)).toBe(false);
    expect(poll.results('moderator')!.voters).toBe(0);
  });

  it('applies the same change once, and only to the poll it names', () => {
    const { poll } = openPoll();
    const vote = poll.decideVote(ann, [0])!;
    expect(poll.apply(vote)).toBe(true);
    expect(poll.apply(vote)).toBe(false);
    expect(poll.apply({ ...vote, pollId: 'another' })).toBe(false);
    expect(poll.results('moderator')!.counts).toEqual([1, 0, 0]);
  });

  it('keeps one poll open when two openings were decided at the same time', () => {
    const c = clock();
    let ids = 0;
    const book = new PollBook({ now: c.now, newId: () => `poll-${++ids}` });
    const a = book.create(mod, COLOURS);
    const b = book.create(mod, PRIMES);
    const openA = book.decideOpen(mod, a.id)!;
    const openB = book.decideOpen(presenter, b.id)!;
    expect(book.apply(openA)).toBe(true);
    expect(book.apply(openB)).toBe(false);
    expect(book.current()).toBe(a);
    expect(b.state).toBe('draft');
  });

  it('creates and removes through the book, once', () => {
    const book = new PollBook({ now: () => 5, newId: () => 'poll-x' });
    const created = book.decideCreate(mod, COLOURS);
    expect(book.list()).toEqual([]);
    expect(book.apply(created)).toBe(true);
    expect(book.apply(created)).toBe(false);
    expect(book.get('poll-x').toRecord().createdAt).toBe(5);
    const removed = book.decideRemove(mod, 'poll-x');
    expect(book.apply(removed)).toBe(true);
    expect(book.apply(removed)).toBe(false);
    expect(book.apply(book.decideCreate(mod, COLOURS))).toBe(true);
  });

  type Command =
    | { kind: 'vote'; person: number; choices: number[] }
    | { kind: 'tick'; ms: number }
    | { kind: 'close' }
    | { kind: 'timer' }
    | { kind: 'commit' };
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('vote' as const), person: fc.nat(PEOPLE.length - 1), choices }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'timer' as const }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'commit' as const }) },
  );

  it('agrees on every instance, and counts each last applied ballot once, whatever the batching', () => {
    fc.assert(
      fc.property(fc.constantFrom<PollDraft>(PRIMES, COLOURS, { ...PRIMES, durationMs: 60_000 }), fc.array(command, { maxLength: 80, size: 'max' }), (draft, commands) => {
        const c = clock();
        const book = new PollBook({ now: c.now, newId: () => 'poll-1' });
        const poll = book.create(mod, draft);
        book.open(mod, poll.id);
        // Decided but not yet applied: what the event log holds while a batch is being stored.
        let pending: PollChange[] = [];
        const log: PollChange[] = [];
        const commit = () => {
          for (const change of pending) {
            book.apply(change);
            log.push(change);
          }
          pending = [];
        };
        for (const s of commands) {
          if (s.kind === 'tick') c.advance(s.ms);
          else if (s.kind === 'commit') commit();
          else if (s.kind === 'timer') pending.push(...book.decideCloseDue());
          else if (s.kind === 'close') {
            const change = poll.state === 'draft' ? null : poll.decideClose(mod);
            if (change) pending.push(change);
          } else {
            try {
              const change = poll.decideVote(voterFor(PEOPLE[s.person]!), s.choices);
              if (change) pending.push(change);
            } catch (error) {
              expect(error).toBeInstanceOf(AmphiError);
            }
          }
        }
        commit();
        // The model: replay the log by hand, votes counting only while the poll is open.
        const ballots = new Map<string, number[]>();
        let open = true;
        for (const change of log) {
          if (change.type === 'closed') open = false;
          else if (change.type === 'voted' && open) ballots.set(change.key, change.choices);
        }
        const results = poll.results('moderator')!;
        expect(results.voters).toBe(ballots.size);
        expect(results.counts).toEqual(draft.options.map((_, i) => [...ballots.values()].filter((b) => b.includes(i)).length));
        // Another instance, with another clock, applying the same log (as JSON) ends in the same state.
        const replica = new PollBook({ now: () => 0, newId: () => 'unused' });
        replica.apply({ type: 'created', pollId: 'poll-1', content: checkPollDraft(draft), at: poll.toRecord().createdAt });
        replica.apply({ type: 'opened', pollId: 'poll-1', at: poll.toRecord().openedAt!, deadline: poll.deadline });
        for (const change of log) replica.apply(JSON.parse(JSON.stringify(change)) as PollChange);
        expect(replica.toRecord()).toEqual(book.toRecord());
      }),
      { numRuns: 300 },
    );
  });
});
