import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent, PollDraft, ServerMessage } from '@amphi/protocol';
import { InteractionSession } from '../src/realtime/index.js';
import { InteractionStore } from '../src/storage/index.js';
import { startServer, type TestServer } from './harness.js';
import { RawSocket, liveRoom, syncInteraction, teacher, until } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
type EventOf<K extends InteractionEvent['kind']> = Extract<InteractionEvent, { kind: K }>;

let requests = 0;
const nextId = (what: string) => `${what}-${++requests}`;

async function snapshot(socket: RawSocket): Promise<MessageOf<'interaction.snapshot'>> {
  const answer = await syncInteraction(socket);
  if (answer.type !== 'interaction.snapshot') throw new Error('expected a snapshot');
  return answer;
}

/** Every interaction event a socket received in `interaction.events` frames, in order. */
function received(socket: RawSocket): InteractionEvent[] {
  return socket.messages.flatMap((m) => (m.type === 'interaction.events' ? m.events : []));
}

/** The last seq a socket has heard of (snapshot or frame): what it resumes from. */
function lastSeqOf(socket: RawSocket): number {
  let last = 0;
  for (const m of socket.messages) if (m.type === 'interaction.events' || m.type === 'interaction.snapshot') last = Math.max(last, m.lastSeq);
  return last;
}

/** The chat messages a socket received, as text (null: deleted). */
function chatTexts(socket: RawSocket): (string | null)[] {
  return received(socket)
    .filter((e): e is EventOf<'chat.message'> => e.kind === 'chat.message')
    .map((e) => e.text);
}

/** Sends a command and waits for its ack; fails on an error. */
async function ok(socket: RawSocket, message: Parameters<RawSocket['send']>[0] & object): Promise<void> {
  const id = nextId('cmd');
  socket.send({ ...message, id } as Parameters<RawSocket['send']>[0]);
  await until(() => socket.messages.some((m) => (m.type === 'ack' || m.type === 'error') && m.id === id), `the answer to ${id}`);
  const error = socket.messages.find((m) => m.type === 'error' && m.id === id);
  if (error) throw new Error(`refused: ${JSON.stringify(error)}`);
}

/** Sends a command and returns the error that answers it. */
async function refused(socket: RawSocket, message: Parameters<RawSocket['send']>[0] & object): Promise<MessageOf<'error'>> {
  const id = nextId('bad');
  socket.send({ ...message, id } as Parameters<RawSocket['send']>[0]);
  return socket.error(id);
}

const say = (socket: RawSocket, text: string, to: 'room' | 'moderators' = 'room', clientId = randomUUID()) => ok(socket, { type: 'chat.send', clientId, text, to });

/** Waits until the socket has received a chat message with this text. */
const sees = (socket: RawSocket, text: string) => until(() => chatTexts(socket).includes(text), `"${text}" at ${socket.participantId}`);

async function storedEvents(sessionId: string) {
  return server.database.db.selectFrom('interaction_events').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
}

/** A live classroom with its moderator and two guests, all synced. */
async function classroom(settings: Parameters<typeof liveRoom>[1] = {}) {
  const room = await liveRoom(server, settings);
  const alice = await room.guest('Alice');
  const bob = await room.guest('Bob');
  for (const s of [room.moderator, alice, bob]) await snapshot(s);
  const sessionId = room.moderator.welcome.session!.id;
  return { ...room, alice, bob, sessionId };
}

