import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AmphiError, ROLES, type Role } from '@amphi/protocol';
import {
  QUESTION_ACTIONS,
  QUESTION_LIMITS,
  QUESTION_PERMISSIONS,
  QuestionBoard,
  questionAllows,
  type AnonymityMode,
  type Asker,
  type QuestionAction,
  type QuestionBoardOptions,
  type QuestionChange,
} from './QuestionBoard.js';
import { expectCode, N, Y, type RoleRow } from '../testkit.js';


/** The expected table, written out by hand so a change to QUESTION_PERMISSIONS must be made twice. Columns follow ROLES. */
//                                                    moderator presenter participant viewer guest
const TABLE: Readonly<Record<QuestionAction, RoleRow>> = {
  'question.ask':          [Y, Y, Y, Y, Y],
  'question.upvote':       [Y, Y, Y, Y, Y],
  'question.moderate':     [Y, Y, N, N, N],
  'question.seeAsker':     [Y, N, N, N, N],
  'question.seeDismissed': [Y, Y, N, N, N],
};

const mod: Asker = { key: 'acct-mod', role: 'moderator', name: 'Prof. Martin' };
const pres: Asker = { key: 'acct-pres', role: 'presenter', name: 'Paula' };
const ann: Asker = { key: 'acct-ann', role: 'participant', name: 'Ann' };
const bob: Asker = { key: 'acct-bob', role: 'participant', name: 'Bob' };
const vic: Asker = { key: 'acct-vic', role: 'viewer', name: 'Vic' };
const gus: Asker = { key: 'participant-g1', role: 'guest', name: 'Gus' };


function setup(options: Partial<QuestionBoardOptions> = {}) {
  let time = 1_000_000;
  let ids = 0;
  const board = new QuestionBoard({ now: () => time, newId: () => `q${++ids}`, ...options });
  return { board, advance: (ms: number) => (time += ms), now: () => time };
}

/** The ids a person sees, in order. */
const ids = (board: QuestionBoard, viewer: { role: Role; key?: string }) => board.view(viewer).map((q) => q.id);

describe('who may do what in the Q&A', () => {
  it('covers every Q&A action in this test', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...QUESTION_ACTIONS].sort());
    expect(Object.keys(QUESTION_PERMISSIONS).sort()).toEqual([...QUESTION_ACTIONS].sort());
  });

  const cases = QUESTION_ACTIONS.flatMap((action) => ROLES.map((role, i) => ({ action, role, allowed: TABLE[action][i]!, verb: TABLE[action][i] ? 'may' : 'may not' })));
  it.each(cases)('a $role $verb $action', ({ action, role, allowed }) => {
    expect(questionAllows(role, action)).toBe(allowed);
  });

  const roles = ROLES.map((role, i) => ({ role, moderate: TABLE['question.moderate'][i]! }));
  it.each(roles)('a $role is held to the table for every moderation action', ({ role, moderate }) => {
    const { board } = setup();
    const actor = { key: `key-${role}`, role };
    board.ask(ann, 'What is a group?');
    board.ask(bob, 'What is a ring?');
    const attempt = (action: () => unknown) => (moderate ? expect(action).not.toThrow() : expectCode(action, 'NOT_ALLOWED'));
    attempt(() => board.setOrder(actor, 'time'));
    attempt(() => board.star(actor, 'q1', true));
    attempt(() => board.markAnswering(actor, 'q1'));
    attempt(() => board.markAnswered(actor, 'q1'));
    attempt(() => board.reopen(actor, 'q1'));
    attempt(() => board.dismiss(actor, 'q1'));
    attempt(() => board.merge(actor, 'q1', 'q2'));
    // Asking and upvoting are for everyone.
    expect(board.ask({ ...actor, name: role }, 'And a field?').status).toBe('open');
    expect(board.upvote(actor, 'q2')).toBe(true);
  });
});

