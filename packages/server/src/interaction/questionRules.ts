import { type QuestionLimits, type Role } from '@amphi/protocol';

// The vocabulary of the Q&A (settings, limits, who may do what, what is stored and shown),
// apart from the QuestionBoard that enforces it. Re-exported by QuestionBoard.ts. The limits
// and the table of who may do what live in @amphi/protocol (interactionRules.ts), shared with
// the client; they are re-exported here so the domain reads as one vocabulary.
export { QUESTION_ACTIONS, QUESTION_LIMITS, QUESTION_PERMISSIONS, questionAllows, type QuestionAction, type QuestionLimits } from '@amphi/protocol';

/**
 * The room setting for anonymous questions: `off` (askers always named), `fromPeers` (an
 * asker may hide their name from the other attendees; moderators still see it) or `full`
 * (an asker may hide their name from everyone, moderators included).
 */
export type AnonymityMode = 'off' | 'fromPeers' | 'full';
/** Who a question's asker is hidden from; fixed when it is asked, so changing the room setting later never unmasks anyone. */
export type AskerHidden = 'nobody' | 'peers' | 'everyone';
export type QuestionStatus = 'open' | 'answering' | 'answered' | 'dismissed' | 'merged';
/** `votes`: most upvoted first, then oldest first; `time`: oldest first (the order they were asked). */
export type QuestionOrder = 'votes' | 'time';

/** Who acts: their role decides, their key identifies them (account id, else the browser's guest key, else participant id). */
export interface Member {
  key: string;
  role: Role;
}

export interface Asker extends Member {
  /** Display name, kept with the question. */
  name: string;
  /** The participant asking: what moderators are shown (never the key, which may be a guest's). */
  participantId?: string | undefined;
}

/** Who looks: without a key, what everyone of that role sees (`mine` and `votedByMe` false). */
export interface QuestionViewer {
  role: Role;
  key?: string | undefined;
}

/** What one person sees of a question: the wire's view (one declaration, in protocol). */
export type { QuestionView } from '@amphi/protocol';

export interface QuestionRecord {
  id: string;
  text: string;
  askerKey: string;
  /** The participant it was asked from (absent in questions logged before it was recorded). */
  askerId?: string | undefined;
  askerName: string;
  hidden: AskerHidden;
  askedAt: number;
  editedAt: number | null;
  voters: string[];
  starred: boolean;
  status: QuestionStatus;
  answeredAt: number | null;
  mergedInto: string | null;
}

export interface QuestionBoardRecord {
  anonymity: AnonymityMode;
  order: QuestionOrder;
  questions: QuestionRecord[];
}

export interface QuestionBoardOptions {
  /** Milliseconds since epoch (injected so tests control time; default Date.now). */
  now?: () => number;
  newId: () => string;
  /** The room setting (default `fromPeers`). */
  anonymity?: AnonymityMode;
  order?: QuestionOrder;
  limits?: Partial<QuestionLimits>;
}

/** A decided change to the board: the payload of one event. Times are ms since epoch. */
export type QuestionChange =
  | { type: 'asked'; question: Pick<QuestionRecord, 'id' | 'text' | 'askerKey' | 'askerId' | 'askerName' | 'hidden' | 'askedAt'> }
  | { type: 'edited'; id: string; text: string; at: number }
  | { type: 'withdrawn'; id: string }
  | { type: 'upvoted' | 'unvoted'; id: string; key: string }
  | { type: 'starred'; id: string; starred: boolean }
  | { type: 'answering' | 'dismissed' | 'reopened'; id: string }
  | { type: 'answered'; id: string; at: number }
  | { type: 'merged'; id: string; into: string }
  | { type: 'ordered'; order: QuestionOrder };
