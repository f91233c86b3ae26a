import type { InteractionEvent, QuestionView } from '@amphi/protocol';
import { describe, expect, it } from 'vitest';
import { InteractionModel, sortQuestions, type InteractionSnapshot } from './InteractionModel.js';

const SELF = 'p-self';
const model = () => new InteractionModel(() => SELF);
const empty: InteractionSnapshot = {
  type: 'interaction.snapshot',
  lastSeq: 0,
  chat: [],
  chatState: { enabled: true, muted: false, mutedParticipants: [] },
  polls: [],
  questions: [],
  questionOrder: 'votes',
  qaAnonymity: 'fromPeers',
};
const message = (seq: number, text: string): InteractionEvent => ({
  seq,
  at: seq,
  mediaTime: null,
  kind: 'chat.message',
  from: { id: 'p-other', name: 'Bob', role: 'participant' },
  to: 'room',
  text,
});
const question = (id: string, change: Partial<QuestionView> = {}): QuestionView => ({
  id,
  text: `Question ${id}`,
  status: 'open',
  askedAt: 0,
  edited: false,
  votes: 0,
  starred: false,
  answeredAt: null,
  anonymous: false,
  askerName: 'Bob',
  askerKey: null,
  mine: false,
  votedByMe: false,
  ...change,
});
const questionEvent = (seq: number, view: QuestionView | null, extra: Partial<Extract<InteractionEvent, { kind: 'question' }>> = {}): InteractionEvent => ({
  seq,
  at: seq,
  mediaTime: null,
  kind: 'question',
  questionId: view?.id ?? 'q?',
  change: 'upvoted',
  question: view,
  personal: false,
  ...extra,
});

describe('InteractionModel: chat', () => {
  it('removes a deleted message’s text, even when the message is shown after its deletion', () => {
    const m = model();
    m.reset(empty);
    m.apply(message(1, 'spam'));
    m.apply({ seq: 3, at: 3, mediaTime: null, kind: 'chat.deleted', target: 1 });
    m.apply({ seq: 4, at: 4, mediaTime: null, kind: 'chat.deleted', target: 2 });
    // Message 2 was held back (delayed playback) and comes after its deletion.
    m.apply(message(2, 'more spam'));
    expect(m.chat.map((c) => [c.seq, c.text])).toEqual([
      [1, null],
      [2, null],
    ]);
  });

  it('keeps the last 200 messages in seq order', () => {
    const m = model();
    m.reset(empty);
    for (let seq = 1; seq <= 205; seq++) m.apply(message(seq, `m${seq}`));
    expect(m.chat).toHaveLength(200);
    expect(m.chat[0]!.seq).toBe(6);
  });

  it('knows when one is muted, and who is muted', () => {
    const m = model();
    m.reset(empty);
    m.apply({ seq: 1, at: 1, mediaTime: null, kind: 'chat.muted', participantId: SELF, muted: true });
    m.apply({ seq: 2, at: 2, mediaTime: null, kind: 'chat.muted', participantId: 'p-other', muted: true });
    m.apply({ seq: 3, at: 3, mediaTime: null, kind: 'chat.muted', participantId: 'p-other', muted: false });
    m.apply({ seq: 4, at: 4, mediaTime: null, kind: 'chat.switched', enabled: false });
    expect(m.chatState).toEqual({ enabled: false, muted: true, mutedParticipants: [SELF] });
  });
});

describe('InteractionModel: questions', () => {
  it('keeps one’s vote and authorship when an event was rendered for everyone, and takes them from one’s own events', () => {
    const m = model();
    m.reset({ ...empty, questions: [question('q1', { mine: true })] });
    m.apply(questionEvent(1, question('q1', { votes: 1 })));
    expect(m.question('q1')).toMatchObject({ votes: 1, mine: true, votedByMe: false });
    m.apply(questionEvent(2, question('q2')));
    m.apply(questionEvent(3, question('q2', { votes: 1, votedByMe: true }), { personal: true }));
    m.apply(questionEvent(4, question('q2', { votes: 2 })));
    expect(m.question('q2')).toMatchObject({ votes: 2, votedByMe: true });
  });

  it('never lets an older view replace a newer one (one’s own event shown before a held one)', () => {
    const m = model();
    m.reset(empty);
    m.apply(questionEvent(5, question('q1', { votes: 3, votedByMe: true }), { personal: true }));
    m.apply(questionEvent(4, question('q1', { votes: 2 })));
    expect(m.question('q1')!.votes).toBe(3);
  });

  it('answers one question at a time, and sorts the one being answered first, then open ones by votes', () => {
    const m = model();
    m.reset({ ...empty, questions: [question('a', { askedAt: 1, votes: 1 }), question('b', { askedAt: 2, votes: 5 }), question('c', { askedAt: 3, votes: 2 })] });
    expect(m.questions.map((q) => q.id)).toEqual(['b', 'c', 'a']);
    m.apply(questionEvent(1, question('a', { askedAt: 1, votes: 1, status: 'answering' }), { change: 'answering' }));
    m.apply(questionEvent(2, question('c', { askedAt: 3, votes: 2, status: 'answering' }), { change: 'answering' }));
    expect(m.questions.map((q) => [q.id, q.status])).toEqual([
      ['c', 'answering'],
      ['b', 'open'],
      ['a', 'open'],
    ]);
    m.apply({ seq: 3, at: 3, mediaTime: null, kind: 'question.order', order: 'time' });
    expect(m.questions.map((q) => q.id)).toEqual(['c', 'a', 'b']);
  });

  it('merges a duplicate into the question kept, which counts one’s vote on the duplicate', () => {
    const m = model();
    m.reset({ ...empty, questions: [question('dup', { votedByMe: true, votes: 1 }), question('kept', { votes: 2 })] });
    m.apply(questionEvent(1, null, { questionId: 'dup', change: 'merged', into: question('kept', { votes: 4 }) }));
    expect(m.questions).toEqual([question('kept', { votes: 4, votedByMe: true })]);
  });

  it('sorts answered questions in the order they were answered, after the open ones', () => {
    const sorted = sortQuestions([question('x', { status: 'answered', answeredAt: 20 }), question('y', { status: 'answered', answeredAt: 10 }), question('z', { status: 'dismissed' }), question('w')], 'votes');
    expect(sorted.map((q) => q.id)).toEqual(['w', 'y', 'x', 'z']);
  });
});