describe('asking', () => {
  it('keeps a trimmed question with the asker, and shows it to everyone', () => {
    const { board, now } = setup();
    const view = board.ask(ann, '  What is a group?\r\n\r\n\r\n\r\nPlease.  ');
    expect(view).toEqual({
      id: 'q1', text: 'What is a group?\n\nPlease.', status: 'open', askedAt: now(), edited: false, votes: 0, starred: false, answeredAt: null,
      anonymous: false, askerName: 'Ann', askerKey: null, mine: true, votedByMe: false,
    });
    expect(board.question({ role: 'viewer' }, 'q1')).toMatchObject({ askerName: 'Ann', askerKey: null, mine: false });
    expect(board.question(mod, 'q1')).toMatchObject({ askerName: 'Ann', askerKey: 'acct-ann' });
  });

  it('refuses an empty question, one too long, and control characters', () => {
    const { board } = setup();
    expectCode(() => board.ask(ann, ' \n '), 'VALIDATION_FAILED');
    expectCode(() => board.ask(ann, 'x'.repeat(QUESTION_LIMITS.textMax + 1)), 'VALIDATION_FAILED');
    expectCode(() => board.ask(ann, 'Why\u0000?'), 'VALIDATION_FAILED');
    expectCode(() => board.ask(ann, 'Why \u2066this?'), 'VALIDATION_FAILED');
    expectCode(() => board.ask(ann, 'Half an emoji \ud83d?'), 'VALIDATION_FAILED');
    expectCode(() => board.ask(ann, ' '.repeat(QUESTION_LIMITS.textMax * 4 + 1)), 'VALIDATION_FAILED');
    expect(board.ask(ann, '🙂'.repeat(QUESTION_LIMITS.textMax)).text).toHaveLength(QUESTION_LIMITS.textMax * 2);
  });

  it('bounds the open questions per person and the questions per session', () => {
    const { board } = setup({ limits: { maxOpenPerAsker: 2, maxQuestions: 4 } });
    board.ask(ann, 'One?');
    board.ask(ann, 'Two?');
    expectCode(() => board.ask(ann, 'Three?'), 'INVALID_STATE');
    board.markAnswered(mod, 'q1');
    board.ask(ann, 'Three?');
    board.ask(bob, 'Four?');
    expectCode(() => board.ask(bob, 'Five?'), 'INVALID_STATE');
  });
});

describe('anonymous questions', () => {
  it('refuses to hide the asker when the room does not allow it', () => {
    const { board } = setup({ anonymity: 'off' });
    expectCode(() => board.ask(ann, 'Secret?', { anonymous: true }), 'NOT_ALLOWED');
    expect(board.view(mod)).toEqual([]);
  });

  const who = (board: QuestionBoard, role: Role) => board.question({ role }, 'q1')!.askerName;

  it('hides the asker from peers but not from moderators under "fromPeers"', () => {
    const { board } = setup({ anonymity: 'fromPeers' });
    expect(board.ask(ann, 'Secret?', { anonymous: true })).toMatchObject({ anonymous: true, askerName: null, mine: true });
    expect(ROLES.map((role) => who(board, role))).toEqual(['Ann', null, null, null, null]);
    expect(board.question(mod, 'q1')!.askerKey).toBe('acct-ann');
  });

  it("shows moderators the participant who asked, never the asker's key (a guest's stays on the server)", () => {
    const { board } = setup({ anonymity: 'fromPeers' });
    const tab1: Asker = { key: 'g:browser-secret', participantId: 'p-tab1', role: 'guest', name: 'Gia' };
    const tab2: Asker = { ...tab1, participantId: 'p-tab2' };
    board.ask(tab1, 'Named?');
    board.ask(tab1, 'Hidden?', { anonymous: true });
    for (const id of ['q1', 'q2']) expect(board.question(mod, id)).toMatchObject({ askerKey: 'p-tab1' });
    expect(JSON.stringify(ROLES.map((role) => board.view({ role })))).not.toContain('g:browser-secret');
    // The other tab of the same browser is the same asker: its questions, no upvote of its own.
    expect(board.question(tab2, 'q1')!.mine).toBe(true);
    expectCode(() => board.upvote(tab2, 'q1'), 'NOT_ALLOWED');
  });

  it('hides the asker from everyone, moderators included, under "full"', () => {
    const { board } = setup({ anonymity: 'full' });
    board.ask(ann, 'Secret?', { anonymous: true });
    expect(ROLES.map((role) => who(board, role))).toEqual([null, null, null, null, null]);
    expect(board.question(mod, 'q1')).toMatchObject({ askerKey: null, anonymous: true, mine: false });
    // The asker still recognizes their own question, and may still edit it.
    expect(board.question(ann, 'q1')!.mine).toBe(true);
    expect(board.edit(ann, 'q1', 'Secret, really?')).toBe(true);
  });

  it('names the asker to everyone when they do not ask to be hidden, whatever the setting', () => {
    for (const anonymity of ['off', 'fromPeers', 'full'] as AnonymityMode[]) {
      const { board } = setup({ anonymity });
      board.ask(ann, 'Open question?');
      expect(ROLES.map((role) => who(board, role))).toEqual(['Ann', 'Ann', 'Ann', 'Ann', 'Ann']);
    }
  });

  it('keeps the anonymity a question was asked with when the room setting changes', () => {
    const { board } = setup({ anonymity: 'full' });
    board.ask(ann, 'Secret?', { anonymous: true });
    board.setAnonymity('fromPeers');
    expect(board.question(mod, 'q1')!.askerName).toBeNull();
    board.ask(bob, 'Quiet?', { anonymous: true });
    expect(board.question(mod, 'q2')!.askerName).toBe('Bob');
    board.setAnonymity('off');
    expect(board.question({ role: 'participant' }, 'q2')!.askerName).toBeNull();
    expect(board.anonymity).toBe('off');
  });
});

