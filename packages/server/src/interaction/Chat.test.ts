import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@amphi/protocol';
import { CHAT_EVENTS, CHAT_MAX_LENGTH, Chat, chatRights, chatText, type Actor } from './Chat.js';
import { EventLog, isVisibleTo } from './EventLog.js';
import { CHAT_RATE, RateLimitedError, RateLimiter } from './RateLimiter.js';
import { expectCode } from '../testkit.js';

const moderator: Actor = { participantId: 'mod', role: 'moderator' };
const student: Actor = { participantId: 'ana', role: 'participant' };
const other: Actor = { participantId: 'ben', role: 'participant' };

/** A chat wired to a log the way realtime/ will: every committed event is applied. */
function setup(limiter: RateLimiter | null = null) {
  let time = 0;
  const log = new EventLog({ now: () => time, histories: { chat: { kinds: [CHAT_EVENTS.message], limit: 200 } } });
  const chat = new Chat({ limiter });
  log.on('appended', (events) => events.forEach((event) => chat.apply(event)));
  const run = (actor: Actor, decide: (chat: Chat) => ReturnType<Chat['post']>, clientId?: string) =>
    log.append({ actorId: actor.participantId, clientId }, () => decide(chat));
  return { log, chat, run, advance: (ms: number) => (time += ms) };
}


/** [may write to the room, may write to the moderators], by role, written out by hand. */
type Rights = [room: boolean, moderators: boolean];
const ON: Record<Role, Rights> = { moderator: [true, true], presenter: [true, true], participant: [true, true], viewer: [true, true], guest: [true, true] };
const OFF: Record<Role, Rights> = { moderator: [true, true], presenter: [false, true], participant: [false, true], viewer: [false, true], guest: [false, true] };
const MUTED: Record<Role, Rights> = { moderator: [true, true], presenter: [false, false], participant: [false, false], viewer: [false, false], guest: [false, false] };

describe('chatRights', () => {
  it.each(ROLES)('lets a %s write as the table says, with the chat on, off, and when muted', (role) => {
    const rights = (enabled: boolean, muted: boolean) => {
      const r = chatRights(role, { enabled, muted });
      return [r.public, r.private];
    };
    expect(rights(true, false)).toEqual(ON[role]);
    expect(rights(false, false)).toEqual(OFF[role]);
    expect(rights(true, true)).toEqual(MUTED[role]);
    expect(rights(false, true)).toEqual(role === 'moderator' ? [true, true] : [false, false]);
    expect(chatRights(role, { enabled: true, muted: false }).moderate).toBe(role === 'moderator');
  });
});

describe('chatText', () => {
  it('trims, unifies line endings, and keeps newlines and tabs inside', () => {
    expect(chatText('  hello\r\nworld\tagain  ')).toBe('hello\nworld\tagain');
  });

  it('accepts 1 to CHAT_MAX_LENGTH characters, counting an emoji once', () => {
    expect(chatText('a')).toBe('a');
    expect(chatText('😀'.repeat(CHAT_MAX_LENGTH))).toHaveLength(CHAT_MAX_LENGTH * 2);
    expectCode(() => chatText('a'.repeat(CHAT_MAX_LENGTH + 1)), 'VALIDATION_FAILED');
    expectCode(() => chatText(`  ${'a'.repeat(CHAT_MAX_LENGTH)}  `.padEnd(CHAT_MAX_LENGTH * 5)), 'VALIDATION_FAILED');
  });

  it.each([
    ['an empty text', ''],
    ['only spaces', '  \n\t '],
    ['a NUL character', 'a\u0000b'],
    ['an escape sequence', 'a\u001b[31mred'],
    ['a bidi override', 'x\u202Eevil'],
    ['a C1 control', 'a\u0085b'],
    ['a lone surrogate', 'a\uD800b'],
    ['something that is not text', 42],
  ])('refuses %s', (_name, text) => {
    expectCode(() => chatText(text), 'VALIDATION_FAILED');
  });
});

