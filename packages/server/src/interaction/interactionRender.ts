import type { InteractionEvent as WireEvent, Role } from '@amphi/protocol';
import { CHAT_EVENTS, type ChatMessagePayload } from './Chat.js';
import type { InteractionEvent } from './EventLog.js';
import type { Poll, PollChange } from './Poll.js';
import type { QuestionBoard, QuestionChange } from './QuestionBoard.js';

// How logged interaction events are shown: once per class of viewer (what a broadcast
// carries), and once for the person an event concerns. Pure functions of an event and of
// the state right after it was applied.

export type { WireEvent };

/**
 * Classes of viewers who see the same thing: moderators (everything, hidden askers, private
 * messages), presenters (live poll counts, dismissed questions) and the audience (everyone
 * else: participants, viewers, guests). The permission tables of polls, Q&A and chat treat
 * the roles of one class alike (a unit test holds them to it).
 */
export const VIEWER_CLASSES = ['moderator', 'presenter', 'audience'] as const;
export type ViewerClass = (typeof VIEWER_CLASSES)[number];

export function viewerClass(role: Role): ViewerClass {
  return role === 'moderator' || role === 'presenter' ? role : 'audience';
}

/** The role whose view each class gets. */
const CLASS_ROLE: Readonly<Record<ViewerClass, Role>> = { moderator: 'moderator', presenter: 'presenter', audience: 'participant' };

/** Who looks: the participant (for restricted events), their key (for their ballots and questions), their role. */
export interface Viewer {
  readonly participantId: string;
  /** Account id when signed in, else the browser's guest key, else participant id (server-side only). */
  readonly key: string;
  readonly role: Role;
}

type ByClass = Readonly<Record<ViewerClass, WireEvent | null>>;

/** One committed event as shown to each class (null: not shown to it). */
export interface RenderedEvent {
  readonly seq: number;
  readonly byClass: ByClass;
  /** A restricted event: the participants listed see `restricted` too, whatever their class. */
  readonly restrictedTo?: readonly string[] | undefined;
  readonly restricted?: WireEvent | undefined;
  /** Rendered for the person the event concerns (by key): their sockets get this instead of `byClass`. */
  readonly personal?: { readonly key: string; readonly byClass: ByClass } | undefined;
  /**
   * Events with the same key in one frame: only the last is sent, unless rendered for oneself
   * (a vote's view supersedes the previous vote's: the counts are state, not increments).
   */
  readonly coalesce?: string | undefined;
}

/** The payload of a chat message in the log: the message and who wrote it (as they were then). */
export interface StoredChatMessage extends ChatMessagePayload {
  readonly name: string;
  readonly role: Role;
}

/** What a deleted chat message keeps of its payload: its author, not its text (for the log's `residue`). */
export function redactionResidue(event: InteractionEvent): unknown {
  if (event.kind !== CHAT_EVENTS.message || typeof event.payload !== 'object' || event.payload === null) return null;
  const { name, role } = event.payload as StoredChatMessage;
  return { name, role };
}

/** A chat event as everyone who may see it sees it. */
export function renderChat(event: InteractionEvent): WireEvent | null {
  const envelope = { seq: event.seq, at: event.at, mediaTime: event.mediaTime };
  const payload = event.payload as Record<string, unknown> | null;
  switch (event.kind) {
    case CHAT_EVENTS.message: {
      // A deleted message keeps its author, not its text (see `redactionResidue`).
      const message = payload as Partial<StoredChatMessage> | null;
      return {
        ...envelope,
        kind: 'chat.message',
        from: { id: event.actorId, name: message?.name ?? '', role: message?.role ?? 'participant' },
        to: event.restrictedTo ? 'moderators' : 'room',
        text: event.redactedBy === undefined ? (message?.text ?? null) : null,
        ...(event.clientId !== undefined ? { clientId: event.clientId } : {}),
      };
    }
    case CHAT_EVENTS.deleted:
      return payload && { ...envelope, kind: 'chat.deleted', target: Number(payload.seq) };
    case CHAT_EVENTS.muted:
      return payload && { ...envelope, kind: 'chat.muted', participantId: String(payload.participantId), muted: payload.muted === true };
    case CHAT_EVENTS.switched:
      return payload && { ...envelope, kind: 'chat.switched', enabled: payload.enabled === true };
    default:
      return null;
  }
}

/** A poll change, after it was applied: live counts to those who run polls, ballots to the voter only. */
export function renderPoll(event: InteractionEvent, change: PollChange, poll: Poll | undefined): RenderedEvent {
  const envelope = { seq: event.seq, at: event.at, mediaTime: event.mediaTime };
  const wire = (role: Role, key: string | undefined, personal: boolean): WireEvent => ({
    ...envelope,
    kind: 'poll',
    pollId: change.pollId,
    change: change.type,
    poll: poll?.view({ role, key }) ?? null,
    personal,
  });
  const managers = wire('moderator', undefined, false);
  const audience = wire(CLASS_ROLE.audience, undefined, false);
  // The audience sees nothing of drafts, and nothing changes for it when someone votes.
  const audienceSees = change.type !== 'voted' && audience.kind === 'poll' && audience.poll !== null;
  const rendered: RenderedEvent = { seq: event.seq, byClass: { moderator: managers, presenter: managers, audience: audienceSees ? audience : null } };
  if (change.type !== 'voted') return rendered;
  const key = change.key;
  return {
    ...rendered,
    coalesce: `poll:${change.pollId}`,
    personal: { key, byClass: { moderator: wire('moderator', key, true), presenter: wire('presenter', key, true), audience: wire(CLASS_ROLE.audience, key, true) } },
  };
}

/** Changes after which a question may vanish from a view (it is sent as null then). */
const REMOVING: ReadonlySet<QuestionChange['type']> = new Set(['withdrawn', 'dismissed', 'merged']);

/** A Q&A change, after it was applied: askers shown only to whom they are not hidden from. */
export function renderQuestion(event: InteractionEvent, change: QuestionChange, board: QuestionBoard): RenderedEvent {
  const envelope = { seq: event.seq, at: event.at, mediaTime: event.mediaTime };
  if (change.type === 'ordered') {
    const wire: WireEvent = { ...envelope, kind: 'question.order', order: change.order };
    return { seq: event.seq, byClass: { moderator: wire, presenter: wire, audience: wire } };
  }
  const id = change.type === 'asked' ? change.question.id : change.id;
  const render = (cls: ViewerClass, key: string | undefined, personal: boolean): WireEvent | null => {
    const viewer = { role: CLASS_ROLE[cls], key };
    const question = board.question(viewer, id);
    // A question this class never saw (a dismissed one, for the audience) stays unseen.
    if (question === null && !REMOVING.has(change.type)) return null;
    const wire: WireEvent = { ...envelope, kind: 'question', questionId: id, change: change.type, question, personal };
    return change.type === 'merged' ? { ...wire, into: board.question(viewer, change.into) } : wire;
  };
  const forClasses = (key: string | undefined, personal: boolean): ByClass => ({
    moderator: render('moderator', key, personal),
    presenter: render('presenter', key, personal),
    audience: render('audience', key, personal),
  });
  const rendered: RenderedEvent = { seq: event.seq, byClass: forClasses(undefined, false) };
  const key = change.type === 'asked' ? change.question.askerKey : change.type === 'upvoted' || change.type === 'unvoted' ? change.key : null;
  if (key === null) return rendered;
  return {
    ...rendered,
    personal: { key, byClass: forClasses(key, true) },
    ...(change.type === 'asked' ? {} : { coalesce: `question:${id}` }),
  };
}
