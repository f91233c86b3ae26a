import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomClient } from '@amphi/client';
import { startServer, type TestServer } from './harness.js';
import { RawSocket, expectRoomWorks, liveRoom, until } from './helpers.js';

/** Short grace period and heartbeat, so that losing a connection plays out in a few seconds. */
const GRACE_MS = 1500;
const HEARTBEAT_MS = 500;
const HELLO_TIMEOUT_MS = 500;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ resumeGraceMs: GRACE_MS, heartbeatMs: HEARTBEAT_MS, helloTimeoutMs: HELLO_TIMEOUT_MS });
});
afterAll(async () => server?.close());

/** The `connected` values the observer saw for this participant, in order. */
function connectedSeen(observer: RawSocket, participantId: string): boolean[] {
  return observer.messages.flatMap((m) => (m.type === 'participant.updated' && m.participant.id === participantId ? [m.participant.connected] : []));
}

describe('reconnection', () => {
  it('takes a dropped client back with its resume token, with the same participant id; the others see it go and come back', async () => {
    const { links, moderator } = await liveRoom(server);
    const { ticket } = await server.api().join({ token: links.participant.token, displayName: 'Alice' });
    const sockets: WebSocket[] = [];
    const alice = new RoomClient({
      url: server.baseUrl.replace(/^http/, 'ws') + '/ws',
      ticket,
      createSocket: (url) => {
        const ws = new WebSocket(url);
        sockets.push(ws);
        return ws;
      },
    });
    await alice.connect();
    const id = alice.participantId!;
    await moderator.next('participant.joined', (m) => m.participant.id === id);

    // The network drops: the socket dies without a closing handshake.
    sockets[0]!.terminate();
    await moderator.next('participant.updated', (m) => m.participant.id === id && !m.participant.connected);
    await until(() => sockets.length === 2 && alice.state === 'joined', 'Alice to come back');
    await moderator.next('participant.updated', (m) => m.participant.id === id && m.participant.connected);

    expect(alice.participantId).toBe(id);
    expect(connectedSeen(moderator, id)).toEqual([false, true]);
    expect(alice.participants.map((p) => p.name).sort()).toEqual(['Alice', 'Prof. Martin']);
    expect(moderator.messages.some((m) => m.type === 'participant.left')).toBe(false);
    await alice.raiseHand();
    await moderator.next('participant.updated', (m) => m.participant.id === id && m.participant.handRaised);
    alice.leave();
    expect(await moderator.next('participant.left')).toMatchObject({ participantId: id, reason: 'left' });
  });

  it('lets a new client take the place with a saved resume token, as after a page reload', async () => {
    const { links, moderator } = await liveRoom(server);
    const before = server.roomClient((await server.api().join({ token: links.participant.token, displayName: 'Alice' })).ticket);
    await before.connect();
    const id = before.participantId!;
    const saved = before.resumeToken!;
    await moderator.next('participant.joined', (m) => m.participant.id === id);
    // The page reloads: the new page takes the place while the old socket may still be open.

    const after = new RoomClient({ url: server.baseUrl.replace(/^http/, 'ws') + '/ws', resumeToken: saved, createSocket: (url) => new WebSocket(url) });
    await after.connect();
    expect(after.participantId).toBe(id);
    expect(after.state).toBe('joined');
    expect(after.participants.map((p) => p.name).sort()).toEqual(['Alice', 'Prof. Martin']);
    expect(moderator.messages.some((m) => m.type === 'participant.left')).toBe(false);
    // The old connection is told it was replaced, and does not try to come back.
    await until(() => before.state === 'closed', 'the old connection to close');
    after.leave();
    expect(await moderator.next('participant.left')).toMatchObject({ participantId: id, reason: 'left' });
  });

  it('closes a socket that never says hello (NOT_AUTHENTICATED), leaving the room untouched', async () => {
    const { moderator, guest } = await liveRoom(server);
    const bob = await guest('Bob');
    const silent = await RawSocket.open(server);
    expect(await silent.next('error', () => true, HELLO_TIMEOUT_MS + 5000)).toMatchObject({ code: 'NOT_AUTHENTICATED' });
    expect((await silent.closed).code).toBe(4000);
    await expectRoomWorks(bob, [moderator]);
  });

  it('removes a client who does not come back within the grace period (participant.left, reason "timeout")', async () => {
    const { moderator, guest } = await liveRoom(server);
    const alice = await guest('Alice');
    const bob = await guest('Bob');
    alice.terminate();
    await moderator.next('participant.updated', (m) => m.participant.id === alice.participantId && !m.participant.connected);
    // Still in the room, shown as disconnected, during the grace period.
    await expectRoomWorks(bob, [moderator]);
    expect(moderator.messages.some((m) => m.type === 'participant.left')).toBe(false);
    for (const s of [moderator, bob]) {
      expect(await s.next('participant.left', () => true, GRACE_MS + 5000)).toEqual({ type: 'participant.left', participantId: alice.participantId, reason: 'timeout' });
    }
  });

  it('refuses a resume token once the grace period is over (RESUME_EXPIRED)', async () => {
    const { moderator, guest } = await liveRoom(server);
    const alice = await guest('Alice');
    alice.terminate();
    await moderator.next('participant.left', (m) => m.participantId === alice.participantId, GRACE_MS + 5000);
    const late = await RawSocket.open(server);
    late.send({ type: 'resume', id: 'back', resumeToken: alice.welcome.resumeToken });
    expect(await late.error('back')).toMatchObject({ code: 'RESUME_EXPIRED' });
    expect((await late.closed).code).toBe(4000);
  });

  it('drops a connection that stops answering heartbeats, and keeps the place for the grace period', async () => {
    const { room, moderator, links } = await liveRoom(server);
    // A client whose network went silent: it never answers the server's pings.
    const alice = await RawSocket.join(server, server.api(), { token: links.participant.token, displayName: 'Alice' }, { autoPong: false });
    await moderator.next('participant.updated', (m) => m.participant.id === alice.participantId && !m.participant.connected, 10 * HEARTBEAT_MS + 5000);
    await alice.closed;
    expect(server.hub.liveCount(room.id)).toBe(2);

    const back = await RawSocket.open(server);
    back.send({ type: 'resume', resumeToken: alice.welcome.resumeToken });
    const welcome = await back.next('welcome');
    expect(welcome).toMatchObject({ participantId: alice.participantId, status: 'joined', you: { name: 'Alice', connected: true } });
    await moderator.next('participant.updated', (m) => m.participant.id === alice.participantId && m.participant.connected);
    expect(connectedSeen(moderator, alice.participantId)).toEqual([false, true]);
    await expectRoomWorks(back, [moderator]);
  });

  it('lets a new socket take over a place whose old socket still looks open (the old one closes with 4004)', async () => {
    const { moderator, guest } = await liveRoom(server);
    const alice = await guest('Alice');
    const second = await RawSocket.open(server);
    second.send({ type: 'resume', resumeToken: alice.welcome.resumeToken });
    expect(await second.next('welcome')).toMatchObject({ participantId: alice.participantId, status: 'joined' });
    expect((await alice.closed).code).toBe(4004);
    await expectRoomWorks(second, [moderator]);
    // The old socket closing does not disconnect the new one.
    expect(connectedSeen(moderator, alice.participantId).filter((c) => !c)).toEqual([]);
  });

  it('ends the session ("empty") when its last person does not come back', async () => {
    const { room, moderator } = await liveRoom(server);
    const sessionId = moderator.welcome.session!.id;
    moderator.terminate();
    const row = () => server.database.db.selectFrom('live_sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
    await until(async () => (await row())?.ended_at != null, 'the session to end', GRACE_MS + 5000);
    expect(await row()).toMatchObject({ room_id: room.id, ended_reason: 'empty', peak_participants: 1 });
    expect(server.hub.liveCount(room.id)).toBe(0);
  });
});
