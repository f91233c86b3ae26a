import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent, PollDraft } from '@amphi/protocol';
import { testConfig, type Database } from '../src/index.js';
import { PASSWORD, RawSocket, expectRoomWorks, liveRoom, syncInteraction, teacher, until } from './helpers.js';
import {
  ClientLog,
  inProcess,
  ok,
  processes,
  receivedChat,
  receivedEvents,
  request,
  startProcess,
  storedEvents,
  type Command,
  type Instance,
  type ServerProcess,
  type TwoInstances,
  type SharedSetup,
} from './twoInstances.js';

/** The live_sessions rows of a room. */
function sessionRows(database: Database, roomId: string) {
  return database.db.selectFrom('live_sessions').selectAll().where('room_id', '=', roomId).execute();
}

/** Opens a socket to `instance` and resumes with `resumeToken`: the server refuses it as RESUME_EXPIRED. */
async function expectResumeExpired(instance: Instance, resumeToken: string): Promise<void> {
  const socket = await RawSocket.open(instance);
  socket.send({ type: 'resume', resumeToken });
  expect(await socket.next('error')).toMatchObject({ code: 'RESUME_EXPIRED' });
}

/**
 * What two instances sharing a database and a bus must do, whichever the bus: one live
 * session per room across instances, ended everywhere at once, resumable on either.
 */