describe('upvoting', () => {
  it('counts one upvote per person, and takes it back on request', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    expect(board.upvote(bob, 'q1')).toBe(true);
    expect(board.upvote(bob, 'q1')).toBe(false);
    expect(board.upvote(vic, 'q1')).toBe(true);
    expect(board.upvote(gus, 'q1')).toBe(true);
    expect(board.question(bob, 'q1')).toMatchObject({ votes: 3, votedByMe: true });
    expect(board.unvote(bob, 'q1')).toBe(true);
    expect(board.unvote(bob, 'q1')).toBe(false);
    expect(board.question(bob, 'q1')).toMatchObject({ votes: 2, votedByMe: false });
  });

  it("refuses an upvote on one's own question", () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    expectCode(() => board.upvote(ann, 'q1'), 'NOT_ALLOWED');
    expect(board.question(ann, 'q1')!.votes).toBe(0);
  });

  it('takes upvotes while a question is open or being answered, not after', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    board.markAnswering(mod, 'q1');
    expect(board.upvote(bob, 'q1')).toBe(true);
    board.markAnswered(mod, 'q1');
    expectCode(() => board.upvote(vic, 'q1'), 'INVALID_STATE');
    expectCode(() => board.unvote(bob, 'q1'), 'INVALID_STATE');
    expectCode(() => board.upvote(vic, 'q9'), 'NOT_FOUND');
  });
});

