import { INTERACTION_LIMITS } from '@amphi/client';
import type { PollDraft, PollView } from '@amphi/protocol';

/** Timer choices of the poll form, in milliseconds (null: closed by hand). */
export const POLL_TIMERS = { none: null, s30: 30_000, m1: 60_000, m2: 120_000, m5: 300_000 } as const;
export type PollTimer = keyof typeof POLL_TIMERS;

/** What the poll form holds while a moderator writes. */
export interface PollForm {
  question: string;
  kind: PollDraft['kind'];
  /** Option texts, blank ones included (they are left out of the draft). */
  options: string[];
  /** Whether each option (same index) is a correct answer: any ticked makes the poll a quiz. */
  correct: boolean[];
  timer: PollTimer;
}

export const EMPTY_POLL_FORM: PollForm = { question: '', kind: 'single', options: ['', ''], correct: [false, false], timer: 'none' };

/**
 * The draft to send, or null while the form is not complete (a question and at least two
 * options). Blank options are left out; the correct answers follow their options. The server
 * checks the rest (lengths, duplicates, one correct answer for a single-choice quiz).
 */
export function toPollDraft(form: PollForm): PollDraft | null {
  const question = form.question.trim();
  const kept = form.options.map((text, i) => ({ text: text.trim(), correct: form.correct[i] ?? false })).filter((o) => o.text !== '');
  if (question === '' || kept.length < INTERACTION_LIMITS.pollMinOptions) return null;
  const correct = kept.flatMap((o, i) => (o.correct ? [i] : []));
  const durationMs = POLL_TIMERS[form.timer];
  return {
    question,
    options: kept.map((o) => o.text),
    kind: form.kind,
    ...(correct.length > 0 ? { correct } : {}),
    ...(durationMs !== null ? { durationMs } : {}),
  };
}

/** Ticks or unticks a correct answer; a single-choice quiz has exactly one. */
export function markCorrect(form: PollForm, index: number, correct: boolean): boolean[] {
  if (form.kind === 'single') return form.options.map((_, i) => (i === index ? correct : false));
  return form.options.map((_, i) => (i === index ? correct : (form.correct[i] ?? false)));
}

/** Each option's share of the voters, in whole percents (0 when nobody voted). */
export function percents(results: NonNullable<PollView['results']>): number[] {
  return results.counts.map((count) => (results.voters === 0 ? 0 : Math.round((count / results.voters) * 100)));
}

/** Remaining time as m:ss (rounded up to the second; 0:00 once passed). */
export function formatRemaining(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
