import { describe, expect, it } from 'vitest';
import { EMPTY_POLL_FORM, formatRemaining, markCorrect, percents, toPollDraft, type PollForm } from './pollDraft.js';

const form = (change: Partial<PollForm>): PollForm => ({ ...EMPTY_POLL_FORM, ...change });

describe('toPollDraft', () => {
  it('waits for a question and two options', () => {
    expect(toPollDraft(form({ question: 'Best day?', options: ['Monday', '  '] }))).toBeNull();
    expect(toPollDraft(form({ question: '  ', options: ['Monday', 'Friday'] }))).toBeNull();
  });

  it('leaves blank options out, and keeps each correct answer with its option', () => {
    const draft = toPollDraft(form({ question: ' 2 + 2? ', kind: 'multiple', options: ['3', '', '4', 'four'], correct: [false, true, true, true], timer: 's30' }));
    expect(draft).toEqual({ question: '2 + 2?', options: ['3', '4', 'four'], kind: 'multiple', correct: [1, 2], durationMs: 30_000 });
  });

  it('sends a plain poll without correct answers nor timer', () => {
    expect(toPollDraft(form({ question: 'Coffee?', options: ['Yes', 'No'] }))).toEqual({ question: 'Coffee?', options: ['Yes', 'No'], kind: 'single' });
  });
});

describe('markCorrect', () => {
  it('keeps one correct answer in a single-choice quiz, several in a multiple-choice one', () => {
    expect(markCorrect(form({ options: ['a', 'b', 'c'], correct: [true, false, false] }), 2, true)).toEqual([false, false, true]);
    expect(markCorrect(form({ kind: 'multiple', options: ['a', 'b', 'c'], correct: [true, false, false] }), 2, true)).toEqual([true, false, true]);
  });
});

describe('poll results and countdown', () => {
  it('gives each option its share of the voters', () => {
    expect(percents({ counts: [2, 1, 0], voters: 3, correctVoters: null })).toEqual([67, 33, 0]);
    expect(percents({ counts: [0, 0], voters: 0, correctVoters: null })).toEqual([0, 0]);
  });

  it('shows the time left as minutes and seconds, rounded up', () => {
    expect(formatRemaining(61_001)).toBe('1:02');
    expect(formatRemaining(9_000)).toBe('0:09');
    expect(formatRemaining(-5)).toBe('0:00');
  });
});