describe('running the Q&A', () => {
  /** Three questions: q1 (1 vote), q2 (2 votes), q3 (2 votes, asked last). */
  function busyBoard(options: Partial<QuestionBoardOptions> = {}) {
    const s = setup(options);
    s.board.ask(ann, 'First?');
    s.advance(1_000);
    s.board.ask(bob, 'Second?');
    s.advance(1_000);
    s.board.ask(vic, 'Third?');
    s.board.upvote(bob, 'q1');
    s.board.upvote(ann, 'q2');
    s.board.upvote(vic, 'q2');
    s.board.upvote(ann, 'q3');
    s.board.upvote(gus, 'q3');
    return s;
  }

  it('orders by votes then time by default, or by time when a moderator or presenter says so', () => {
    const { board } = busyBoard();
    expect(board.order).toBe('votes');
    expect(ids(board, ann)).toEqual(['q2', 'q3', 'q1']);
    expect(board.setOrder(pres, 'time')).toBe(true);
    expect(board.setOrder(pres, 'time')).toBe(false);
    expect(ids(board, ann)).toEqual(['q1', 'q2', 'q3']);
    expectCode(() => board.setOrder(mod, 'random' as 'time'), 'VALIDATION_FAILED');
  });

  it('puts the question being answered on top, answered ones after the open ones, in the order answered', () => {
    const { board, advance } = busyBoard();
    board.markAnswered(mod, 'q3');
    advance(1_000);
    board.markAnswered(mod, 'q2');
    board.markAnswering(mod, 'q1');
    board.ask(gus, 'Fourth?');
    expect(board.view(ann).map((q) => [q.id, q.status])).toEqual([['q1', 'answering'], ['q4', 'open'], ['q3', 'answered'], ['q2', 'answered']]);
    expect(board.openQuestions(ann).map((q) => q.id)).toEqual(['q1', 'q4']);
  });

  it('marks one question "answering now" at a time; the previous one goes back to open', () => {
    const { board } = busyBoard();
    expect(board.markAnswering(mod, 'q1')).toEqual({ changed: true, previous: null });
    expect(board.markAnswering(mod, 'q1')).toEqual({ changed: false, previous: null });
    expect(board.markAnswering(pres, 'q2')).toEqual({ changed: true, previous: 'q1' });
    expect(board.answering).toBe('q2');
    expect(board.question(ann, 'q1')!.status).toBe('open');
    expect(board.view(ann).filter((q) => q.status === 'answering')).toHaveLength(1);
    board.markAnswered(mod, 'q2');
    expect(board.answering).toBeNull();
    expectCode(() => board.markAnswering(mod, 'q2'), 'INVALID_STATE');
  });

  it('marks answered once, with the time, and can reopen', () => {
    const { board, now } = busyBoard();
    expect(board.markAnswered(mod, 'q1')).toBe(true);
    expect(board.markAnswered(mod, 'q1')).toBe(false);
    expect(board.question(ann, 'q1')).toMatchObject({ status: 'answered', answeredAt: now() });
    expect(board.reopen(mod, 'q1')).toBe(true);
    expect(board.reopen(mod, 'q1')).toBe(false);
    expect(board.question(ann, 'q1')).toMatchObject({ status: 'open', answeredAt: null });
  });

  it('stars and unstars a question for everyone to see', () => {
    const { board } = busyBoard();
    expect(board.star(pres, 'q3', true)).toBe(true);
    expect(board.star(pres, 'q3', true)).toBe(false);
    expect(board.question({ role: 'viewer' }, 'q3')!.starred).toBe(true);
    expect(board.star(mod, 'q3', false)).toBe(true);
  });

  it('shows a dismissed question only to moderators and presenters, who may bring it back', () => {
    const { board } = busyBoard();
    expect(board.dismiss(pres, 'q2')).toBe(true);
    expect(board.dismiss(pres, 'q2')).toBe(false);
    expect(ids(board, mod)).toEqual(['q3', 'q1', 'q2']);
    expect(ids(board, pres)).toEqual(['q3', 'q1', 'q2']);
    for (const viewer of [ann, bob, vic, gus]) expect(ids(board, viewer)).toEqual(['q3', 'q1']);
    expect(board.question(bob, 'q2')).toBeNull();
    // To everyone else it no longer exists, even its asker.
    expectCode(() => board.upvote(ann, 'q2'), 'NOT_FOUND');
    expectCode(() => board.edit(bob, 'q2', 'Second, again?'), 'NOT_FOUND');
    board.reopen(mod, 'q2');
    expect(ids(board, ann)).toEqual(['q2', 'q3', 'q1']);
  });

  it('merges a duplicate: every voter of either counts once, with the duplicate asker, never the kept asker', () => {
    const { board } = setup();
    board.ask(ann, 'What is a group?'); // q1
    board.ask(bob, 'What is a group, exactly?'); // q2
    board.upvote(vic, 'q1');
    board.upvote(gus, 'q1');
    board.upvote(vic, 'q2'); // Vic voted on both
    board.upvote(ann, 'q2'); // Ann voted on the duplicate of her own question
    board.star(mod, 'q2', true);
    expect(board.merge(mod, 'q2', 'q1')).toBe(true);
    // Vic, Gus and Bob (who asked the duplicate); not Ann, who asked the kept one.
    expect(board.question(mod, 'q1')).toMatchObject({ votes: 3, starred: true, text: 'What is a group?' });
    expect(board.question(vic, 'q1')!.votedByMe).toBe(true);
    expect(board.question(bob, 'q1')!.votedByMe).toBe(true);
    expect(board.question(ann, 'q1')!.votedByMe).toBe(false);
    expect(ids(board, mod)).toEqual(['q1']);
    expect(board.question(mod, 'q2')).toBeNull();
    expectCode(() => board.merge(mod, 'q2', 'q1'), 'NOT_FOUND');
    expectCode(() => board.upvote(gus, 'q2'), 'NOT_FOUND');
    expect(board.toRecord().questions.find((q) => q.id === 'q2')).toMatchObject({ status: 'merged', mergedInto: 'q1' });
  });

  it('refuses merges that make no sense', () => {
    const { board } = busyBoard();
    expectCode(() => board.merge(mod, 'q1', 'q1'), 'INVALID_STATE');
    board.markAnswering(mod, 'q1');
    expectCode(() => board.merge(mod, 'q1', 'q2'), 'INVALID_STATE');
    board.dismiss(mod, 'q3');
    expectCode(() => board.merge(mod, 'q2', 'q3'), 'INVALID_STATE');
    // A dismissed duplicate may go into the question being answered.
    expect(board.merge(mod, 'q3', 'q1')).toBe(true);
  });
});