describe('chat', () => {
  it('delivers a message to everyone in the room, numbered and stamped, after storing it', async () => {
    const { moderator, alice, bob, sessionId } = await classroom();
    await say(alice, 'Bonjour à tous');
    for (const s of [moderator, alice, bob]) await sees(s, 'Bonjour à tous');
    const event = received(bob).find((e): e is EventOf<'chat.message'> => e.kind === 'chat.message')!;
    expect(event).toMatchObject({ seq: 1, to: 'room', from: { id: alice.participantId, name: 'Alice', role: 'guest' } });
    expect(event.mediaTime).toBe(event.at);
    const rows = await storedEvents(sessionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ seq: 1, kind: 'chat.message', actor_id: alice.participantId, payload: { text: 'Bonjour à tous', to: 'room', name: 'Alice' } });
  });

  it('sends nothing to a socket before its interaction.sync', async () => {
    const room = await liveRoom(server);
    const alice = await room.guest('Alice');
    await snapshot(room.moderator);
    await say(room.moderator, 'before alice syncs');
    const first = await snapshot(alice);
    expect(received(alice)).toEqual([]);
    expect(first.chat.map((e) => e.kind === 'chat.message' && e.text)).toEqual(['before alice syncs']);
    await say(room.moderator, 'after');
    await sees(alice, 'after');
  });

  it('shows a private message to the moderators only (and its sender)', async () => {
    const { moderator, alice, bob, guest } = await classroom();
    await say(alice, 'I cannot hear you', 'moderators');
    await sees(moderator, 'I cannot hear you');
    await sees(alice, 'I cannot hear you');
    // Bob receives what comes after, so he would have received the private one before it.
    await say(moderator, 'barrier');
    await sees(bob, 'barrier');
    expect(chatTexts(bob)).toEqual(['barrier']);
    expect(received(moderator).find((e) => e.kind === 'chat.message' && e.text === 'I cannot hear you')).toMatchObject({ to: 'moderators' });
    // A late joiner's recent chat follows the same rule.
    expect((await snapshot(await guest('Late'))).chat.map((e) => e.kind === 'chat.message' && e.text)).toEqual(['barrier']);
    expect((await snapshot(moderator)).chat).toHaveLength(2);
  });

  it('lets a moderator delete a message: its text is gone everywhere, in the database too', async () => {
    const { moderator, alice, bob, sessionId, guest } = await classroom();
    await say(bob, 'something rude');
    await sees(alice, 'something rude');
    const target = received(alice).find((e) => e.kind === 'chat.message')!.seq;
    await ok(moderator, { type: 'chat.delete', seq: target });
    for (const s of [moderator, alice, bob]) await until(() => received(s).some((e) => e.kind === 'chat.deleted' && e.target === target), 'the deletion');
    const late = await snapshot(await guest('Late'));
    expect(late.chat).toEqual([expect.objectContaining({ seq: target, text: null, from: expect.objectContaining({ name: 'Bob' }) })]);
    const rows = await storedEvents(sessionId);
    expect(rows.map((r) => [r.seq, r.kind, r.redacts, r.redacted_by])).toEqual([
      [target, 'chat.message', null, target + 1],
      [target + 1, 'chat.deleted', target, null],
    ]);
    expect(JSON.stringify(rows[0]!.payload)).not.toContain('rude');
  });

  it('refuses moderation from someone who is not a moderator', async () => {
    const { moderator, alice, bob } = await classroom();
    await say(bob, 'hello');
    await sees(alice, 'hello');
    const seq = received(alice).find((e) => e.kind === 'chat.message')!.seq;
    expect(await refused(alice, { type: 'chat.delete', seq })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(await refused(alice, { type: 'chat.mute', participantId: bob.participantId, muted: true })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(await refused(alice, { type: 'chat.switch', enabled: false })).toMatchObject({ code: 'NOT_ALLOWED' });
    await say(bob, 'still here');
    await sees(moderator, 'still here');
    expect(received(moderator).map((e) => e.kind)).toEqual(['chat.message', 'chat.message']);
  });

  it('lets a moderator mute one person: only they and the moderators are told, and they cannot write until unmuted', async () => {
    const { moderator, alice, bob } = await classroom();
    await ok(moderator, { type: 'chat.mute', participantId: alice.participantId, muted: true });
    await until(() => received(alice).some((e) => e.kind === 'chat.muted' && e.muted), 'alice told she is muted');
    expect(await refused(alice, { type: 'chat.send', clientId: 'm1', text: 'let me talk', to: 'room' })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(await refused(alice, { type: 'chat.send', clientId: 'm2', text: 'please', to: 'moderators' })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect((await snapshot(moderator)).chatState).toEqual({ enabled: true, muted: false, mutedParticipants: [alice.participantId] });
    await ok(moderator, { type: 'chat.mute', participantId: alice.participantId, muted: false });
    await say(alice, 'thank you');
    await sees(bob, 'thank you');
    expect(received(bob).map((e) => e.kind)).toEqual(['chat.message']);
  });

  it('lets a moderator switch the chat off: people may still write to the moderators, moderators to the room', async () => {
    const { moderator, alice, bob, guest } = await classroom();
    await ok(moderator, { type: 'chat.switch', enabled: false });
    await until(() => received(bob).some((e) => e.kind === 'chat.switched' && !e.enabled), 'the chat switched off');
    expect(await refused(alice, { type: 'chat.send', clientId: 'x', text: 'hi', to: 'room' })).toMatchObject({ code: 'NOT_ALLOWED' });
    await say(alice, 'a question for you', 'moderators');
    await say(moderator, 'quiet please');
    await sees(bob, 'quiet please');
    expect((await snapshot(await guest('Late'))).chatState).toMatchObject({ enabled: false, muted: false });
  });
});

const draft: PollDraft = { question: 'Which is a prime?', options: ['4', '7', '9'], kind: 'single' };

/** The last poll event a socket received about this poll (or any poll). */
function lastPoll(socket: RawSocket, pollId?: string): EventOf<'poll'> | undefined {
  return received(socket)
    .filter((e): e is EventOf<'poll'> => e.kind === 'poll' && (pollId === undefined || e.pollId === pollId))
    .at(-1);
}

const pollSeen = (socket: RawSocket, check: (e: EventOf<'poll'>) => boolean, what: string, timeoutMs?: number) =>
  until(() => received(socket).some((e) => e.kind === 'poll' && check(e)), `${what} at ${socket.participantId}`, timeoutMs);

/** A moderator's new draft poll; returns its id. */
async function createPoll(moderator: RawSocket, content: PollDraft = draft): Promise<string> {
  await ok(moderator, { type: 'poll.create', clientId: randomUUID(), draft: content });
  return lastPoll(moderator)!.pollId;
}

describe('polls', () => {
  it('refuses a poll from someone who does not run polls', async () => {
    const { moderator, alice } = await classroom();
    expect(await refused(alice, { type: 'poll.create', clientId: 'p', draft })).toMatchObject({ code: 'NOT_ALLOWED' });
    const pollId = await createPoll(moderator);
    expect(await refused(alice, { type: 'poll.act', pollId, action: 'open' })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(await refused(alice, { type: 'poll.edit', pollId, draft })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(lastPoll(moderator, pollId)!.poll).toMatchObject({ state: 'draft' });
  });

  it('runs a poll: a draft only its runners see, one changeable ballot per person, live counts for moderators, results for all once revealed, stored', async () => {
    const { moderator, alice, bob, links, sessionId } = await classroom();
    // A student signed in with an account, in two tabs: one person, one ballot.
    const student = await teacher(server, 'Chloé');
    const tab1 = await RawSocket.join(server, student.api, { token: links.participant.token });
    const tab2 = await RawSocket.join(server, student.api, { token: links.participant.token });
    for (const s of [tab1, tab2]) await snapshot(s);

    const pollId = await createPoll(moderator);
    await ok(moderator, { type: 'poll.act', pollId, action: 'open' });
    for (const s of [moderator, alice, bob, tab1, tab2]) await pollSeen(s, (e) => e.pollId === pollId && e.change === 'opened', 'the opening');
    // The audience never heard of the draft.
    expect(received(alice).filter((e) => e.kind === 'poll').map((e) => e.kind === 'poll' && e.change)).toEqual(['opened']);
    expect(lastPoll(alice, pollId)!.poll).toMatchObject({ state: 'open', results: null, correct: null, myChoices: null });

    await ok(alice, { type: 'poll.vote', pollId, choices: [0] });
    await ok(alice, { type: 'poll.vote', pollId, choices: [1] });
    await ok(alice, { type: 'poll.vote', pollId, choices: [1] });
    await ok(bob, { type: 'poll.vote', pollId, choices: [1] });
    await ok(tab1, { type: 'poll.vote', pollId, choices: [2] });
    await ok(tab2, { type: 'poll.vote', pollId, choices: [1] });
    await pollSeen(moderator, (e) => e.change === 'voted' && e.poll?.results?.voters === 3 && e.poll.results.counts[1] === 3, 'the live counts');
    expect(lastPoll(moderator, pollId)!.poll!.results).toEqual({ counts: [0, 3, 0], voters: 3, correctVoters: null });
    // Each voter is shown their own ballot; the other tab of the same account too.
    expect(lastPoll(alice, pollId)).toMatchObject({ personal: true, poll: { myChoices: [1], results: null } });
    await pollSeen(tab1, (e) => e.personal && e.poll?.myChoices?.[0] === 1, 'the ballot from the other tab');
    // Nothing of other people's votes reaches the audience.
    expect(received(bob).filter((e) => e.kind === 'poll' && e.change === 'voted').every((e) => e.kind === 'poll' && e.personal)).toBe(true);

    await ok(moderator, { type: 'poll.act', pollId, action: 'close' });
    expect(await refused(bob, { type: 'poll.vote', pollId, choices: [0] })).toMatchObject({ code: 'INVALID_STATE' });
    await pollSeen(alice, (e) => e.change === 'closed' && e.poll?.results === null, 'the close, without results');
    await ok(moderator, { type: 'poll.act', pollId, action: 'reveal' });
    for (const s of [alice, bob, tab1]) {
      await pollSeen(s, (e) => e.change === 'revealed', 'the results');
      expect(lastPoll(s, pollId)!.poll).toMatchObject({ state: 'revealed', results: { counts: [0, 3, 0], voters: 3 } });
    }
    await until(async () => (await storedPoll(sessionId, pollId))?.state === 'revealed', 'the stored poll');
    expect((await storedPoll(sessionId, pollId))!.results).toEqual({ counts: [0, 3, 0], voters: 3, correctVoters: null });
  });

  it('closes a poll when its timer runs out', async () => {
    const { moderator, alice } = await classroom();
    const pollId = await createPoll(moderator, { ...draft, durationMs: 5000 });
    await ok(moderator, { type: 'poll.act', pollId, action: 'open' });
    await pollSeen(alice, (e) => e.change === 'opened' && e.poll?.deadline !== null, 'the opening with a deadline');
    await ok(alice, { type: 'poll.vote', pollId, choices: [1] });
    await pollSeen(alice, (e) => e.change === 'closed', 'the close by the timer', 15_000);
    const closed = lastPoll(alice, pollId)!.poll!;
    expect(closed.closedAt).toBe(closed.deadline);
    expect(await refused(alice, { type: 'poll.vote', pollId, choices: [0] })).toMatchObject({ code: 'INVALID_STATE' });
  });
});

async function storedPoll(sessionId: string, pollId: string) {
  return server.database.db.selectFrom('polls').selectAll().where('session_id', '=', sessionId).where('poll_id', '=', pollId).executeTakeFirst();
}

/** The last event a socket received about this question. */
function lastQuestion(socket: RawSocket, questionId?: string): EventOf<'question'> | undefined {
  return received(socket)
    .filter((e): e is EventOf<'question'> => e.kind === 'question' && (questionId === undefined || e.questionId === questionId))
    .at(-1);
}
const questionSeen = (socket: RawSocket, check: (e: EventOf<'question'>) => boolean, what: string) =>
  until(() => received(socket).some((e) => e.kind === 'question' && check(e)), `${what} at ${socket.participantId}`);

async function ask(socket: RawSocket, text: string, anonymous = false): Promise<string> {
  await ok(socket, { type: 'question.ask', clientId: randomUUID(), text, anonymous });
  return lastQuestion(socket)!.questionId;
}

describe('Q&A', () => {
  it('hides an anonymous asker from peers but not from moderators; the asker sees it as theirs', async () => {
    const { moderator, alice, bob } = await classroom();
    const id = await ask(alice, 'Why is the sky blue?', true);
    await questionSeen(bob, (e) => e.questionId === id, 'the question');
    await questionSeen(moderator, (e) => e.questionId === id, 'the question');
    expect(lastQuestion(bob, id)!.question).toMatchObject({ text: 'Why is the sky blue?', anonymous: true, askerName: null, askerKey: null, mine: false });
    expect(lastQuestion(moderator, id)!.question).toMatchObject({ anonymous: true, askerName: 'Alice', askerKey: alice.participantId });
    expect(lastQuestion(alice, id)).toMatchObject({ personal: true, question: { mine: true } });
  });

  it('hides an anonymous asker from moderators too when the room is fully anonymous', async () => {
    const { moderator, alice } = await classroom({ qaAnonymity: 'full' });
    const id = await ask(alice, 'May I ask without my name?', true);
    await questionSeen(moderator, (e) => e.questionId === id, 'the question');
    expect(lastQuestion(moderator, id)!.question).toMatchObject({ anonymous: true, askerName: null, askerKey: null });
    expect((await snapshot(moderator)).qaAnonymity).toBe('full');
  });

  it('counts one upvote per person, never one\'s own; "answering now" reaches the asker', async () => {
    const { moderator, alice, bob } = await classroom();
    const id = await ask(alice, 'What is a group?');
    await ok(bob, { type: 'question.act', questionId: id, action: 'upvote' });
    await ok(bob, { type: 'question.act', questionId: id, action: 'upvote' });
    expect(await refused(alice, { type: 'question.act', questionId: id, action: 'upvote' })).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(await refused(alice, { type: 'question.act', questionId: id, action: 'answering' })).toMatchObject({ code: 'NOT_ALLOWED' });
    await ok(moderator, { type: 'question.act', questionId: id, action: 'answering' });
    await questionSeen(alice, (e) => e.questionId === id && e.change === 'answering', '"answering now"');
    expect(lastQuestion(alice, id)!.question).toMatchObject({ status: 'answering', votes: 1 });
    expect(received(moderator).filter((e) => e.kind === 'question' && e.change === 'upvoted')).toHaveLength(1);
    expect(lastQuestion(bob, id)).toMatchObject({ question: { votes: 1 } });
  });

  it('merges a duplicate into the question kept, combining votes', async () => {
    const { moderator, alice, bob } = await classroom();
    const kept = await ask(alice, 'How do we prove it?');
    const duplicate = await ask(bob, 'How can it be proved?');
    await ok(moderator, { type: 'question.merge', questionId: duplicate, into: kept });
    await questionSeen(alice, (e) => e.change === 'merged', 'the merge');
    expect(lastQuestion(alice, duplicate)).toMatchObject({ change: 'merged', question: null, into: { id: kept, votes: 1 } });
    expect((await snapshot(bob)).questions.map((q) => [q.id, q.votes, q.votedByMe])).toEqual([[kept, 1, true]]);
  });
});

describe('ordered and lossless', () => {
  it('gives a socket that comes back with its last seq exactly what it missed, in order, once', async () => {
    const { moderator, alice, bob } = await classroom();
    await say(moderator, 'one');
    await sees(alice, 'one');
    const last = lastSeqOf(alice);
    alice.terminate();
    for (const text of ['two', 'three', 'four']) await say(bob, text);
    await say(bob, 'private', 'moderators');
    const back = await RawSocket.open(server);
    back.send({ type: 'resume', resumeToken: alice.welcome.resumeToken });
    await back.next('welcome');
    const answer = await syncInteraction(back, last);
    expect(answer.type).toBe('interaction.events');
    expect(answer.type === 'interaction.events' && answer.events.map((e) => e.kind === 'chat.message' && e.text)).toEqual(['two', 'three', 'four']);
    expect(answer.lastSeq).toBe(last + 4);
    await say(moderator, 'five');
    await sees(back, 'five');
    expect(chatTexts(back)).toEqual(['two', 'three', 'four', 'five']);
  });

  it('stores a retried message once (same client id), and answers both sends', async () => {
    const { moderator, alice, sessionId } = await classroom();
    alice.send({ type: 'chat.send', id: 'first', clientId: 'c-42', text: 'only once', to: 'room' });
    alice.send({ type: 'chat.send', id: 'retry', clientId: 'c-42', text: 'only once', to: 'room' });
    await alice.ack('first');
    await alice.ack('retry');
    await ok(alice, { type: 'chat.send', clientId: 'c-42', text: 'only once', to: 'room' });
    await say(moderator, 'barrier');
    await sees(alice, 'barrier');
    expect(chatTexts(alice)).toEqual(['only once', 'barrier']);
    expect((await storedEvents(sessionId)).map((r) => r.client_id)).toEqual(['c-42', expect.any(String)]);
  });

  it('gives a late joiner the last 200 messages', async () => {
    const { moderator, guest } = await classroom();
    for (let i = 1; i <= 205; i++) moderator.send({ type: 'chat.send', id: `m${i}`, clientId: `m${i}`, text: `message ${i}`, to: 'room' });
    await moderator.ack('m205');
    const late = await snapshot(await guest('Late'));
    const texts = late.chat.map((e) => e.kind === 'chat.message' && e.text);
    expect(texts).toHaveLength(200);
    expect(texts[0]).toBe('message 6');
    expect(texts.at(-1)).toBe('message 205');
    expect(late.lastSeq).toBe(205);
  });
});

describe('bad input and abuse', () => {
  it('answers a burst of messages beyond the limit with RATE_LIMITED and a delay, and keeps the socket open', async () => {
    const { alice, bob } = await classroom();
    for (let i = 1; i <= 6; i++) alice.send({ type: 'chat.send', id: `r${i}`, clientId: `r${i}`, text: `burst ${i}`, to: 'room' });
    const error = await alice.error('r6');
    expect(error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    await sees(bob, 'burst 5');
    expect(chatTexts(bob)).toEqual(['burst 1', 'burst 2', 'burst 3', 'burst 4', 'burst 5']);
    expect(alice.isOpen).toBe(true);
  });

  it('answers malformed or oversized commands with an error and changes nothing', async () => {
    const { moderator, alice, sessionId } = await classroom();
    const bad: [unknown, string][] = [
      [{ type: 'chat.send', text: 'no client id', to: 'room' }, 'INVALID_MESSAGE'],
      [{ type: 'chat.send', clientId: 'a', text: 'x'.repeat(4001), to: 'room' }, 'INVALID_MESSAGE'],
      [{ type: 'chat.send', clientId: 'b', text: 'hi', to: 'everyone' }, 'INVALID_MESSAGE'],
      [{ type: 'chat.send', clientId: 'c', text: 'x'.repeat(1001), to: 'room' }, 'VALIDATION_FAILED'],
      [{ type: 'chat.send', clientId: 'd', text: '   ', to: 'room' }, 'VALIDATION_FAILED'],
      [{ type: 'poll.vote', pollId: 'p', choices: 'all' }, 'INVALID_MESSAGE'],
      [{ type: 'question.ask', clientId: 'e', text: 'x', anonymous: 'yes' }, 'INVALID_MESSAGE'],
      [{ type: 'reaction.send', reaction: 'poop' }, 'INVALID_MESSAGE'],
      [{ type: 'interaction.sync', lastSeq: -1 }, 'INVALID_MESSAGE'],
      [{ type: 'chat.delete', seq: 1 }, 'NOT_ALLOWED'],
    ];
    for (const [message, code] of bad) {
      const id = nextId('garbage');
      alice.send(JSON.stringify({ ...(message as object), id }));
      expect(await alice.error(id)).toMatchObject({ code });
    }
    alice.send(JSON.stringify({ type: 'chat.send', id: 'huge', clientId: 'h', text: 'x'.repeat(20_000), to: 'room' }));
    expect(await alice.error('huge')).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(alice.isOpen).toBe(true);
    expect(await storedEvents(sessionId)).toEqual([]);
    await say(alice, 'still works');
    await sees(moderator, 'still works');
  });
});

describe('reactions and lectures', () => {
  it('counts reactions and sends the tally, not each reaction', async () => {
    const { moderator, alice, bob } = await classroom();
    await ok(alice, { type: 'reaction.send', reaction: 'clap' });
    await ok(alice, { type: 'reaction.send', reaction: 'clap' });
    await ok(bob, { type: 'reaction.send', reaction: 'heart' });
    const total = (s: RawSocket) => s.messages.reduce((n, m) => n + (m.type === 'interaction.reactions' ? m.total : 0), 0);
    await until(() => total(moderator) === 3, 'the tally of three reactions', 5000);
    const tallies = moderator.messages.filter((m): m is MessageOf<'interaction.reactions'> => m.type === 'interaction.reactions');
    expect(tallies.reduce((n, t) => n + (t.counts.clap ?? 0), 0)).toBe(2);
    expect(tallies.every((t) => t.mediaTime !== null)).toBe(true);
    expect(received(moderator)).toEqual([]);
  });

  it('lets a lecture\'s viewers chat, ask, vote and react', async () => {
    const room = await liveRoom(server, {}, 'lecture');
    const viewer = await room.guest('Viewer');
    expect(viewer.welcome.you.role).toBe('viewer');
    await snapshot(room.moderator);
    await snapshot(viewer);
    await say(viewer, 'hello from the audience');
    await sees(room.moderator, 'hello from the audience');
    const questionId = await ask(viewer, 'Will this be on the exam?');
    await questionSeen(room.moderator, (e) => e.questionId === questionId, 'the question');
    const pollId = await createPoll(room.moderator);
    await ok(room.moderator, { type: 'poll.act', pollId, action: 'open' });
    await pollSeen(viewer, (e) => e.change === 'opened', 'the poll');
    await ok(viewer, { type: 'poll.vote', pollId, choices: [1] });
    await pollSeen(room.moderator, (e) => e.poll?.results?.voters === 1, 'the vote');
    await ok(viewer, { type: 'reaction.send', reaction: 'thumbsUp' });
  });
});

describe('storage', () => {
  it('keeps the events and polls of a live session after it ended', async () => {
    const { moderator, alice, sessionId } = await classroom();
    await say(alice, 'for the record');
    const pollId = await createPoll(moderator);
    await ok(moderator, { type: 'poll.act', pollId, action: 'open' });
    await ok(alice, { type: 'poll.vote', pollId, choices: [2] });
    await ok(moderator, { type: 'session.end' });
    // The row written at the opening has results too (all zero): wait for the one with the vote.
    await until(async () => JSON.stringify((await storedPoll(sessionId, pollId))?.results ?? null).includes('"voters":1'), 'the final poll');
    expect((await storedPoll(sessionId, pollId))).toMatchObject({ state: 'open', results: { counts: [0, 0, 1], voters: 1 } });
    expect((await storedEvents(sessionId)).map((r) => r.kind)).toEqual(['chat.message', 'poll', 'poll', 'poll']);
  });

  it('rebuilds a session from its stored log: a follower fed with it sees what a late joiner sees, then leads', async () => {
    const { moderator, alice, bob, sessionId, guest } = await classroom();
    await say(alice, 'kept');
    await say(bob, 'deleted later');
    await sees(moderator, 'deleted later');
    await ok(moderator, { type: 'chat.delete', seq: 2 });
    await say(bob, 'private', 'moderators');
    const questionId = await ask(alice, 'Stored?', true);
    await ok(bob, { type: 'question.act', questionId, action: 'upvote' });
    const pollId = await createPoll(moderator);
    await ok(moderator, { type: 'poll.act', pollId, action: 'open' });
    await ok(bob, { type: 'poll.vote', pollId, choices: [0] });
    const late = await guest('Late');
    const live = await snapshot(late);

    const store = new InteractionStore(server.database.db);
    const stored = await store.load(sessionId);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await store.load(sessionId, 7)).toEqual(stored.slice(7));
    expect(await store.lastSeq(sessionId)).toBe(9);
    const restored = new InteractionSession({ sessionId, anonymity: 'fromPeers', store: null, participant: () => undefined, log: console, follower: true });
    expect(restored.receive(stored)).toEqual({ ok: true, added: 9 });
    const viewer = { participantId: late.participantId, key: late.participantId, role: late.welcome.you.role };
    expect(restored.snapshot(viewer)).toEqual(live);
    restored.lead();
    expect(restored.since(9)).toEqual({ complete: true, events: [] });
    restored.close();
  });
});
