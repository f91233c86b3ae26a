import { AmphiError, CHAT_MAX_LENGTH, chatRights, type ChatRights, type Role } from '@amphi/protocol';
import { cleanText } from './cleanText.js';
import type { EventBody, InteractionEvent } from './EventLog.js';
import type { RateLimiter } from './RateLimiter.js';

// The length limit and who may write live in @amphi/protocol (interactionRules.ts), shared
// with the client's controls; the Chat below enforces them.
export { CHAT_MAX_LENGTH, chatRights, type ChatRights };

/** Raw input beyond this many UTF-16 units is refused before any other work. */
const RAW_MAX_LENGTH = CHAT_MAX_LENGTH * 4;

/** Event kinds written by the chat. */
export const CHAT_EVENTS = {
  /** A message: payload `ChatMessagePayload`; restricted to the sender when sent to the moderators. */
  message: 'chat.message',
  /** A moderator deleted message `payload.seq` (the message's text is erased: `redacts`). */
  deleted: 'chat.deleted',
  /** A moderator muted or unmuted one person's chat (seen by moderators and that person). */
  muted: 'chat.muted',
  /** A moderator switched the room's chat on or off. */
  switched: 'chat.switched',
} as const;

/** Who acts: a participant and their role in the room (established at the edge). */
export interface Actor {
  readonly participantId: string;
  readonly role: Role;
}

export interface ChatMessagePayload {
  readonly text: string;
  /** `room`: everyone; `moderators`: a private message, seen by the moderators and the sender. */
  readonly to: 'room' | 'moderators';
}
export interface ChatDeletedPayload {
  readonly seq: number;
}
export interface ChatMutedPayload {
  readonly participantId: string;
  readonly muted: boolean;
}
export interface ChatSwitchedPayload {
  readonly enabled: boolean;
}

/**
 * The text of a message as stored, by the rules shared with polls and Q&A (`cleanText`: line
 * endings unified, NFC, trimmed, blank-line runs collapsed). Refuses (VALIDATION_FAILED) an
 * empty text, one longer than CHAT_MAX_LENGTH characters, control characters other than
 * newline and tab, bidi overrides, and lone surrogates (not text, and not storable as UTF-8).
 */
export function chatText(input: unknown): string {
  // Cap before any work: the edge caps frames, but this rule must hold on its own.
  if (typeof input === 'string' && input.length > RAW_MAX_LENGTH) {
    throw new AmphiError('VALIDATION_FAILED', `A message has at most ${CHAT_MAX_LENGTH} characters.`);
  }
  if (typeof input === 'string' && /\p{Cs}/u.test(input)) throw new AmphiError('VALIDATION_FAILED', 'A message must be valid text.');
  return cleanText(input, { field: 'The message', max: CHAT_MAX_LENGTH, multiline: true });
}

export interface ChatOptions {
  /** Per-person message limit (moderators are exempt); null: unlimited. */
  limiter?: RateLimiter | null;
  /** Whether the chat starts switched on (default true). */
  enabled?: boolean;
}

/** What one person is told about the chat's state (in a snapshot). */
export interface ChatView {
  readonly enabled: boolean;
  /** Whether this person is muted. */
  readonly muted: boolean;
  /** Everyone muted (moderators only; empty for others). */
  readonly mutedParticipants: readonly string[];
  readonly rights: ChatRights;
}

/**
 * The chat of a live session: rules that decide, and state rebuilt from the log.
 *
 * Commands (`post`, `delete`, `mute`, `setEnabled`) check permissions against the state and
 * return the event body to append — they change nothing. State changes only in `apply`, which
 * the caller runs for every committed event, in seq order (on every instance). So the chat's
 * state is always a function of the log: a snapshot matches a seq, and a second instance that
 * applies the same events agrees. Two moderators acting at the same moment may both be
 * accepted (two identical switches); `apply` is idempotent, so that is harmless.
 *
 * Messages themselves are not kept here: the log's recent-history view holds them, and
 * `delete` takes the target event from the log (`log.get(seq)`).
 */
export class Chat {
  readonly #limiter: RateLimiter | null;
  #enabled: boolean;
  readonly #muted = new Set<string>();

  constructor(options: ChatOptions = {}) {
    this.#limiter = options.limiter ?? null;
    this.#enabled = options.enabled ?? true;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  isMuted(participantId: string): boolean {
    return this.#muted.has(participantId);
  }

