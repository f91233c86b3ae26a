import type { Role } from './roles.js';

// The interaction layer's rules that both ends need: who may do what (by role) and how long
// a text may be. The server's pure domain (interaction/) enforces them exactly and refuses
// with NOT_ALLOWED or VALIDATION_FAILED; the client reads them to show the right controls and
// length counters. One declaration here, so the two never drift apart. Plain data and pure
// functions: no zod needed.

// ---------------------------------------------------------------- chat

/** Longest chat message, in characters (Unicode code points) after trimming. */
export const CHAT_MAX_LENGTH = 1000;

/** What a person may do in the chat right now. */
export interface ChatRights {
  /** Write to the room. */
  readonly public: boolean;
  /** Write privately to the moderators. */
  readonly private: boolean;
  /** Delete messages, mute people, switch the chat on and off. */
  readonly moderate: boolean;
}

/**
 * Who may write, decided by role and state. Moderators always may (even with the chat off);
 * everyone else writes to the room while the chat is on and they are not muted. Writing to
 * the moderators stays open when the chat is off (it is how one asks for help), but not when
 * muted: a mute silences a person in the whole chat.
 */
export function chatRights(role: Role, state: { enabled: boolean; muted: boolean }): ChatRights {
  if (role === 'moderator') return { public: true, private: true, moderate: true };
  return { public: state.enabled && !state.muted, private: !state.muted, moderate: false };
}

// ---------------------------------------------------------------- polls

export const POLL_LIMITS = Object.freeze({
  minOptions: 2,
  maxOptions: 10,
  /** Characters in the question. */
  questionMax: 300,
  /** Characters in one option. */
  optionMax: 120,
  /** Shortest and longest timer, in milliseconds. */
  minDurationMs: 5_000,
  maxDurationMs: 3_600_000,
});

export const POLL_ACTIONS = ['poll.manage', 'poll.vote', 'poll.viewLive'] as const;
export type PollAction = (typeof POLL_ACTIONS)[number];

/**
 * Who may do what with polls. Presenters run polls like moderators (as in BigBlueButton,
 * where the presenter runs them): the person at the front asks the question. Those who run
 * a poll see live counts, so they do not vote, which would let them steer a result they
 * already see. Viewers and guests vote: a lecture's audience is who polls are for.
 */
//                                          moderator presenter participant viewer guest
export const POLL_PERMISSIONS: Readonly<Record<PollAction, Readonly<Record<Role, boolean>>>> = {
  /** Create, edit a draft, delete a draft, open, close, reveal. */
  'poll.manage':   { moderator: true,  presenter: true,  participant: false, viewer: false, guest: false },
  'poll.vote':     { moderator: false, presenter: false, participant: true,  viewer: true,  guest: true },
  /** See drafts, counts before the reveal, and the correct answers of a quiz. */
  'poll.viewLive': { moderator: true,  presenter: true,  participant: false, viewer: false, guest: false },
};

export function pollAllows(role: Role, action: PollAction): boolean {
  return POLL_PERMISSIONS[action][role];
}

// ---------------------------------------------------------------- Q&A

export interface QuestionLimits {
  /** Characters in a question (default 500). */
  textMax: number;
  /** Questions in one session, all statuses (default 2,000; bounds memory whatever the rate limits). */
  maxQuestions: number;
  /** Open questions one person may have at once (default 10). */
  maxOpenPerAsker: number;
}

export const QUESTION_LIMITS: Readonly<QuestionLimits> = Object.freeze({ textMax: 500, maxQuestions: 2_000, maxOpenPerAsker: 10 });

export const QUESTION_ACTIONS = ['question.ask', 'question.upvote', 'question.moderate', 'question.seeAsker', 'question.seeDismissed'] as const;
export type QuestionAction = (typeof QUESTION_ACTIONS)[number];

/**
 * Who may do what in the Q&A. Everyone asks and upvotes (the audience of a lecture most of
 * all). Moderators and presenters run the Q&A (order, star, "answering now", "answered",
 * dismiss, merge) and see dismissed questions, so they can bring one back. Only moderators
 * see who asked a question hidden from peers: a presenter may be a fellow student.
 */
//                                                 moderator presenter participant viewer guest
export const QUESTION_PERMISSIONS: Readonly<Record<QuestionAction, Readonly<Record<Role, boolean>>>> = {
  'question.ask':          { moderator: true, presenter: true,  participant: true,  viewer: true,  guest: true },
  'question.upvote':       { moderator: true, presenter: true,  participant: true,  viewer: true,  guest: true },
  'question.moderate':     { moderator: true, presenter: true,  participant: false, viewer: false, guest: false },
  'question.seeAsker':     { moderator: true, presenter: false, participant: false, viewer: false, guest: false },
  'question.seeDismissed': { moderator: true, presenter: true,  participant: false, viewer: false, guest: false },
};

export function questionAllows(role: Role, action: QuestionAction): boolean {
  return QUESTION_PERMISSIONS[action][role];
}

// ---------------------------------------------------------------- for the client's controls

/** What a role may do in the interaction layer, to show the right controls (the server still decides). */
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

/** The tables above read for one role; no role yet (not joined): nothing. */
export function interactionRights(role: Role | undefined): InteractionRights {
  if (role === undefined) return { moderateChat: false, runPolls: false, vote: false, runQuestions: false };
  return {
    // Moderating does not depend on the chat's state; any state gives the same answer.
    moderateChat: chatRights(role, { enabled: true, muted: false }).moderate,
    runPolls: pollAllows(role, 'poll.manage'),
    vote: pollAllows(role, 'poll.vote'),
    runQuestions: questionAllows(role, 'question.moderate'),
  };
}

/** The limits above in one flat object, for composers (length caps and counters). */
export const INTERACTION_LIMITS = Object.freeze({
  /** Characters in a chat message. */
  chatMax: CHAT_MAX_LENGTH,
  /** Characters in a question. */
  questionMax: QUESTION_LIMITS.textMax,
  /** Characters in a poll's question, and in one option. */
  pollQuestionMax: POLL_LIMITS.questionMax,
  pollOptionMax: POLL_LIMITS.optionMax,
  pollMinOptions: POLL_LIMITS.minOptions,
  pollMaxOptions: POLL_LIMITS.maxOptions,
  /** Shortest and longest poll timer (ms). */
  pollMinDurationMs: POLL_LIMITS.minDurationMs,
  pollMaxDurationMs: POLL_LIMITS.maxDurationMs,
});

/** What the Q&A order reads of a question (the server's record and the wire's view both fit). */
export interface QuestionRank {
  status: 'open' | 'answering' | 'answered' | 'dismissed' | 'merged';
  answeredAt: number | null;
  votes: number;
  askedAt: number;
}

const STATUS_RANK: Readonly<Record<QuestionRank['status'], number>> = { answering: 0, open: 1, answered: 2, dismissed: 3, merged: 4 };

/**
 * The order everyone sees questions in: "answering now" first, then open ones (by votes or by
 * time), then answered ones in the order they were answered, then dismissed ones; ties by the
 * time of asking (sorting is stable, so equal ones keep the order of asking).
 */
export function compareQuestions(a: QuestionRank, b: QuestionRank, order: 'votes' | 'time'): number {
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'answered' && b.status === 'answered') return (a.answeredAt ?? 0) - (b.answeredAt ?? 0);
  if (a.status === 'open' && order === 'votes' && a.votes !== b.votes) return b.votes - a.votes;
  return a.askedAt - b.askedAt;
}