function describeSharedRooms(name: string, start: () => Promise<TwoInstances>): void {
  describe(name, () => {
    let two: TwoInstances;
    let a: Instance;
    let b: Instance;
    beforeAll(async () => {
      two = await start();
      ({ a, b } = two);
    });
    afterAll(async () => two?.close());
    // Whatever a test does, neither instance logs an error (a start written twice would).
    const seen = new Map<Instance, number>();
    afterEach(() => {
      const fresh = [a, b].flatMap((instance) => {
        const errors = instance.errors();
        const since = errors.slice(seen.get(instance) ?? 0);
        seen.set(instance, errors.length);
        return since;
      });
      expect(fresh).toEqual([]);
    });

    it('lets a student on B join, at once, the session a teacher started on A: one session id, one database row', async () => {
      const { room, links, moderator } = await liveRoom(a);
      const sessionId = moderator.welcome.session!.id;
      const bea = await RawSocket.join(b, b.api(), { token: links.participant.token, displayName: 'Bea' });
      expect(bea.welcome).toMatchObject({ status: 'joined', session: { id: sessionId } });
      expect(bea.welcome.you).toMatchObject({ name: 'Bea', role: 'guest' });
      await expectRoomWorks(bea, []);
      await until(async () => (await sessionRows(two.database, room.id)).length > 0, 'the session row');
      expect(await sessionRows(two.database, room.id)).toEqual([expect.objectContaining({ id: sessionId, ended_at: null })]);
      moderator.close();
      bea.close();
    });

    it('lets in a student who waited on B when the teacher starts the session on A', async () => {
      const owner = await roomOf(a);
      const bea = await RawSocket.join(b, b.api(), { token: owner.links.participant.token, displayName: 'Bea' });
      expect(bea.welcome).toMatchObject({ status: 'waiting', session: null });
      const moderator = await RawSocket.join(a, owner.api, { roomId: owner.room.id });
      const sessionId = moderator.welcome.session!.id;
      expect(await bea.next('status')).toMatchObject({ status: 'joined', session: { id: sessionId } });
      moderator.close();
      bea.close();
    });

    it('ends the session everywhere when the teacher ends it on A: the student on B is told, the row ends once, as ended by a moderator', async () => {
      const { room, links, moderator } = await liveRoom(a);
      const sessionId = moderator.welcome.session!.id;
      const bea = await RawSocket.join(b, b.api(), { token: links.participant.token, displayName: 'Bea' });
      moderator.send({ type: 'session.end', id: 'end' });
      expect(await bea.next('removed')).toMatchObject({ reason: 'ended' });
      await bea.closed;
      await until(async () => (await sessionRows(two.database, room.id))[0]?.ended_at != null, 'the session row to end');
      expect(await sessionRows(two.database, room.id)).toEqual([expect.objectContaining({ id: sessionId, ended_reason: 'moderator' })]);
      // Nothing of it is left on B: a student arriving there waits for a new session.
      const carl = await RawSocket.join(b, b.api(), { token: links.participant.token, displayName: 'Carl' });
      expect(carl.welcome).toMatchObject({ status: 'waiting', session: null });
      // And Bea's resume token no longer brings her back, on either instance.
      for (const instance of [a, b]) await expectResumeExpired(instance, bea.welcome.resumeToken);
      carl.close();
    });

    it('takes a student back on B with the resume token A gave: same participant, name and role, in the same session', async () => {
      const { links, moderator } = await liveRoom(a);
      const sessionId = moderator.welcome.session!.id;
      const bea = await RawSocket.join(a, a.api(), { token: links.participant.token, displayName: 'Bea' });
      await moderator.next('participant.joined', (m) => m.participant.id === bea.participantId);
      // The balancer sends her new connection to B.
      bea.terminate();
      const moved = await RawSocket.open(b);
      moved.send({ type: 'resume', resumeToken: bea.welcome.resumeToken });
      const welcome = await moved.next('welcome');
      expect(welcome).toMatchObject({ participantId: bea.participantId, status: 'joined', session: { id: sessionId }, you: { name: 'Bea', role: 'guest' } });
      // Her media lived on A: she sets it up again here.
      expect(await moved.next('media.reset')).toMatchObject({ reason: 'restarted' });
      await expectRoomWorks(moved, []);
      // The token B gave back works on B too, as after any reconnection.
      moved.terminate();
      const again = await RawSocket.open(b);
      again.send({ type: 'resume', resumeToken: welcome.resumeToken });
      expect(await again.next('welcome')).toMatchObject({ participantId: bea.participantId, status: 'joined' });
      moderator.close();
      again.close();
    });

    it('does not take back, on another instance, someone removed or gone: their old token is refused', async () => {
      const { links, moderator } = await liveRoom(a);
      const bea = await RawSocket.join(a, a.api(), { token: links.participant.token, displayName: 'Bea' });
      const dan = await RawSocket.join(a, a.api(), { token: links.participant.token, displayName: 'Dan' });
      moderator.send({ type: 'participant.remove', id: 'rm', participantId: bea.participantId });
      await moderator.ack('rm');
      dan.send({ type: 'leave', id: 'bye' });
      await moderator.next('participant.left', (m) => m.participantId === dan.participantId);
      for (const gone of [bea, dan]) await expectResumeExpired(b, gone.welcome.resumeToken);
      moderator.close();
    });

    it('keeps the session while either instance has people, and writes its end once, when the last one empties', async () => {
      const { room, links, moderator } = await liveRoom(a);
      const sessionId = moderator.welcome.session!.id;
      const bea = await RawSocket.join(b, b.api(), { token: links.participant.token, displayName: 'Bea' });
      moderator.send({ type: 'leave', id: 'bye' });
      await moderator.closed;
      // A emptied, B still runs the session: someone arriving on A joins it, not a new one.
      const carl = await RawSocket.join(a, a.api(), { token: links.participant.token, displayName: 'Carl' });
      expect(carl.welcome).toMatchObject({ status: 'joined', session: { id: sessionId } });
      await until(async () => (await sessionRows(two.database, room.id)).length > 0, 'the session row');
      expect(await sessionRows(two.database, room.id)).toEqual([expect.objectContaining({ id: sessionId, ended_at: null })]);
      carl.send({ type: 'leave', id: 'bye' });
      await carl.closed;
      bea.send({ type: 'leave', id: 'bye' });
      await bea.closed;
      await until(async () => (await sessionRows(two.database, room.id))[0]?.ended_at != null, 'the session row to end');
      expect(await sessionRows(two.database, room.id)).toEqual([expect.objectContaining({ id: sessionId, ended_reason: 'empty' })]);
      // Nobody holds it any more: the next arrival waits for a moderator.
      const dan = await RawSocket.join(b, b.api(), { token: links.participant.token, displayName: 'Dan' });
      expect(dan.welcome).toMatchObject({ status: 'waiting', session: null });
      dan.close();
    });
  });
}

/** A chat message to the room with a fresh client id. */
const chat = (text: string, clientId = randomUUID()): Command => ({ type: 'chat.send', clientId, text, to: 'room' });

