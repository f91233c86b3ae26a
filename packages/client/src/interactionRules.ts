import type { Role } from '@amphi/protocol';

/**
 * What a role may do in the interaction layer, to show the right controls. A copy of the
 * server's tables (interaction/Chat.ts `chatRights`, pollRules.ts, questionRules.ts): the
 * server still decides, and refuses with NOT_ALLOWED whatever they do not allow.
 */
export interface InteractionRights {
  /** Delete messages, mute a person's chat, switch the chat off. */
  moderateChat: boolean;
  /** Create, open, close and reveal polls; see live counts. */
  runPolls: boolean;
  /** Vote in polls (those who run them see live counts, so they do not vote). */
  vote: boolean;
  /** Star, mark "answering now" / answered, dismiss, merge, order questions. */
  runQuestions: boolean;
}

const RUNS: ReadonlySet<Role> = new Set<Role>(['moderator', 'presenter']);

export function interactionRights(role: Role | undefined): InteractionRights {
  if (role === undefined) return { moderateChat: false, runPolls: false, vote: false, runQuestions: false };
  return { moderateChat: role === 'moderator', runPolls: RUNS.has(role), vote: !RUNS.has(role), runQuestions: RUNS.has(role) };
}

/** The server's length and count limits, for composers (length caps and counters). */
export const INTERACTION_LIMITS = Object.freeze({
  /** Characters in a chat message. */
  chatMax: 1000,
  /** Characters in a question. */
  questionMax: 500,
  /** Characters in a poll's question, and in one option. */
  pollQuestionMax: 300,
  pollOptionMax: 120,
  pollMinOptions: 2,
  pollMaxOptions: 10,
  /** Shortest and longest poll timer (ms). */
  pollMinDurationMs: 5_000,
  pollMaxDurationMs: 3_600_000,
});
