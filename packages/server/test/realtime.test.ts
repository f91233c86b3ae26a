import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, type ClientMessage, type ServerMessage } from '@amphi/protocol';
import { TokenSigner } from '../src/auth/index.js';
import { RoomHub, type Peer } from '../src/realtime/index.js';
import { MAX_FRAME_BYTES } from '../src/realtime/gateway.js';
import { startServer, type TestServer } from './harness.js';
import { RawSocket, expectRoomWorks, liveRoom, teacher, until } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());

/** A live room with its moderator and two guests, Alice and Bob. */
async function roomWithTwoGuests(settings: Parameters<typeof liveRoom>[1] = {}) {
  const room = await liveRoom(server, settings);
  const alice = await room.guest('Alice');
  const bob = await room.guest('Bob');
  await room.moderator.next('participant.joined', (m) => m.participant.id === bob.participantId);
  return { ...room, alice, bob };
}

describe('bad input over the WebSocket', () => {
  it('answers malformed JSON with INVALID_JSON and keeps the socket open', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    alice.send('{"type": "hand.raise", "id": ');
    expect(await alice.next('error')).toMatchObject({ code: 'INVALID_JSON' });
    expect(alice.isOpen).toBe(true);
    await expectRoomWorks(bob, [moderator, alice]);
    await expectRoomWorks(alice, [moderator, bob]);
  });

  it('answers fields of the wrong type with INVALID_MESSAGE, with the request id', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    alice.send('{"type": "hand.lower", "id": "m1", "participantId": 42}');
    alice.send(JSON.stringify({ type: 'media.state', id: 'm2', mic: 'yes' }));
    alice.send(JSON.stringify({ type: 'hand.raise', id: 'm3', extra: true }));
    for (const id of ['m1', 'm2', 'm3']) expect(await alice.error(id)).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(alice.isOpen).toBe(true);
    await expectRoomWorks(bob, [moderator, alice]);
  });

  it('answers an unknown message type with UNKNOWN_MESSAGE_TYPE', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    alice.send(JSON.stringify({ type: 'whiteboard.draw', id: 'c1', text: 'hello' }));
    alice.send('[1, 2, 3]');
    expect(await alice.error('c1')).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE' });
    // Not even an object with a type: an invalid message, not an unknown one.
    expect(await alice.next('error', (m) => m.id === undefined)).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(alice.isOpen).toBe(true);
    await expectRoomWorks(bob, [moderator, alice]);
  });

  it('answers a message over 16 KiB with MESSAGE_TOO_LARGE and keeps the socket open', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    alice.send(JSON.stringify({ type: 'lobby.deny', id: 'big', participantId: 'x', reason: 'x'.repeat(MAX_MESSAGE_BYTES) }));
    expect(await alice.next('error')).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(alice.isOpen).toBe(true);
    await expectRoomWorks(bob, [moderator, alice]);
  });

  it('closes a socket that sends a frame beyond the hard cap (1009); the person keeps their place for the grace period', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    alice.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await alice.closed).code).toBe(1009);
    await moderator.next('participant.updated', (m) => m.participant.id === alice.participantId && !m.participant.connected);
    await expectRoomWorks(bob, [moderator]);
  });

  it('answers a binary frame with INVALID_MESSAGE', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    alice.send(Buffer.from(JSON.stringify({ type: 'hand.raise' })));
    expect(await alice.next('error')).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(alice.isOpen).toBe(true);
    await expectRoomWorks(bob, [moderator, alice]);
  });

  it('refuses a message sent before hello with NOT_AUTHENTICATED, and closes the socket', async () => {
    const { moderator, bob } = await roomWithTwoGuests();
    const stranger = await RawSocket.open(server);
    stranger.send({ type: 'hand.raise', id: 'h1' });
    expect(await stranger.error('h1')).toMatchObject({ code: 'NOT_AUTHENTICATED' });
    expect((await stranger.closed).code).toBe(4000);
    await expectRoomWorks(bob, [moderator]);
  });

  it('refuses a join ticket used a second time (TICKET_INVALID)', async () => {
    const { links, moderator, bob } = await roomWithTwoGuests();
    const { ticket } = await server.api().join({ token: links.participant.token, displayName: 'Carl' });
    const first = await RawSocket.open(server);
    first.send({ type: 'hello', ticket });
    await first.next('welcome');
    const replay = await RawSocket.open(server);
    replay.send({ type: 'hello', id: 'again', ticket });
    expect(await replay.error('again')).toMatchObject({ code: 'TICKET_INVALID' });
    expect((await replay.closed).code).toBe(4000);
    await expectRoomWorks(bob, [moderator, first]);
    expect(moderator.messages.filter((m) => m.type === 'participant.joined' && m.participant.name === 'Carl')).toHaveLength(1);
  });

  it('refuses an expired ticket (TICKET_INVALID), and one whose link was revoked since (LINK_REVOKED)', async () => {
    const { owner, room, links, moderator, bob } = await roomWithTwoGuests();
    const expired = await server.signer.sign({ typ: 'ticket', rid: room.id, role: 'guest', name: 'Late' }, -1);
    const late = await RawSocket.open(server);
    late.send({ type: 'hello', id: 'late', ticket: expired });
    expect(await late.error('late')).toMatchObject({ code: 'TICKET_INVALID' });
    expect((await late.closed).code).toBe(4000);

    const { ticket } = await server.api().join({ token: links.participant.token, displayName: 'Carl' });
    await owner.api.rotateLink(room.id, 'participant');
    const carl = await RawSocket.open(server);
    carl.send({ type: 'hello', id: 'revoked', ticket });
    expect(await carl.error('revoked')).toMatchObject({ code: 'LINK_REVOKED' });
    expect((await carl.closed).code).toBe(4000);
    await expectRoomWorks(bob, [moderator]);
  });

  it('refuses a second hello on a joined socket (ALREADY_JOINED)', async () => {
    const { links, moderator, alice, bob } = await roomWithTwoGuests();
    const { ticket } = await server.api().join({ token: links.participant.token, displayName: 'Alice again' });
    alice.send({ type: 'hello', id: 'twice', ticket });
    expect(await alice.error('twice')).toMatchObject({ code: 'ALREADY_JOINED' });
    expect((await alice.closed).code).toBe(4000);
    await expectRoomWorks(bob, [moderator]);
    expect(moderator.messages.some((m) => m.type === 'participant.joined' && m.participant.name === 'Alice again')).toBe(false);
  });

  const forbidden: { what: string; message: (target: string) => ClientMessage }[] = [
    { what: 'lobby.admit', message: (target) => ({ type: 'lobby.admit', id: 'x', participantId: target }) },
    { what: 'lobby.deny', message: (target) => ({ type: 'lobby.deny', id: 'x', participantId: target }) },
    { what: 'participant.setRole', message: (target) => ({ type: 'participant.setRole', id: 'x', participantId: target, role: 'moderator' }) },
    { what: 'participant.remove', message: (target) => ({ type: 'participant.remove', id: 'x', participantId: target }) },
    { what: 'session.end', message: () => ({ type: 'session.end', id: 'x' }) },
  ];

  it.each(forbidden)('refuses $what from a guest with NOT_ALLOWED, and nothing changes for the others', async ({ what, message }) => {
    const { owner, room, moderator, alice, bob, guest } = await roomWithTwoGuests();
    // Someone knocks once the lobby is on, so that admit and deny have a target.
    await owner.api.updateRoom(room.id, { settings: { lobby: true } });
    const carl = await guest('Carl');
    await moderator.next('lobby.entered');
    await expectRoomWorks(bob, [moderator]); // everything so far has arrived
    const target = what.startsWith('lobby.') ? carl.participantId : what === 'participant.remove' ? moderator.participantId : bob.participantId;
    const marks = [moderator, bob, carl].map((s) => s.messages.length);

    alice.send(message(target));
    expect(await alice.error('x')).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(alice.isOpen).toBe(true);
    await expectRoomWorks(bob, [moderator, alice]);

    // The moderator and Bob saw only the probe (Bob's hand, and his acks); Carl, in the lobby, nothing.
    const seen = [moderator, bob, carl].map((s, i) => s.messages.slice(marks[i]).map((m) => m.type));
    expect(seen).toEqual([['participant.updated', 'participant.updated'], ['participant.updated', 'ack', 'participant.updated', 'ack'], []]);
    expect(carl.welcome.status).toBe('lobby');
    expect([moderator, bob, carl].every((s) => s.isOpen)).toBe(true);
  });
});

