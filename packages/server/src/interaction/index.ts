// The interaction layer's public surface: pure domain (no I/O), wired by realtime/.
// DelayedRelease and linkify live in packages/client: they run in the viewer's browser.
export {
  EventLog,
  isVisibleTo,
  CLIENT_ID_MAX_LENGTH,
  type Origin,
  type EventBody,
  type InteractionEvent,
  type AppendResult,
  type SinceResult,
  type ReceiveResult,
  type HistorySpec,
  type EventLogOptions,
  type EventLogEvents,
} from './EventLog.js';
export { RateLimiter, RateLimitedError, CHAT_RATE, REACTION_RATE, VOTE_RATE, QUESTION_RATE, type RateLimit, type RateLimiterOptions, type TakeResult } from './RateLimiter.js';
export {
  Chat,
  chatRights,
  chatText,
  CHAT_MAX_LENGTH,
  CHAT_EVENTS,
  type Actor,
  type ChatOptions,
  type ChatRights,
  type ChatView,
  type ChatMessagePayload,
  type ChatDeletedPayload,
  type ChatMutedPayload,
  type ChatSwitchedPayload,
} from './Chat.js';
export { Reactions, REACTIONS, isReaction, mergeTallies, type Reaction, type ReactionTally, type ReactResult, type ReactionsOptions } from './Reactions.js';
export { Poll, POLL_ACTIONS, POLL_PERMISSIONS, POLL_LIMITS, pollAllows, checkPollDraft, type PollKind, type PollState, type PollAction, type PollDraft, type PollContent, type PollChange, type Voter, type PollViewer, type PollResults, type PollView, type PollRecord, type VoteOutcome } from './Poll.js';
export { PollBook, type PollBookOptions, type PollBookRecord } from './PollBook.js';
export { QuestionBoard, QUESTION_ACTIONS, QUESTION_PERMISSIONS, QUESTION_LIMITS, questionAllows, type AnonymityMode, type AskerHidden, type QuestionStatus, type QuestionOrder, type QuestionLimits, type QuestionAction, type Member, type Asker, type QuestionViewer, type QuestionView, type QuestionRecord, type QuestionBoardRecord, type QuestionBoardOptions, type QuestionChange } from './QuestionBoard.js';
export { HandQueue, handAllows, type RaisedHand, type HandActor, type HandQueueView } from './HandQueue.js';
export {
  InteractionState,
  INTERACTION_EVENTS,
  SNAPSHOT_CHAT_LIMIT,
  VIEWER_CLASSES,
  isInteractionCommand,
  viewerClass,
  redactionResidue,
  type InteractionActor,
  type InteractionCommand,
  type InteractionStateOptions,
  type RenderedEvent,
  type Viewer,
  type ViewerClass,
  type WireEvent,
} from './InteractionState.js';