describe("the asker's own question", () => {
  it('may be edited while open: upvotes are kept and everyone sees it was edited', () => {
    const { board } = setup();
    board.ask(ann, 'Wat is a group?');
    board.upvote(bob, 'q1');
    expect(board.edit(ann, 'q1', ' What is a group? ')).toBe(true);
    expect(board.edit(ann, 'q1', 'What is a group?')).toBe(false);
    expect(board.question({ role: 'viewer' }, 'q1')).toMatchObject({ text: 'What is a group?', edited: true, votes: 1 });
    expectCode(() => board.edit(ann, 'q1', ''), 'VALIDATION_FAILED');
  });

  it('may be withdrawn while open, and disappears with its votes', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    board.upvote(bob, 'q1');
    board.withdraw(ann, 'q1');
    expect(board.view(mod)).toEqual([]);
    expect(board.toRecord().questions).toEqual([]);
  });

  it('is changed by its asker only, and only before it is answered', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    expectCode(() => board.edit(bob, 'q1', 'Why not?'), 'NOT_ALLOWED');
    expectCode(() => board.withdraw(mod, 'q1'), 'NOT_ALLOWED');
    board.markAnswering(mod, 'q1');
    expectCode(() => board.edit(ann, 'q1', 'Why not?'), 'INVALID_STATE');
    expectCode(() => board.withdraw(ann, 'q1'), 'INVALID_STATE');
    board.markAnswered(mod, 'q1');
    expectCode(() => board.withdraw(ann, 'q1'), 'INVALID_STATE');
  });
});

describe('late joiners and storage', () => {
  it('gives a late joiner the questions still to answer, in order, as they may see them', () => {
    const { board } = setup({ anonymity: 'fromPeers' });
    board.ask(ann, 'Hidden?', { anonymous: true });
    board.ask(bob, 'Named?');
    board.ask(vic, 'Done?');
    board.upvote(ann, 'q2');
    board.markAnswered(mod, 'q3');
    const late = { key: 'acct-late', role: 'participant' as const };
    expect(board.openQuestions(late).map((q) => [q.id, q.askerName, q.votes])).toEqual([['q2', 'Bob', 1], ['q1', null, 0]]);
  });

  it('is stored and rebuilt as one JSON record per live session', () => {
    const { board, now } = setup({ anonymity: 'full' });
    board.ask(ann, 'Hidden?', { anonymous: true });
    board.ask(bob, 'Named?');
    board.upvote(ann, 'q2');
    board.star(mod, 'q1', true);
    board.setOrder(mod, 'time');
    board.markAnswering(mod, 'q2');
    const record = JSON.parse(JSON.stringify(board.toRecord())) as ReturnType<QuestionBoard['toRecord']>;
    let ids = 10;
    const copy = QuestionBoard.fromRecord(record, { now, newId: () => `q${++ids}` });
    expect(copy.toRecord()).toEqual(board.toRecord());
    for (const viewer of [mod, ann, bob, { role: 'viewer' as const }]) expect(copy.view(viewer)).toEqual(board.view(viewer));
    // The rebuilt board carries on with the same rules.
    expect(copy.upvote(ann, 'q2')).toBe(false);
    expect(copy.markAnswering(mod, 'q1')).toEqual({ changed: true, previous: 'q2' });
  });
});