describe('moderator actions', () => {
  it('shows a role change to everyone', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    moderator.send({ type: 'participant.setRole', id: 'r1', participantId: alice.participantId, role: 'presenter' });
    await moderator.ack('r1');
    for (const s of [moderator, alice, bob]) {
      expect(await s.next('participant.updated', (m) => m.participant.id === alice.participantId)).toMatchObject({ participant: { role: 'presenter' } });
    }
    // Alice gets a fresh picture with what her new role allows (presenters may share a screen by default).
    expect(alice.welcome.permissions).not.toContain('media.shareScreen');
    const fresh = await alice.next('presence', (m) => m.participants.some((p) => p.id === alice.participantId && p.role === 'presenter'));
    expect(fresh.permissions).toContain('media.shareScreen');
  });

  it('removes a person: they are told why, their socket closes with 4001, and the others see them leave', async () => {
    const { moderator, alice, bob } = await roomWithTwoGuests();
    moderator.send({ type: 'participant.remove', id: 'rm', participantId: alice.participantId, reason: 'Wrong class' });
    expect(await alice.next('removed')).toEqual({ type: 'removed', reason: 'removed', message: 'Wrong class' });
    expect((await alice.closed).code).toBe(4001);
    await moderator.ack('rm');
    for (const s of [moderator, bob]) expect(await s.next('participant.left')).toEqual({ type: 'participant.left', participantId: alice.participantId, reason: 'removed' });
    await expectRoomWorks(bob, [moderator]);
  });

  it('denies a person in the lobby: they are told, and their socket closes with 4002', async () => {
    const { moderator, guest } = await liveRoom(server, { lobby: true });
    const carl = await guest('Carl');
    const knock = await moderator.next('lobby.entered');
    moderator.send({ type: 'lobby.deny', id: 'd', participantId: knock.entry.id, reason: 'Not today' });
    expect(await carl.next('removed')).toEqual({ type: 'removed', reason: 'denied', message: 'Not today' });
    expect((await carl.closed).code).toBe(4002);
    expect(await moderator.next('lobby.left')).toMatchObject({ participantId: carl.participantId, outcome: 'denied' });
  });

  it('ends the session for everyone, acknowledges the request, and records the end', async () => {
    const { room, moderator, alice, bob } = await roomWithTwoGuests();
    moderator.send({ type: 'session.end', id: 'end' });
    await moderator.ack('end');
    for (const s of [moderator, alice, bob]) {
      expect(await s.next('removed')).toEqual({ type: 'removed', reason: 'ended' });
      expect((await s.closed).code).toBe(4003);
    }
    // The ack comes before the removal, so the moderator's request does not look failed.
    expect(moderator.messages.slice(-2).map((m) => m.type)).toEqual(['ack', 'removed']);
    const row = () => server.database.db.selectFrom('live_sessions').selectAll().where('room_id', '=', room.id).executeTakeFirst();
    await until(async () => (await row())?.ended_at != null, 'the end to be recorded');
    expect(await row()).toMatchObject({ id: moderator.welcome.session!.id, ended_reason: 'moderator', peak_participants: 3 });
    expect(server.hub.liveCount(room.id)).toBe(0);
  });

  it('acknowledges a leave before closing the socket normally', async () => {
    const { moderator, alice } = await roomWithTwoGuests();
    alice.send({ type: 'leave', id: 'bye' });
    await alice.ack('bye');
    expect((await alice.closed).code).toBe(1000);
    expect(await moderator.next('participant.left')).toEqual({ type: 'participant.left', participantId: alice.participantId, reason: 'left' });
  });

  it('lets everyone in the lobby in when the lobby is turned off through the API, and shows the live count', async () => {
    const { owner, room, moderator, guest } = await liveRoom(server, { lobby: true });
    const carl = await guest('Carl');
    const dora = await guest('Dora');
    expect((await owner.api.getRoom(room.id)).liveCount).toBe(1);
    await owner.api.updateRoom(room.id, { settings: { lobby: false } });
    for (const s of [carl, dora]) {
      expect(await s.next('room.updated')).toMatchObject({ room: { settings: { lobby: false } } });
      expect(await s.next('status')).toMatchObject({ status: 'joined' });
    }
    expect((await moderator.next('lobby.left', (m) => m.participantId === carl.participantId)).outcome).toBe('admitted');
    await expectRoomWorks(dora, [moderator, carl]);
    expect((await owner.api.getRoom(room.id)).liveCount).toBe(3);
  });

  it('ends the session for everyone when the room is deleted through the API', async () => {
    const { owner, room, moderator, alice } = await roomWithTwoGuests();
    await owner.api.deleteRoom(room.id);
    for (const s of [moderator, alice]) {
      expect(await s.next('removed')).toEqual({ type: 'removed', reason: 'ended' });
      expect((await s.closed).code).toBe(4003);
    }
    expect(server.hub.liveCount(room.id)).toBe(0);
  });

  it('keeps a participant who arrives before any moderator waiting, and joins them when a moderator arrives', async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Early birds', kind: 'classroom' });
    const links = await owner.api.links(room.id);
    const alice = await RawSocket.join(server, server.api(), { token: links.participant.token, displayName: 'Alice' });
    expect(alice.welcome).toMatchObject({ status: 'waiting', session: null });
    const moderator = await RawSocket.join(server, owner.api, { roomId: room.id });
    expect(moderator.welcome.status).toBe('joined');
    const status = await alice.next('status');
    expect(status).toEqual({ type: 'status', status: 'joined', session: moderator.welcome.session });
    const presence = await alice.next('presence');
    expect(presence.participants.map((p) => p.name).sort()).toEqual(['Alice', 'Prof. Martin']);
    await expectRoomWorks(alice, [moderator]);
  });
});

