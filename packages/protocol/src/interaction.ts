import { z } from 'zod';
import { CHAT_MAX_LENGTH, POLL_LIMITS, QUESTION_LIMITS } from './interactionRules.js';
import { QaAnonymity, Role } from './roles.js';

/**
 * The interaction layer on the wire: chat, Q&A, polls and reactions. Every logged event has a
 * server sequence number (`seq`, 1, 2, 3 … per live session, no gaps) and the live session's
 * media time at which it happened, so a viewer watching with a delay can show it at the same
 * point of the programme. The domain rules (lengths, who may do what) are declared in
 * interactionRules.ts and checked exactly by the server; these schemas only bound sizes at the
 * edge, derived from those rules and looser than them, so that a text the rule would refuse
 * still gets the rule's VALIDATION_FAILED (with a useful detail) rather than INVALID_MESSAGE.
 */

const Id = z.string().min(1).max(64);
const RequestId = z.string().min(1).max(64).optional();
/** Client-chosen id of a command: a retry with the same id is stored once. */
export const ClientId = z.string().min(1).max(128);

/**
 * Edge cap of a text field, in UTF-16 units, for a rule of `chars` characters: 4× the rule,
 * the same early cap the server applies before cleaning a text (an emoji takes two units, and
 * trimmed whitespace and CRLF line endings do not count). The rule itself is `chars`.
 */
const textCap = (chars: number) => z.string().max(chars * 4);
/**
 * Edge cap of a poll's option count (and so of ballots and indices): twice the rule, so that a
 * few options too many get the rule's message. The rule is POLL_LIMITS.min/maxOptions.
 */
const OPTIONS_CAP = POLL_LIMITS.maxOptions * 2;

/** Reactions: a small fixed set, shown briefly and counted. */
export const REACTIONS = ['thumbsUp', 'clap', 'laugh', 'surprised', 'heart', 'question'] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;

export const PollKind = z.enum(['single', 'multiple']);
export const PollState = z.enum(['draft', 'open', 'closed', 'revealed']);
export const QuestionStatus = z.enum(['open', 'answering', 'answered', 'dismissed']);
export const QuestionOrder = z.enum(['votes', 'time']);