/** The chat a socket received, as [seq, text]. */
const chatOf = (socket: RawSocket) => receivedChat(socket).map((e) => [e.seq, e.text] as const);

/** The last seq a socket heard of (a snapshot or a frame): what its client resumes from. */
function lastSeqOf(socket: RawSocket): number {
  let last = 0;
  for (const m of socket.messages) if (m.type === 'interaction.events' || m.type === 'interaction.snapshot') last = Math.max(last, m.lastSeq);
  return last;
}

/**
 * A live classroom spread over both instances, everyone synced: the teacher on A (and in a
 * second tab on B, also a moderator), Alice on A, Bob on B.
 */
async function classroomOnBoth(a: Instance, b: Instance) {
  const room = await liveRoom(a);
  const sessionId = room.moderator.welcome.session!.id;
  const apiOnB = b.api();
  await apiOnB.signIn({ email: room.owner.email, password: PASSWORD });
  const tab = await RawSocket.join(b, apiOnB, { roomId: room.room.id });
  const alice = await room.guest('Alice');
  const bob = await RawSocket.join(b, b.api(), { token: room.links.participant.token, displayName: 'Bob' });
  for (const s of [room.moderator, tab, alice, bob]) await syncInteraction(s);
  return { ...room, sessionId, tab, alice, bob };
}

/**
 * Sends a command as the client library does: when told RATE_LIMITED, sends it again (same
 * client id) after `retryAfterMs`; resolves on its ack, fails on another error or after 30 s.
 */
async function sendAsAClientWould(socket: RawSocket, command: Command): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const error = await request(socket, command);
    if (!error) return;
    if (error.code !== 'RATE_LIMITED' || Date.now() > deadline) throw new Error(`${command.type} refused: ${error.code}`);
    await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 1000));
  }
}

type PollEvent = Extract<InteractionEvent, { kind: 'poll' }>;
const pollEvents = (socket: RawSocket) => receivedEvents(socket).filter((e): e is PollEvent => e.kind === 'poll');
const pollSeen = (socket: RawSocket, check: (e: PollEvent) => boolean, what: string) => until(() => pollEvents(socket).some(check), `${what} at ${socket.participantId}`);

/**
 * The interaction layer over two instances: one log per live session, led by one instance,
 * mirrored by the other; commands sent on either are numbered by the leader.
 */
