import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveRoom, RawSocket } from './helpers.js';
import { startServer, type TestServer } from './harness.js';

describe('media moderation and room lock over the socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('mutes everyone but moderators, locks their microphones, and unlocks one on request', async () => {
    const { moderator, guest } = await liveRoom(server, { unmute: 'everyone' });
    const ann = await guest('Ann');
    const bob = await guest('Bob');
    for (const [socket, id] of [[moderator, 'm'], [ann, 'a'], [bob, 'b']] as const) {
      socket.send({ type: 'media.state', id, mic: true });
      await socket.ack(id);
    }
    ann.send({ type: 'media.muteAll', id: 'not-mine' });
    expect((await ann.error('not-mine')).code).toBe('NOT_ALLOWED');

    moderator.send({ type: 'media.muteAll', id: 'all' });
    await moderator.ack('all');
    for (const who of [ann, bob]) {
      await moderator.next('participant.updated', (m) => m.participant.id === who.participantId && !m.participant.mic && m.participant.micLocked);
    }
    // The moderator keeps their microphone; everyone sees who is muted.
    await bob.next('participant.updated', (m) => m.participant.id === ann.participantId && m.participant.micLocked);
    ann.send({ type: 'media.state', id: 'again', mic: true });
    expect((await ann.error('again')).code).toBe('MUTED_BY_MODERATOR');

    moderator.send({ type: 'media.askUnmute', id: 'ask', participantId: ann.participantId });
    await moderator.ack('ask');
    expect((await ann.next('media.askUnmute')).by).toBe('Prof. Martin');
    ann.send({ type: 'media.state', id: 'yes', mic: true });
    await ann.ack('yes');
    await moderator.next('participant.updated', (m) => m.participant.id === ann.participantId && m.participant.mic);
    // Bob was not asked: still locked.
    bob.send({ type: 'media.state', id: 'bob', mic: true });
    expect((await bob.error('bob')).code).toBe('MUTED_BY_MODERATOR');
    for (const s of [moderator, ann, bob]) s.close();
  });

  it('stops someone’s camera or screen share, which they may turn on again', async () => {
    const { moderator, guest } = await liveRoom(server, { screenShare: 'everyone' });
    const ann = await guest('Ann');
    ann.send({ type: 'media.state', id: 'on', cam: true, screen: true });
    await ann.ack('on');
    moderator.send({ type: 'media.mute', id: 'cam', participantId: ann.participantId, source: 'camera' });
    await moderator.ack('cam');
    moderator.send({ type: 'media.mute', id: 'scr', participantId: ann.participantId, source: 'screen' });
    await moderator.ack('scr');
    await ann.next('participant.updated', (m) => m.participant.id === ann.participantId && !m.participant.cam && !m.participant.screen);
    ann.send({ type: 'media.state', id: 'cam-again', cam: true });
    await ann.ack('cam-again');
    moderator.close();
    ann.close();
  });

  it('keeps newcomers out of a locked room with ROOM_LOCKED, lets moderators in, and opens again', async () => {
    const { moderator, links, owner, room } = await liveRoom(server);
    moderator.send({ type: 'session.lock', id: 'lock', locked: true });
    await moderator.ack('lock');
    expect((await moderator.next('session.updated')).session.locked).toBe(true);

    const { ticket } = await server.api().join({ token: links.participant.token, displayName: 'Eve' });
    const eve = await RawSocket.open(server);
    eve.send({ type: 'hello', id: 'h', ticket });
    expect((await eve.error('h')).code).toBe('ROOM_LOCKED');
    expect((await eve.closed).code).toBe(4000);
    expect(moderator.messages.some((m) => m.type === 'participant.joined')).toBe(false);

    // A co-moderator (the owner again, on a second socket) still gets in.
    const second = await RawSocket.join(server, owner.api, { roomId: room.id });
    expect(second.welcome.status).toBe('joined');
    expect(second.welcome.session?.locked).toBe(true);

    moderator.send({ type: 'session.lock', id: 'unlock', locked: false });
    await moderator.ack('unlock');
    const eve2 = await RawSocket.join(server, server.api(), { token: links.participant.token, displayName: 'Eve' });
    expect(eve2.welcome.status).toBe('joined');
    for (const s of [moderator, second, eve2]) s.close();
  });
});