describe('Chat', () => {
  it('records a public message, seen by everyone', async () => {
    const { run } = setup();
    const { event } = await run(student, (chat) => chat.post(student, { text: ' Hello! ' }));
    expect(event).toMatchObject({ kind: 'chat.message', actorId: 'ana', payload: { text: 'Hello!', to: 'room' } });
    expect(isVisibleTo(event, 'ben', 'viewer')).toBe(true);
  });

  it('shows a private message to the moderators and the sender only', async () => {
    const { run } = setup();
    const { event } = await run(student, (chat) => chat.post(student, { text: 'I cannot hear', to: 'moderators' }));
    expect(event.payload).toEqual({ text: 'I cannot hear', to: 'moderators' });
    expect(isVisibleTo(event, 'ana', 'participant')).toBe(true);
    expect(isVisibleTo(event, 'mod', 'moderator')).toBe(true);
    expect(isVisibleTo(event, 'ben', 'participant')).toBe(false);
    expect(isVisibleTo(event, 'pres', 'presenter')).toBe(false);
  });

  it('lets a moderator delete a message: a tombstone, the text erased from the log', async () => {
    const { log, run } = setup();
    const message = await run(student, (chat) => chat.post(student, { text: 'spam spam' }));
    const { event } = await run(moderator, (chat) => chat.delete(moderator, log.get(message.event.seq)));
    expect(event).toMatchObject({ kind: 'chat.deleted', payload: { seq: 1 }, redacts: 1 });
    expect(log.recent('chat')).toEqual([expect.objectContaining({ seq: 1, payload: null, redactedBy: 2 })]);
    expect(JSON.stringify(log.since(0))).not.toContain('spam');
  });

  it('announces the deletion of a private message only to those who could see it', async () => {
    const { log, run } = setup();
    await run(student, (chat) => chat.post(student, { text: 'help', to: 'moderators' }));
    const { event } = await run(moderator, (chat) => chat.delete(moderator, log.get(1)));
    expect(event.restrictedTo).toEqual(['ana']);
  });

  it('does not let a non-moderator delete, mute or switch the chat', async () => {
    const { log, run, chat } = setup();
    await run(student, (c) => c.post(student, { text: 'hi' }));
    for (const role of ROLES.filter((r) => r !== 'moderator')) {
      const actor = { participantId: 'x', role };
      expectCode(() => chat.delete(actor, log.get(1)), 'NOT_ALLOWED');
      expectCode(() => chat.mute(actor, other, true), 'NOT_ALLOWED');
      expectCode(() => chat.setEnabled(actor, false), 'NOT_ALLOWED');
    }
  });

  it('refuses to delete something that is not a message, or twice', async () => {
    const { log, run, chat } = setup();
    await run(student, (c) => c.post(student, { text: 'hi' }));
    await run(moderator, (c) => c.setEnabled(moderator, false));
    expectCode(() => chat.delete(moderator, log.get(2)), 'NOT_FOUND');
    expectCode(() => chat.delete(moderator, log.get(99)), 'NOT_FOUND');
    await run(moderator, (c) => c.delete(moderator, log.get(1)));
    expectCode(() => chat.delete(moderator, log.get(1)), 'INVALID_STATE');
  });

  it('silences a muted person in the whole chat, until unmuted; others keep writing', async () => {
    const { run, chat } = setup();
    const { event } = await run(moderator, (c) => c.mute(moderator, student, true));
    expect(event).toMatchObject({ kind: 'chat.muted', payload: { participantId: 'ana', muted: true }, restrictedTo: ['ana'] });
    expect(chat.viewFor(student)).toMatchObject({ muted: true, mutedParticipants: [] });
    expect(chat.viewFor(moderator).mutedParticipants).toEqual(['ana']);
    expectCode(() => chat.post(student, { text: 'hi' }), 'NOT_ALLOWED');
    expectCode(() => chat.post(student, { text: 'hi', to: 'moderators' }), 'NOT_ALLOWED');
    expect(chat.post(other, { text: 'hi' }).kind).toBe('chat.message');
    await run(moderator, (c) => c.mute(moderator, student, false));
    expect(chat.post(student, { text: 'back' }).kind).toBe('chat.message');
  });

  it('cannot mute a moderator, nor mute twice', async () => {
    const { run, chat } = setup();
    expectCode(() => chat.mute(moderator, { participantId: 'mod2', role: 'moderator' }, true), 'NOT_ALLOWED');
    await run(moderator, (c) => c.mute(moderator, student, true));
    expectCode(() => chat.mute(moderator, student, true), 'INVALID_STATE');
    expectCode(() => chat.mute(moderator, other, false), 'INVALID_STATE');
  });

  it('with the chat off, lets moderators write to the room and others only to the moderators', async () => {
    const { run, chat } = setup();
    await run(moderator, (c) => c.setEnabled(moderator, false));
    expect(chat.enabled).toBe(false);
    expect(chat.post(moderator, { text: 'quiet please' }).kind).toBe('chat.message');
    for (const role of ROLES.filter((r) => r !== 'moderator')) {
      const actor = { participantId: 'x', role };
      expectCode(() => chat.post(actor, { text: 'hi' }), 'NOT_ALLOWED');
      expect(chat.post(actor, { text: 'hi', to: 'moderators' }).kind).toBe('chat.message');
    }
    expectCode(() => chat.setEnabled(moderator, false), 'INVALID_STATE');
    await run(moderator, (c) => c.setEnabled(moderator, true));
    expect(chat.post(student, { text: 'hi' }).kind).toBe('chat.message');
  });

  it('checks permissions before the text, and the text before spending the rate limit', () => {
    const limiter = new RateLimiter({ ...CHAT_RATE, now: () => 0 });
    const chat = new Chat({ limiter, enabled: false });
    expectCode(() => chat.post(student, { text: '' }), 'NOT_ALLOWED');
    expectCode(() => chat.post(student, { text: '', to: 'moderators' }), 'VALIDATION_FAILED');
    expect(limiter.available('ana')).toBe(CHAT_RATE.capacity);
  });

  it('limits each person to a burst of 5 messages, then tells when to retry; moderators are not limited', async () => {
    let time = 0;
    const limiter = new RateLimiter({ ...CHAT_RATE, now: () => time });
    const chat = new Chat({ limiter });
    for (let i = 0; i < 5; i++) chat.post(student, { text: `m${i}` });
    let refused: unknown;
    try {
      chat.post(student, { text: 'one too many' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1_000 });
    // Someone else is not affected, nor a moderator.
    expect(chat.post(other, { text: 'hi' }).kind).toBe('chat.message');
    for (let i = 0; i < 20; i++) chat.post(moderator, { text: `announcement ${i}` });
    time += 1_000;
    expect(chat.post(student, { text: 'again' }).kind).toBe('chat.message');
  });

  it('does not charge a retry of a stored message to the rate limit (the log answers it)', async () => {
    // One message, then nothing for a long time: a charged retry would be refused.
    const { run } = setup(new RateLimiter({ capacity: 1, refillPerSecond: 0.001, now: () => 0 }));
    const first = await run(student, (c) => c.post(student, { text: 'once' }), 'client-1');
    const retry = await run(student, (c) => c.post(student, { text: 'once' }), 'client-1');
    expect(retry).toEqual({ event: first.event, duplicate: true });
  });

  it('ignores events of other kinds and malformed payloads when applying', () => {
    const chat = new Chat();
    const base = { seq: 1, actorId: 'x', at: 0, mediaTime: null };
    chat.apply({ ...base, kind: 'poll.opened', payload: { enabled: false } });
    chat.apply({ ...base, kind: CHAT_EVENTS.switched, payload: null });
    chat.apply({ ...base, kind: CHAT_EVENTS.muted, payload: { participantId: 7, muted: true } });
    expect(chat.enabled).toBe(true);
    expect(chat.viewFor(moderator).mutedParticipants).toEqual([]);
  });
});