  rights(actor: Actor): ChatRights {
    return chatRights(actor.role, { enabled: this.#enabled, muted: this.#muted.has(actor.participantId) });
  }

  /**
   * A message to the room, or privately to the moderators. Throws NOT_ALLOWED, VALIDATION_FAILED
   * or RATE_LIMITED (a `RateLimitedError` with `retryAfterMs`; the limit is spent only by
   * messages that would otherwise be accepted).
   */
  post(actor: Actor, input: { text: unknown; to?: 'room' | 'moderators' | undefined }): EventBody {
    const to = input.to ?? 'room';
    const rights = this.rights(actor);
    if (to === 'room' ? !rights.public : !rights.private) {
      const why = this.#muted.has(actor.participantId) ? 'A moderator muted you in the chat.' : 'The chat is switched off.';
      throw new AmphiError('NOT_ALLOWED', why);
    }
    const text = chatText(input.text);
    if (actor.role !== 'moderator') this.#limiter?.consume(actor.participantId);
    const payload: ChatMessagePayload = { text, to };
    return { kind: CHAT_EVENTS.message, payload, restrictedTo: to === 'moderators' ? [actor.participantId] : undefined };
  }

  /** A moderator deletes a message: the tombstone erases its text everywhere (`redacts`). */
  delete(actor: Actor, target: InteractionEvent | undefined): EventBody {
    this.#requireModerator(actor);
    if (!target || target.kind !== CHAT_EVENTS.message) throw new AmphiError('NOT_FOUND', 'No such message.');
    if (target.redactedBy !== undefined) throw new AmphiError('INVALID_STATE', 'This message is already deleted.');
    const payload: ChatDeletedPayload = { seq: target.seq };
    // A deleted private message is announced only to those who could see it.
    return { kind: CHAT_EVENTS.deleted, payload, redacts: target.seq, restrictedTo: target.restrictedTo };
  }

  /**
   * A moderator mutes (or unmutes) a person's chat; moderators cannot be muted. `target.role`
   * is absent when the person is not known here (they may be connected to another instance):
   * the mute is recorded all the same, and would change nothing for a moderator (their rights
   * ignore it).
   */
  mute(actor: Actor, target: { readonly participantId: string; readonly role?: Role | undefined }, muted: boolean): EventBody {
    this.#requireModerator(actor);
    if (target.role === 'moderator') throw new AmphiError('NOT_ALLOWED', 'A moderator cannot be muted in the chat.');
    if (this.#muted.has(target.participantId) === muted) {
      throw new AmphiError('INVALID_STATE', muted ? 'This person is already muted.' : 'This person is not muted.');
    }
    const payload: ChatMutedPayload = { participantId: target.participantId, muted };
    return { kind: CHAT_EVENTS.muted, payload, restrictedTo: [target.participantId] };
  }

  /** A moderator switches the room's chat on or off. */
  setEnabled(actor: Actor, enabled: boolean): EventBody {
    this.#requireModerator(actor);
    if (this.#enabled === enabled) throw new AmphiError('INVALID_STATE', enabled ? 'The chat is already on.' : 'The chat is already off.');
    const payload: ChatSwitchedPayload = { enabled };
    return { kind: CHAT_EVENTS.switched, payload };
  }

  /** Applies a committed event (other kinds are ignored). Idempotent for chat state. */
  apply(event: InteractionEvent): void {
    const payload = event.payload;
    if (typeof payload !== 'object' || payload === null) return;
    if (event.kind === CHAT_EVENTS.muted && 'participantId' in payload && 'muted' in payload) {
      const { participantId, muted } = payload;
      if (typeof participantId !== 'string') return;
      if (muted === true) this.#muted.add(participantId);
      else if (muted === false) this.#muted.delete(participantId);
    } else if (event.kind === CHAT_EVENTS.switched && 'enabled' in payload && typeof payload.enabled === 'boolean') {
      this.#enabled = payload.enabled;
    }
  }

  /** The chat's state as this person may know it (for a snapshot). */
  viewFor(viewer: Actor): ChatView {
    return {
      enabled: this.#enabled,
      muted: this.#muted.has(viewer.participantId),
      mutedParticipants: viewer.role === 'moderator' ? [...this.#muted] : [],
      rights: this.rights(viewer),
    };
  }

  #requireModerator(actor: Actor): void {
    if (actor.role !== 'moderator') throw new AmphiError('NOT_ALLOWED', 'Only moderators may do this.');
  }
}
