import type { InteractionEvent, QuestionView } from '@amphi/protocol';
import { describe, expect, it } from 'vitest';
import { countNew } from './unread.js';

const base = { at: 0, mediaTime: null };
const message = (seq: number, fromId: string): InteractionEvent => ({ ...base, seq, kind: 'chat.message', from: { id: fromId, name: fromId, role: 'participant' }, to: 'room', text: 'hi' });
const question: QuestionView = {
  id: 'q1',
  text: 'Why?',
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
};

describe('countNew', () => {
  it('counts others’ messages and questions and the polls opened or revealed, not one’s own doings', () => {
    const events: InteractionEvent[] = [
      message(1, 'bob'),
      message(2, 'me'),
      message(3, 'carol'),
      { ...base, seq: 4, kind: 'question', questionId: 'q1', change: 'asked', question, personal: false },
      { ...base, seq: 5, kind: 'question', questionId: 'q2', change: 'asked', question: { ...question, id: 'q2', mine: true }, personal: true },
      { ...base, seq: 6, kind: 'question', questionId: 'q1', change: 'upvoted', question, personal: false },
      { ...base, seq: 7, kind: 'poll', pollId: 'p1', change: 'opened', poll: null, personal: false },
      { ...base, seq: 8, kind: 'poll', pollId: 'p1', change: 'voted', poll: null, personal: true },
    ];
    expect(countNew(events, 'me')).toEqual({ chat: 2, questions: 1, polls: 1 });
  });
});
