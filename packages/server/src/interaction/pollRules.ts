import { AmphiError, POLL_LIMITS, type Role } from '@amphi/protocol';
import { cleanText } from './cleanText.js';

// The vocabulary of polls (limits, who may do what, what is sent, stored and shown) and the
// check of a draft, apart from the Poll that enforces them. Re-exported by Poll.ts. The limits
// and the table of who may do what live in @amphi/protocol (interactionRules.ts), shared with
// the client; they are re-exported here so the domain reads as one vocabulary.
export { POLL_ACTIONS, POLL_LIMITS, POLL_PERMISSIONS, pollAllows, type PollAction } from '@amphi/protocol';

export type PollKind = 'single' | 'multiple';
export type PollState = 'draft' | 'open' | 'closed' | 'revealed';

/** What the person writing a poll sends. */
export interface PollDraft {
  question: string;
  options: readonly string[];
  kind: PollKind;
  /** Multiple choice: most options one ballot may pick (default: all of them). */
  maxChoices?: number | undefined;
  /** Indices of the correct options: makes the poll a quiz. Single choice: exactly one. */
  correct?: readonly number[] | undefined;
  /** Voting time in milliseconds from opening (default: until closed by hand). */
  durationMs?: number | undefined;
}

/** Who acts: their role decides, their key identifies their ballot. */
export interface Voter {
  /** Account id when signed in, else participant id (stable across reconnects and tabs). */
  key: string;
  role: Role;
}

/** Who looks: without a key, what everyone of that role sees (no `myChoices`). */
export interface PollViewer {
  role: Role;
  key?: string | undefined;
}

/** What one person may see of a poll: the wire's view (one declaration, in protocol). */
export type { PollResults, PollView } from '@amphi/protocol';

/** Everything about a poll, for storage per live session. */
export interface PollRecord {
  id: string;
  state: PollState;
  question: string;
  options: string[];
  kind: PollKind;
  maxChoices: number;
  correct: number[] | null;
  durationMs: number | null;
  createdAt: number;
  openedAt: number | null;
  deadline: number | null;
  closedAt: number | null;
  revealedAt: number | null;
  /** Each voter's ballot, in order of first vote. */
  ballots: [key: string, choices: number[]][];
}

export interface VoteOutcome {
  /** False when the ballot was already exactly this (a retry or a double click). */
  changed: boolean;
  /** The ballot as stored: sorted option indices. */
  choices: number[];
}

/** The content of a poll as checked: what a draft becomes. */
export type PollContent = Pick<PollRecord, 'question' | 'options' | 'kind' | 'maxChoices' | 'correct' | 'durationMs'>;

/** A decided change to a poll: the payload of one event. Times are ms since epoch. */
export type PollChange =
  | { type: 'created'; pollId: string; content: PollContent; at: number }
  | { type: 'edited'; pollId: string; content: PollContent }
  | { type: 'removed'; pollId: string }
  | { type: 'opened'; pollId: string; at: number; deadline: number | null }
  | { type: 'closed'; pollId: string; at: number }
  | { type: 'revealed'; pollId: string; at: number }
  | { type: 'voted'; pollId: string; key: string; choices: number[] };

/** Checks and normalizes a draft (or content already checked); never mutates it. */
export function checkPollDraft(draft: PollDraft | PollContent): PollContent {
  const question = cleanText(draft.question, { field: 'Question', max: POLL_LIMITS.questionMax });
  if (draft.kind !== 'single' && draft.kind !== 'multiple') throw new AmphiError('VALIDATION_FAILED', 'Unknown poll kind.');
  if (!Array.isArray(draft.options) || draft.options.length < POLL_LIMITS.minOptions || draft.options.length > POLL_LIMITS.maxOptions) {
    throw new AmphiError('VALIDATION_FAILED', `A poll has ${POLL_LIMITS.minOptions} to ${POLL_LIMITS.maxOptions} options.`);
  }
  const options = draft.options.map((option, i) => cleanText(option, { field: `Option ${i + 1}`, max: POLL_LIMITS.optionMax }));
  // Two options with the same text would make the results ambiguous.
  if (new Set(options.map((o) => o.toLocaleLowerCase())).size !== options.length) {
    throw new AmphiError('VALIDATION_FAILED', 'Two options have the same text.');
  }
  let maxChoices = 1;
  if (draft.kind === 'multiple') {
    maxChoices = draft.maxChoices ?? options.length;
    if (!Number.isInteger(maxChoices) || maxChoices < 1 || maxChoices > options.length) {
      throw new AmphiError('VALIDATION_FAILED', `At most 1 to ${options.length} choices.`);
    }
  } else if (draft.maxChoices !== undefined && draft.maxChoices !== 1) {
    throw new AmphiError('VALIDATION_FAILED', 'A single-choice poll takes one choice.');
  }
  let correct: number[] | null = null;
  if (draft.correct !== undefined && draft.correct !== null) {
    if (!Array.isArray(draft.correct) || draft.correct.length === 0) throw new AmphiError('VALIDATION_FAILED', 'A quiz needs a correct answer.');
    correct = sortedIndices(draft.correct, options.length, 'Correct answer');
    if (correct.length > maxChoices) throw new AmphiError('VALIDATION_FAILED', 'The correct answer has more options than a ballot may pick.');
  }
  let durationMs: number | null = null;
  if (draft.durationMs !== undefined && draft.durationMs !== null) {
    durationMs = draft.durationMs;
    if (!Number.isInteger(durationMs) || durationMs < POLL_LIMITS.minDurationMs || durationMs > POLL_LIMITS.maxDurationMs) {
      throw new AmphiError('VALIDATION_FAILED', `The timer lasts ${POLL_LIMITS.minDurationMs / 1000} s to ${POLL_LIMITS.maxDurationMs / 60_000} min.`);
    }
  }
  return { question, options, kind: draft.kind, maxChoices, correct, durationMs };
}

/** Distinct, in-range option indices, sorted (a ballot or a correct answer). */
export function sortedIndices(values: readonly number[], count: number, field: string): number[] {
  for (const i of values) {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new AmphiError('VALIDATION_FAILED', `${field} is not one of the options.`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  if (new Set(sorted).size !== sorted.length) throw new AmphiError('VALIDATION_FAILED', `${field} lists an option twice.`);
  return sorted;
}

export function sameChoices(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