describe('deciding, then applying the log (Chat-style, on every instance)', () => {
  it('decides without changing anything', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    const before = board.toRecord();
    expect(board.decideAsk(bob, 'How?')).toMatchObject({ type: 'asked', question: { id: 'q2', text: 'How?', askerKey: bob.key, hidden: 'nobody' } });
    expect(board.decideUpvote(bob, 'q1')).toEqual({ type: 'upvoted', id: 'q1', key: bob.key });
    expect(board.decideUnvote(bob, 'q1')).toBeNull();
    expect(board.decideAnswering(mod, 'q1')).toEqual({ type: 'answering', id: 'q1' });
    expect(board.decideWithdraw(ann, 'q1')).toEqual({ type: 'withdrawn', id: 'q1' });
    expect(board.toRecord()).toEqual(before);
  });

  it('ignores changes that an earlier one made moot', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    board.ask(bob, 'Why, again?');
    const upvote = board.decideUpvote(bob, 'q1')!;
    const merge = board.decideMerge(mod, 'q1', 'q2');
    const withdraw = board.decideWithdraw(ann, 'q1');
    expect(board.apply(withdraw)).toBe(true);
    expect(board.apply(upvote)).toBe(false);
    expect(board.apply(merge)).toBe(false);
    expect(board.apply(withdraw)).toBe(false);
    expect(ids(board, mod)).toEqual(['q2']);
  });

  it('keeps one question "answering now" when two were picked at the same time: the later one wins', () => {
    const { board } = setup();
    board.ask(ann, 'Why?');
    board.ask(bob, 'How?');
    const first = board.decideAnswering(mod, 'q1')!;
    const second = board.decideAnswering(pres, 'q2')!;
    expect(board.apply(first)).toBe(true);
    expect(board.apply(second)).toBe(true);
    expect(board.answering).toBe('q2');
    expect(board.view(mod).map((q) => q.status)).toEqual(['answering', 'open']);
  });

  type Command =
    | { kind: 'ask'; person: number; anonymous: boolean }
    | { kind: 'upvote' | 'unvote' | 'withdraw'; person: number; question: number }
    | { kind: 'answering' | 'answered' | 'dismiss' | 'reopen' | 'star'; question: number }
    | { kind: 'merge'; question: number; into: number }
    | { kind: 'order' }
    | { kind: 'commit' };
  const PEOPLE = [ann, bob, vic, gus];
  const person = fc.nat(PEOPLE.length - 1);
  const question = fc.nat(7);
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('ask' as const), person, anonymous: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('upvote' as const, 'unvote' as const, 'withdraw' as const), person, question }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('answering' as const, 'answered' as const, 'dismiss' as const, 'reopen' as const, 'star' as const), question }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), question, into: question }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'order' as const }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'commit' as const }) },
  );

  it('agrees on every instance, keeps at most one "answering now", and never counts an asker or a voter twice', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80, size: 'max' }), (commands) => {
        const { board, advance } = setup({ anonymity: 'fromPeers' });
        let pending: QuestionChange[] = [];
        const log: QuestionChange[] = [];
        const commit = () => {
          for (const change of pending) {
            board.apply(change);
            log.push(change);
          }
          pending = [];
        };
        const decide = (action: () => QuestionChange | null) => {
          try {
            const change = action();
            if (change) pending.push(change);
          } catch (error) {
            expect(error).toBeInstanceOf(AmphiError);
          }
        };
        for (const c of commands) {
          advance(1_000);
          const id = 'question' in c ? `q${c.question + 1}` : '';
          if (c.kind === 'commit') commit();
          else if (c.kind === 'ask') decide(() => board.decideAsk(PEOPLE[c.person]!, 'Why?', { anonymous: c.anonymous }));
          else if (c.kind === 'upvote') decide(() => board.decideUpvote(PEOPLE[c.person]!, id));
          else if (c.kind === 'unvote') decide(() => board.decideUnvote(PEOPLE[c.person]!, id));
          else if (c.kind === 'withdraw') decide(() => board.decideWithdraw(PEOPLE[c.person]!, id));
          else if (c.kind === 'answering') decide(() => board.decideAnswering(mod, id));
          else if (c.kind === 'answered') decide(() => board.decideAnswered(pres, id));
          else if (c.kind === 'dismiss') decide(() => board.decideDismiss(mod, id));
          else if (c.kind === 'reopen') decide(() => board.decideReopen(pres, id));
          else if (c.kind === 'star') decide(() => board.decideStar(mod, id, true));
          else if (c.kind === 'merge') decide(() => board.decideMerge(mod, id, `q${c.into + 1}`));
          else decide(() => board.decideOrder(mod, board.order === 'votes' ? 'time' : 'votes'));
        }
        commit();
        const record = board.toRecord();
        expect(record.questions.filter((q) => q.status === 'answering').length).toBeLessThanOrEqual(1);
        for (const q of record.questions) {
          expect(q.voters).not.toContain(q.askerKey);
          expect(new Set(q.voters).size).toBe(q.voters.length);
        }
        const replica = new QuestionBoard({ now: () => 0, newId: () => 'unused', anonymity: 'fromPeers' });
        for (const change of log) replica.apply(JSON.parse(JSON.stringify(change)) as QuestionChange);
        expect(replica.toRecord()).toEqual(record);
        for (const viewer of [mod, pres, ann, { role: 'viewer' as const }]) expect(replica.view(viewer)).toEqual(board.view(viewer));
      }),
      { numRuns: 200 },
    );
  });
});