describe('the room hub', () => {
  /** A signer whose resume tokens wait at a gate, to hold a welcome while it is being prepared. */
  class GatedSigner extends TokenSigner {
    gate: Promise<void> | null = null;
    waiting = 0;
    override async sign(claims: Parameters<TokenSigner['sign']>[0], ttlSeconds?: number): Promise<string> {
      if (claims.typ === 'resume' && this.gate) {
        this.waiting++;
        await this.gate;
      }
      return super.sign(claims, ttlSeconds);
    }
  }
  function fakePeer(): Peer & { messages: ServerMessage[] } {
    const messages: ServerMessage[] = [];
    return { messages, send: (m) => void messages.push(m), close: () => undefined };
  }
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

  it('sends the welcome first and true, even when the person is admitted while it is being prepared', async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Race', kind: 'classroom', settings: { lobby: true } });
    const signer = new GatedSigner('hub-test-secret');
    const hub = new RoomHub({ rooms: server.rooms, signer, log: quiet, resumeGraceMs: 30_000, ticketTtlS: 60, media: server.media });
    try {
      const modPeer = fakePeer();
      const mod = await hub.hello(modPeer, await signer.sign({ typ: 'ticket', rid: room.id, role: 'moderator', name: 'Prof' }, 60));
      let release!: () => void;
      signer.gate = new Promise((resolve) => (release = resolve));
      const guestPeer = fakePeer();
      const arriving = hub.hello(guestPeer, await signer.sign({ typ: 'ticket', rid: room.id, role: 'guest', name: 'Carl' }, 60));
      await until(() => signer.waiting > 0, 'the welcome to be prepared');
      const admit = () => {
        const knock = modPeer.messages.find((m) => m.type === 'lobby.entered');
        if (!knock) return false;
        hub.handle(mod, { type: 'lobby.admit', participantId: knock.entry.id });
        return true;
      };
      // The moderator admits Carl as soon as he knocks, maybe while his welcome is being prepared.
      const admittedEarly = admit();
      release();
      await arriving;
      if (!admittedEarly) await until(admit, 'the knock');
      expect(guestPeer.messages[0]?.type).toBe('welcome');
      const statuses = guestPeer.messages.flatMap((m) => (m.type === 'welcome' || m.type === 'status' ? [m.status] : []));
      expect(statuses).toEqual(['lobby', 'joined']);
    } finally {
      hub.close();
      await hub.flush();
    }
  });
});