function describeSharedInteraction(start: () => Promise<TwoInstances>): void {
  describe('sharing the interaction log', () => {
    let two: TwoInstances;
    let a: Instance;
    let b: Instance;
    beforeAll(async () => {
      two = await start();
      ({ a, b } = two);
    });
    afterAll(async () => two?.close());
    afterEach(() => expect([...a.errors(), ...b.errors()]).toEqual([]));

    it('delivers chat sent on A and on B, interleaved, to every socket of both in one order, stored once as seqs 1..n', async () => {
      const { moderator, tab, alice, bob, sessionId } = await classroomOnBoth(a, b);
      // Senders on both instances at once, none waiting for the others (moderators have no chat limit).
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 6; i++) {
        sends.push(ok(moderator, chat(`teacher on A ${i}`)), ok(tab, chat(`teacher on B ${i}`)));
        if (i < 3) sends.push(ok(alice, chat(`Alice on A ${i}`)), ok(bob, chat(`Bob on B ${i}`)));
      }
      await Promise.all(sends);
      const sockets = [moderator, tab, alice, bob];
      for (const s of sockets) await until(() => receivedChat(s).length === 18, `18 messages at ${s.participantId}`);
      const order = chatOf(moderator);
      expect(order.map(([seq]) => seq)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
      for (const s of sockets) expect(chatOf(s)).toEqual(order);
      const rows = await storedEvents(two.database, sessionId);
      expect(rows.map((r) => [r.seq, (r.payload as { text: string }).text])).toEqual(order);
      expect(new Set(rows.map((r) => `${r.actor_id}/${r.client_id}`)).size).toBe(18);
    });

    it('stores a command retried on the other instance once', async () => {
      const { moderator, alice, bob, sessionId } = await classroomOnBoth(a, b);
      const clientId = randomUUID();
      await ok(bob, chat('sent twice', clientId));
      await ok(bob, chat('sent twice', clientId));
      // Bob's connection moves to A, where his client sends it once more.
      bob.terminate();
      const moved = await RawSocket.open(a);
      moved.send({ type: 'resume', resumeToken: bob.welcome.resumeToken });
      await moved.next('welcome');
      await syncInteraction(moved, lastSeqOf(bob));
      await ok(moved, chat('sent twice', clientId));
      await ok(moderator, chat('after'));
      for (const s of [moderator, alice, moved]) await until(() => chatOf(s).some(([, text]) => text === 'after'), 'the last message');
      expect(chatOf(moderator)).toEqual([
        [1, 'sent twice'],
        [2, 'after'],
      ]);
      expect((await storedEvents(two.database, sessionId)).map((r) => r.seq)).toEqual([1, 2]);
    });

    it('runs a poll opened on A and voted on B: one ballot per account with tabs on both instances, results revealed to all', async () => {
      const { moderator, tab, alice, bob, links, sessionId } = await classroomOnBoth(a, b);
      // A student signed in with an account, with a tab on each instance.
      const student = await teacher(b, 'Chloé');
      const onB = await RawSocket.join(b, student.api, { token: links.participant.token });
      const apiOnA = a.api();
      await apiOnA.signIn({ email: student.email, password: PASSWORD });
      const onA = await RawSocket.join(a, apiOnA, { token: links.participant.token });
      for (const s of [onA, onB]) await syncInteraction(s);
      const everyone = [moderator, tab, alice, bob, onA, onB];

      const draft: PollDraft = { question: 'Which is a prime?', options: ['4', '7', '9'], kind: 'single' };
      await ok(moderator, { type: 'poll.create', clientId: randomUUID(), draft });
      const pollId = pollEvents(moderator).at(-1)!.pollId;
      await ok(moderator, { type: 'poll.act', pollId, action: 'open' });
      for (const s of everyone) await pollSeen(s, (e) => e.pollId === pollId && e.change === 'opened', 'the opening');

      await ok(bob, { type: 'poll.vote', pollId, choices: [0] });
      await ok(onB, { type: 'poll.vote', pollId, choices: [2] });
      // The same person changes their ballot from their other tab, on the other instance.
      await ok(onA, { type: 'poll.vote', pollId, choices: [1] });
      await ok(alice, { type: 'poll.vote', pollId, choices: [1] });
      const counted = (e: PollEvent) => e.poll?.results?.voters === 3 && e.poll.results.counts.join() === '1,2,0';
      for (const s of [moderator, tab]) await pollSeen(s, counted, 'the live counts');
      await pollSeen(onB, (e) => e.personal && e.poll?.myChoices?.join() === '1', 'the ballot changed in the other tab');

      await ok(tab, { type: 'poll.act', pollId, action: 'close' });
      await ok(moderator, { type: 'poll.act', pollId, action: 'reveal' });
      for (const s of everyone) {
        await pollSeen(s, (e) => e.pollId === pollId && e.change === 'revealed', 'the results');
        expect(pollEvents(s).at(-1)!.poll).toMatchObject({ state: 'revealed', results: { counts: [1, 2, 0], voters: 3 } });
      }
      const stored = () => two.database.db.selectFrom('polls').selectAll().where('session_id', '=', sessionId).where('poll_id', '=', pollId).executeTakeFirst();
      await until(async () => (await stored())?.state === 'revealed', 'the stored poll');
      expect((await stored())!.results).toEqual({ counts: [1, 2, 0], voters: 3, correctVoters: null });
    });

    it('gives a client that moves from A to B with its last seq exactly what it missed, and takes its messages there', async () => {
      // Nobody of the room is on B yet: B reads the log from the database when she arrives.
      const { moderator, guest } = await liveRoom(a);
      const sessionId = moderator.welcome.session!.id;
      const alice = await guest('Alice');
      for (const s of [moderator, alice]) await syncInteraction(s);
      await ok(moderator, chat('one'));
      await ok(alice, chat('two'));
      await until(() => chatOf(alice).length === 2, 'two messages at Alice');
      const last = lastSeqOf(alice);
      alice.terminate();
      await ok(moderator, chat('three, while she is away'));
      await ok(moderator, chat('four'));

      const moved = await RawSocket.open(b);
      moved.send({ type: 'resume', resumeToken: alice.welcome.resumeToken });
      expect(await moved.next('welcome')).toMatchObject({ participantId: alice.participantId, session: { id: sessionId } });
      const missed = await syncInteraction(moved, last);
      expect(missed).toMatchObject({ type: 'interaction.events', lastSeq: 4 });
      expect(missed.type === 'interaction.events' && missed.events.map((e) => [e.seq, e.kind === 'chat.message' && e.text])).toEqual([
        [3, 'three, while she is away'],
        [4, 'four'],
      ]);
      await ok(moved, chat('five, from B'));
      for (const s of [moderator, moved]) await until(() => chatOf(s).some(([seq, text]) => seq === 5 && text === 'five, from B'), 'the message sent on B');
      expect((await storedEvents(two.database, sessionId)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    });

    it('lets a moderator on A mute the chat of a student connected only to B: he is told, and his messages are refused until unmuted', async () => {
      const { moderator, alice, bob } = await classroomOnBoth(a, b);
      const mute = (muted: boolean): Command => ({ type: 'chat.mute', clientId: randomUUID(), participantId: bob.participantId, muted });
      const muteSeen = (s: RawSocket, muted: boolean) => receivedEvents(s).some((e) => e.kind === 'chat.muted' && e.participantId === bob.participantId && e.muted === muted);
      await ok(moderator, mute(true));
      for (const s of [moderator, bob]) await until(() => muteSeen(s, true), `the mute at ${s.participantId}`);
      expect(await request(bob, chat('may I?'))).toMatchObject({ code: 'NOT_ALLOWED' });
      expect(await request(bob, { type: 'chat.send', clientId: randomUUID(), text: 'help', to: 'moderators' })).toMatchObject({ code: 'NOT_ALLOWED' });
      await ok(moderator, mute(false));
      await until(() => muteSeen(bob, false), 'the unmute at Bob');
      await ok(bob, chat('thank you'));
      await until(() => chatOf(moderator).some(([, text]) => text === 'thank you'), 'his message at the teacher');
      // Only the moderators and the person concerned hear of a mute.
      expect(receivedEvents(alice).some((e) => e.kind === 'chat.muted')).toBe(false);
      expect(chatOf(moderator).map(([, text]) => text)).toEqual(['thank you']);
    });

    it('adds up the reactions of both instances for everyone', async () => {
      const { moderator, tab, alice, bob } = await classroomOnBoth(a, b);
      for (let i = 0; i < 3; i++) await ok(bob, { type: 'reaction.send', reaction: 'clap' });
      for (let i = 0; i < 2; i++) await ok(alice, { type: 'reaction.send', reaction: 'heart' });
      const seen = (s: RawSocket) => {
        const counts = { clap: 0, heart: 0, total: 0 };
        for (const m of s.messages) {
          if (m.type !== 'interaction.reactions') continue;
          counts.clap += m.counts.clap ?? 0;
          counts.heart += m.counts.heart ?? 0;
          counts.total += m.total;
        }
        return counts;
      };
      for (const s of [moderator, tab, alice, bob]) {
        await until(() => seen(s).total === 5, `five reactions at ${s.participantId}`);
        expect(seen(s)).toEqual({ clap: 3, heart: 2, total: 5 });
      }
    });
  });
}

/** A room owned by a fresh teacher, nobody connected yet. */
async function roomOf(instance: Instance) {
  const { api } = await teacher(instance);
  const room = await api.createRoom({ title: 'Algebra', kind: 'classroom', settings: {} });
  return { api, room, links: await api.links(room.id) };
}

// Two hubs in this process on the in-process bus: runs everywhere (PGlite, or PostgreSQL when set).
describeSharedRooms('two instances in one process, on the in-process bus', inProcess);
describe('two instances in one process, on the in-process bus', () => describeSharedInteraction(inProcess));

// Two real server processes on the machine's PostgreSQL and Redis; CI's second pass sets both.
const config = testConfig();
describe.runIf(config.databaseUrl && config.redisUrl)('two server processes on PostgreSQL and Redis', () => {
  describeSharedRooms('sharing rooms', processes);
  describeSharedInteraction(processes);

  describe('when one goes away', () => {
    let two: TwoInstances<ServerProcess> & { shared: SharedSetup };
    beforeAll(async () => {
      two = await processes();
    });
    afterAll(async () => two?.close());

    it('starts a third instance without closing the sessions the others run: their rows stay open, and people join them there', async () => {
      const { room, links, moderator } = await liveRoom(two.a);
      const sessionId = moderator.welcome.session!.id;
      const third = await startProcess('C', two.shared);
      try {
        expect(await sessionRows(two.database, room.id)).toEqual([expect.objectContaining({ id: sessionId, ended_at: null })]);
        const carl = await RawSocket.join(third, third.api(), { token: links.participant.token, displayName: 'Carl' });
        expect(carl.welcome).toMatchObject({ status: 'joined', session: { id: sessionId } });
        carl.close();
      } finally {
        await third.stop();
      }
      moderator.close();
    });

    it('lets the people of a killed instance resume on the other one, in the same session', async () => {
      const { links, moderator } = await liveRoom(two.a);
      const sessionId = moderator.welcome.session!.id;
      const bea = await RawSocket.join(two.a, two.a.api(), { token: links.participant.token, displayName: 'Bea' });
      await two.a.kill();
      const moved = await RawSocket.open(two.b);
      moved.send({ type: 'resume', resumeToken: bea.welcome.resumeToken });
      expect(await moved.next('welcome')).toMatchObject({ participantId: bea.participantId, status: 'joined', session: { id: sessionId }, you: { name: 'Bea' } });
      await expectRoomWorks(moved, []);
      moved.close();
    });

    it('refuses to start an instance that signs with another secret than the running ones', async () => {
      await expect(startProcess('C', { ...two.shared, secret: 'another-secret-'.padEnd(44, 'y') })).rejects.toThrow(/AMPHI_SECRET/);
    });
  });

  describe("when the instance that leads a session's interaction log is killed", () => {
    let two: TwoInstances<ServerProcess>;
    beforeAll(async () => {
      two = await processes();
    });
    afterAll(async () => two?.close());

    it('hands the lead to the other instance: chat goes on there, its seqs continue with no gap or duplicate', async () => {
      // The session starts on A, alone: A leads its log.
      const { moderator, guest, links } = await liveRoom(two.a);
      const sessionId = moderator.welcome.session!.id;
      const alice = await guest('Alice');
      for (const s of [moderator, alice]) await syncInteraction(s);
      await ok(moderator, chat('one'));
      await ok(alice, chat('two'));
      const bob = await RawSocket.join(two.b, two.b.api(), { token: links.participant.token, displayName: 'Bob' });
      await syncInteraction(bob);
      await ok(bob, chat('three, from B'));
      await until(() => chatOf(alice).length === 3, 'three messages at Alice');
      const aliceLast = lastSeqOf(alice);

      await two.a.kill();
      // Until B leads, Bob's client is told to retry, and retries with the same client id.
      await sendAsAClientWould(bob, chat('four, after the crash'));
      const moved = await RawSocket.open(two.b);
      moved.send({ type: 'resume', resumeToken: alice.welcome.resumeToken });
      await moved.next('welcome');
      const missed = await syncInteraction(moved, aliceLast);
      expect(missed.type === 'interaction.events' && missed.events.map((e) => e.kind === 'chat.message' && [e.seq, e.text])).toEqual([[4, 'four, after the crash']]);
      await ok(moved, chat('five'));
      // What Bob's client keeps: the snapshot he joined with, then the frames.
      const bobsLog = new ClientLog();
      await until(() => {
        bobsLog.take(bob);
        return bobsLog.lastSeq === 5;
      }, 'five messages at Bob');
      expect([...bobsLog.chat.values()].map((e) => [e.seq, e.text])).toEqual([
        [1, 'one'],
        [2, 'two'],
        [3, 'three, from B'],
        [4, 'four, after the crash'],
        [5, 'five'],
      ]);
      const rows = await storedEvents(two.database, sessionId);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(rows.map((r) => r.client_id)).size).toBe(5);
      expect(two.b.errors()).toEqual([]);
    });
  });
});