/** A poll as written by the person who runs it (the server checks lengths and counts: POLL_LIMITS). */
export const PollDraft = z
  .object({
    /** Rule: POLL_LIMITS.questionMax characters. */
    question: textCap(POLL_LIMITS.questionMax),
    /** Rule: POLL_LIMITS.optionMax characters each, POLL_LIMITS.minOptions to maxOptions options. */
    options: z.array(textCap(POLL_LIMITS.optionMax)).max(OPTIONS_CAP),
    kind: PollKind,
    maxChoices: z.number().int().min(1).max(OPTIONS_CAP).optional(),
    /** Indices of the correct options: makes the poll a quiz. */
    correct: z.array(z.number().int().min(0).max(OPTIONS_CAP - 1)).max(OPTIONS_CAP).optional(),
    /** Voting time in milliseconds from opening (edge cap: a day; rule: POLL_LIMITS.min/maxDurationMs). */
    durationMs: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();
export type PollDraft = z.infer<typeof PollDraft>;

// ---------------------------------------------------------------- client → server
/** Interaction commands; they join `ClientMessage`. */
export const INTERACTION_CLIENT_MESSAGES = [
  /**
   * Sent after each `welcome`: the last seq one received (0 or absent on a first join). The
   * server answers with what was missed (`interaction.events`) or, when too far back or on a
   * first join, `interaction.snapshot`; interaction events flow to the socket only after it.
   */
  z.object({ type: z.literal('interaction.sync'), id: RequestId, lastSeq: z.number().int().min(0).optional() }).strict(),
  /** Rule: CHAT_MAX_LENGTH characters. */
  z.object({ type: z.literal('chat.send'), id: RequestId, clientId: ClientId, text: textCap(CHAT_MAX_LENGTH), to: z.enum(['room', 'moderators']) }).strict(),
  /** Moderators: delete the message with this seq. */
  z.object({ type: z.literal('chat.delete'), id: RequestId, clientId: ClientId.optional(), seq: z.number().int().min(1) }).strict(),
  /** Moderators: mute or unmute one person's chat. */
  z.object({ type: z.literal('chat.mute'), id: RequestId, clientId: ClientId.optional(), participantId: Id, muted: z.boolean() }).strict(),
  /** Moderators: switch the room's chat on or off. */
  z.object({ type: z.literal('chat.switch'), id: RequestId, clientId: ClientId.optional(), enabled: z.boolean() }).strict(),
  /** Not logged: counted and shown briefly. */
  z.object({ type: z.literal('reaction.send'), id: RequestId, reaction: Reaction }).strict(),
  z.object({ type: z.literal('poll.create'), id: RequestId, clientId: ClientId, draft: PollDraft }).strict(),
  z.object({ type: z.literal('poll.edit'), id: RequestId, clientId: ClientId.optional(), pollId: Id, draft: PollDraft }).strict(),
  /** Those who run polls: open, close, reveal the results, or remove a draft. */
  z.object({ type: z.literal('poll.act'), id: RequestId, clientId: ClientId.optional(), pollId: Id, action: z.enum(['open', 'close', 'reveal', 'remove']) }).strict(),
  /** One ballot per person, changeable until the poll closes. */
  z.object({ type: z.literal('poll.vote'), id: RequestId, clientId: ClientId.optional(), pollId: Id, choices: z.array(z.number().int().min(0).max(OPTIONS_CAP - 1)).max(OPTIONS_CAP) }).strict(),
  /** Rule: QUESTION_LIMITS.textMax characters. */
  z.object({ type: z.literal('question.ask'), id: RequestId, clientId: ClientId, text: textCap(QUESTION_LIMITS.textMax), anonymous: z.boolean().optional() }).strict(),
  /** The asker edits their question (rule: QUESTION_LIMITS.textMax characters). */
  z.object({ type: z.literal('question.edit'), id: RequestId, clientId: ClientId.optional(), questionId: Id, text: textCap(QUESTION_LIMITS.textMax) }).strict(),
  /**
   * `withdraw` (the asker), `upvote` / `unvote` (anyone, once), and for those who run the Q&A:
   * `star`, `unstar`, `answering` ("answering now"), `answered`, `dismiss`, `reopen`.
   */
  z
    .object({
      type: z.literal('question.act'),
      id: RequestId,
      clientId: ClientId.optional(),
      questionId: Id,
      action: z.enum(['withdraw', 'upvote', 'unvote', 'star', 'unstar', 'answering', 'answered', 'dismiss', 'reopen']),
    })
    .strict(),
  /** Those who run the Q&A: merge a duplicate into another question (votes are combined). */
  z.object({ type: z.literal('question.merge'), id: RequestId, clientId: ClientId.optional(), questionId: Id, into: Id }).strict(),
  /** Those who run the Q&A: how questions are sorted for everyone. */
  z.object({ type: z.literal('question.order'), id: RequestId, clientId: ClientId.optional(), order: QuestionOrder }).strict(),
] as const;

/** The interaction client messages (the part of `ClientMessage` declared above). */
type InteractionClientMessage = z.infer<(typeof INTERACTION_CLIENT_MESSAGES)[number]>;

/** Types of the logged interaction commands: every interaction message but `interaction.sync` and `reaction.send`. */
export const INTERACTION_COMMAND_TYPES = [
  'chat.send',
  'chat.delete',
  'chat.mute',
  'chat.switch',
  'poll.create',
  'poll.edit',
  'poll.act',
  'poll.vote',
  'question.ask',
  'question.edit',
  'question.act',
  'question.merge',
  'question.order',
] as const satisfies readonly Exclude<InteractionClientMessage['type'], 'interaction.sync' | 'reaction.send'>[];
export type InteractionCommandType = (typeof INTERACTION_COMMAND_TYPES)[number];
/** The interaction commands a client sends (all but `interaction.sync` and `reaction.send`). */
export type InteractionCommand = Extract<InteractionClientMessage, { type: InteractionCommandType }>;

// ---------------------------------------------------------------- server → client
export const PollResults = z.object({
  /** Ballots per option, in option order. */
  counts: z.array(z.number()),
  voters: z.number(),
  /** Quiz: people whose ballot is exactly the correct set; null for a poll. */
  correctVoters: z.number().nullable(),
});
export type PollResults = z.infer<typeof PollResults>;

/** What one person may see of a poll. */
export const PollView = z.object({
  id: Id,
  state: PollState,
  question: z.string(),
  options: z.array(z.string()),
  kind: PollKind,
  maxChoices: z.number(),
  quiz: z.boolean(),
  durationMs: z.number().nullable(),
  openedAt: z.number().nullable(),
  /** When voting ends (ms since epoch), for a countdown. */
  deadline: z.number().nullable(),
  closedAt: z.number().nullable(),
  /** To those who run polls always, to everyone once revealed. */
  correct: z.array(z.number()).nullable(),
  /** To those who run polls always (live counts), to everyone once revealed. */
  results: PollResults.nullable(),
  myChoices: z.array(z.number()).nullable(),
});
export type PollView = z.infer<typeof PollView>;

/** What one person sees of a question. */
export const QuestionView = z.object({
  id: Id,
  text: z.string(),
  status: QuestionStatus,
  askedAt: z.number(),
  edited: z.boolean(),
  votes: z.number(),
  starred: z.boolean(),
  answeredAt: z.number().nullable(),
  /** The asker chose to be hidden (shown as "Anonymous"). */
  anonymous: z.boolean(),
  /** The asker's name, or null when hidden from this person. */
  askerName: z.string().nullable(),
  /** To moderators only, when not hidden from them: the id of the participant who asked. */
  askerKey: z.string().nullable(),
  mine: z.boolean(),
  votedByMe: z.boolean(),
});
export type QuestionView = z.infer<typeof QuestionView>;

const Envelope = {
  seq: z.number().int().min(1),
  /** Server time (ms since epoch). */
  at: z.number(),
  /** The live session's media time (ms) when it happened; null when no media clock ran. */
  mediaTime: z.number().nullable(),
};

/**
 * One logged event as a person sees it. Polls and questions are sent as their view after the
 * change (never raw ballots or hidden askers): rendered once per role for everyone, and for
 * oneself (`personal`) to the person who acted. `poll: null` / `question: null` mean it was
 * removed (or is no longer visible to one). At most one question is `answering` at a time:
 * an `answering` event sends the one answered before back to `open`.
 */
export const InteractionEvent = z.discriminatedUnion('kind', [
  z.object({
    ...Envelope,
    kind: z.literal('chat.message'),
    from: z.object({ id: Id, name: z.string(), role: Role }),
    to: z.enum(['room', 'moderators']),
    /** null: deleted by a moderator. */
    text: z.string().nullable(),
    clientId: z.string().optional(),
  }),
  z.object({ ...Envelope, kind: z.literal('chat.deleted'), target: z.number().int() }),
  z.object({ ...Envelope, kind: z.literal('chat.muted'), participantId: Id, muted: z.boolean() }),
  z.object({ ...Envelope, kind: z.literal('chat.switched'), enabled: z.boolean() }),
  z.object({
    ...Envelope,
    kind: z.literal('poll'),
    pollId: Id,
    change: z.enum(['created', 'edited', 'removed', 'opened', 'closed', 'revealed', 'voted']),
    poll: PollView.nullable(),
    /** False: rendered for one's role, not for oneself; keep the `myChoices` one already knew. */
    personal: z.boolean(),
  }),
  z.object({
    ...Envelope,
    kind: z.literal('question'),
    questionId: Id,
    change: z.enum(['asked', 'edited', 'withdrawn', 'upvoted', 'unvoted', 'starred', 'answering', 'answered', 'dismissed', 'reopened', 'merged']),
    question: QuestionView.nullable(),
    /** `merged`: the question kept, with the combined votes (`question` is the duplicate, now null). */
    into: QuestionView.nullable().optional(),
    /** False: rendered for one's role, not for oneself; keep the `mine` and `votedByMe` one already knew. */
    personal: z.boolean(),
  }),
  z.object({ ...Envelope, kind: z.literal('question.order'), order: QuestionOrder }),
]);
export type InteractionEvent = z.infer<typeof InteractionEvent>;
export type InteractionEventKind = InteractionEvent['kind'];

/** What a person may do in the chat now. */
export const ChatState = z.object({
  enabled: z.boolean(),
  /** One's own chat is muted by a moderator. */
  muted: z.boolean(),
  /** Moderators: who is muted. */
  mutedParticipants: z.array(Id),
});
export type ChatState = z.infer<typeof ChatState>;

export const ReactionCounts = z.partialRecord(Reaction, z.number().int().min(0));
export type ReactionCounts = z.infer<typeof ReactionCounts>;

/** Interaction messages; they join `ServerMessage`. */
export const INTERACTION_SERVER_MESSAGES = [
  /** Logged events, in seq order; `lastSeq` is the last seq of the batch (resume from it, even if it was not shown). */
  z.object({ type: z.literal('interaction.events'), events: z.array(InteractionEvent), lastSeq: z.number().int().min(0) }),
  /**
   * The whole picture (after `interaction.sync` on a first join or when too far behind):
   * the recent chat (last 200 messages one may see), every poll and question one may see.
   */
  z.object({
    type: z.literal('interaction.snapshot'),
    lastSeq: z.number().int().min(0),
    chat: z.array(InteractionEvent),
    chatState: ChatState,
    polls: z.array(PollView),
    questions: z.array(QuestionView),
    questionOrder: QuestionOrder,
    qaAnonymity: QaAnonymity,
  }),
  /** Reactions counted over the last second (not logged), with the media time they belong to. */
  z.object({ type: z.literal('interaction.reactions'), counts: ReactionCounts, total: z.number().int().min(0), mediaTime: z.number().nullable() }),
] as const;
