import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, type Database } from '../src/index.js';
import { RawSocket, expectRoomWorks, liveRoom, teacher, until } from './helpers.js';
import { inProcess, processes, startProcess, type Instance, type ServerProcess, type TwoInstances, type SharedSetup } from './twoInstances.js';

/** The live_sessions rows of a room. */
function sessionRows(database: Database, roomId: string) {
  return database.db.selectFrom('live_sessions').selectAll().where('room_id', '=', roomId).execute();
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
      for (const instance of [a, b]) {
        const socket = await RawSocket.open(instance);
        socket.send({ type: 'resume', resumeToken: bea.welcome.resumeToken });
        expect(await socket.next('error')).toMatchObject({ code: 'RESUME_EXPIRED' });
      }
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
      for (const gone of [bea, dan]) {
        const socket = await RawSocket.open(b);
        socket.send({ type: 'resume', resumeToken: gone.welcome.resumeToken });
        expect(await socket.next('error')).toMatchObject({ code: 'RESUME_EXPIRED' });
      }
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

/** A room owned by a fresh teacher, nobody connected yet. */
async function roomOf(instance: Instance) {
  const { api } = await teacher(instance);
  const room = await api.createRoom({ title: 'Algebra', kind: 'classroom', settings: {} });
  return { api, room, links: await api.links(room.id) };
}

// Two hubs in this process on the in-process bus: runs everywhere (PGlite, or PostgreSQL when set).
describeSharedRooms('two instances in one process, on the in-process bus', inProcess);

// Two real server processes on the machine's PostgreSQL and Redis; CI's second pass sets both.
const config = testConfig();
describe.runIf(config.databaseUrl && config.redisUrl)('two server processes on PostgreSQL and Redis', () => {
  describeSharedRooms('sharing rooms', processes);

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
});
