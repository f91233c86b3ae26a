import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_ROOM_SETTINGS, ErrorBody, Room } from '@amphi/protocol';
import { TokenSigner } from '../src/auth/index.js';
import { startServer, type TestServer } from './harness.js';
import { http, rawSignUp, teacher } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server?.close());

async function roomRow(id: string) {
  return server.database.db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('rooms', () => {
  it('creates, lists, gets, updates and deletes a room', async () => {
    const { api, user } = await teacher(server);
    const room = await api.createRoom({ title: '  Algebra  ', kind: 'classroom', settings: { lobby: true } });
    expect(room).toMatchObject({ title: 'Algebra', kind: 'classroom', ownerId: user.id, cohosts: [], liveCount: 0, settings: { ...DEFAULT_ROOM_SETTINGS, lobby: true } });
    expect((await api.listRooms()).map((r) => r.id)).toEqual([room.id]);
    expect(await api.getRoom(room.id)).toEqual(room);

    const updated = await api.updateRoom(room.id, { title: 'Linear algebra', settings: { unmute: 'moderators' } });
    expect(updated).toMatchObject({ title: 'Linear algebra', kind: 'classroom', settings: { ...DEFAULT_ROOM_SETTINGS, lobby: true, unmute: 'moderators' } });
    expect(JSON.parse((await roomRow(room.id))!.settings)).toEqual(updated.settings);

    await api.deleteRoom(room.id);
    await expect(api.getRoom(room.id)).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND', status: 404 });
    expect(await roomRow(room.id)).toBeUndefined();
    expect(await server.database.db.selectFrom('room_links').select('id').where('room_id', '=', room.id).execute()).toEqual([]);
  });

  it('answers VALIDATION_FAILED with the issues for fields of the wrong type or unknown fields', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'POST', '/api/rooms', { session, json: { title: 42, kind: 'seminar', settings: { unmute: 'nobody' } } });
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(res.body);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['title', 'kind', 'settings.unmute']));
    const extra = await http(server, 'POST', '/api/rooms', { session, json: { title: 'Algebra', kind: 'classroom', owner: 'someone-else' } });
    expect(extra.status).toBe(400);
    expect(extra.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await server.rooms.listFor(session.user.id)).toEqual([]);
  });

  it('answers INVALID_JSON (400) for a malformed body', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'POST', '/api/rooms', { session, body: '{"title": "Algebra",', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_JSON' });
  });

  it('answers MESSAGE_TOO_LARGE (413) for a body over 64 KiB', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'POST', '/api/rooms', { session, json: { title: 'x'.repeat(65 * 1024), kind: 'classroom' } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(await server.rooms.listFor(session.user.id)).toEqual([]);
  });

  it('answers UNSUPPORTED_MEDIA_TYPE (415) for a body that is not JSON', async () => {
    const session = await rawSignUp(server);
    const res = await http(server, 'POST', '/api/rooms', { session, body: 'title=Algebra&kind=classroom', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it("hides a room from another teacher, who can neither see nor change it (ROOM_NOT_FOUND, 404)", async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Algebra', kind: 'classroom' });
    const stranger = await teacher(server, 'Dr. Stranger');
    expect(await stranger.api.listRooms()).toEqual([]);
    for (const attempt of [
      () => stranger.api.getRoom(room.id),
      () => stranger.api.updateRoom(room.id, { title: 'Taken' }),
      () => stranger.api.deleteRoom(room.id),
      () => stranger.api.links(room.id),
      () => stranger.api.rotateLink(room.id, 'moderator'),
      () => stranger.api.addCohost(room.id, stranger.email),
      () => stranger.api.join({ roomId: room.id }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND', status: 404 });
    }
    expect(await owner.api.getRoom(room.id)).toEqual(room);
    expect((await roomRow(room.id))?.title).toBe('Algebra');
  });
});

describe('co-hosts', () => {
  it('lets the owner add a co-host by email, who then sees the room and joins as moderator', async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Algebra', kind: 'lecture' });
    const cohost = await teacher(server, 'Dr. Cohost');
    const withCohost = await owner.api.addCohost(room.id, cohost.email.toUpperCase());
    expect(withCohost.cohosts).toEqual([{ userId: cohost.user.id, email: cohost.email, name: 'Dr. Cohost' }]);
    expect((await cohost.api.listRooms()).map((r) => r.id)).toEqual([room.id]);
    expect(await cohost.api.join({ roomId: room.id })).toMatchObject({ roomId: room.id, role: 'moderator' });
    // Even through the participant link, a co-host is a moderator.
    const links = await cohost.api.links(room.id);
    expect(await cohost.api.join({ token: links.participant.token })).toMatchObject({ role: 'moderator' });
  });

  it('answers USER_NOT_FOUND for an email without an account', async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Algebra', kind: 'classroom' });
    await expect(owner.api.addCohost(room.id, 'nobody@uni.example')).rejects.toMatchObject({ code: 'USER_NOT_FOUND', status: 404 });
  });

  it('lets only the owner add co-hosts or delete the room (NOT_ALLOWED for a co-host)', async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Algebra', kind: 'classroom' });
    const cohost = await teacher(server, 'Dr. Cohost');
    await owner.api.addCohost(room.id, cohost.email);
    const third = await teacher(server, 'Dr. Third');
    await expect(cohost.api.addCohost(room.id, third.email)).rejects.toMatchObject({ code: 'NOT_ALLOWED', status: 403 });
    await expect(cohost.api.removeCohost(room.id, cohost.user.id)).rejects.toMatchObject({ code: 'NOT_ALLOWED', status: 403 });
    await expect(cohost.api.deleteRoom(room.id)).rejects.toMatchObject({ code: 'NOT_ALLOWED', status: 403 });
    expect((await owner.api.getRoom(room.id)).cohosts.map((c) => c.userId)).toEqual([cohost.user.id]);
    expect(await third.api.listRooms()).toEqual([]);
  });

  it('removes a co-host, whose list then no longer shows the room', async () => {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Algebra', kind: 'classroom' });
    const cohost = await teacher(server, 'Dr. Cohost');
    await owner.api.addCohost(room.id, cohost.email);
    expect((await owner.api.removeCohost(room.id, cohost.user.id)).cohosts).toEqual([]);
    expect(await cohost.api.listRooms()).toEqual([]);
    await expect(cohost.api.getRoom(room.id)).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
  });
});

describe('join links', () => {
  async function roomWithLinks(settings: Partial<Room['settings']> = {}, kind: Room['kind'] = 'classroom') {
    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Algebra', kind, settings });
    return { owner, room, links: await owner.api.links(room.id) };
  }

  it('revokes the old link when it is rotated: joining with it answers LINK_REVOKED (410)', async () => {
    const { owner, room, links } = await roomWithLinks();
    const fresh = await owner.api.rotateLink(room.id, 'participant');
    expect(fresh.token).not.toBe(links.participant.token);
    const guest = server.api();
    await expect(guest.join({ token: links.participant.token, displayName: 'Alice' })).rejects.toMatchObject({ code: 'LINK_REVOKED', status: 410 });
    await expect(guest.joinPreview(links.participant.token)).rejects.toMatchObject({ code: 'LINK_REVOKED' });
    expect(await guest.join({ token: fresh.token, displayName: 'Alice' })).toMatchObject({ role: 'guest' });
    // The moderator link was not touched.
    expect(await guest.join({ token: links.moderator.token, displayName: 'Alice' })).toMatchObject({ role: 'moderator' });
    const now = await owner.api.links(room.id);
    expect(now.participant.token).toBe(fresh.token);
    expect(now.participant.url).toMatch(new RegExp(`/j/${fresh.token}$`));
    const rows = await server.database.db.selectFrom('room_links').selectAll().where('room_id', '=', room.id).where('role', '=', 'participant').orderBy('created_at').execute();
    expect(rows.map((r) => r.revoked_at === null)).toEqual([false, true]);
  });

  it('refuses a forged link token (LINK_INVALID, 401)', async () => {
    const { room, links } = await roomWithLinks();
    const guest = server.api();
    const [header, payload, signature] = links.participant.token.split('.');
    const claims = z.record(z.string(), z.unknown()).parse(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')));
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'moderator' })).toString('base64url');
    const forgeries = [
      `${header}.${promoted}.${signature}`,
      await new TokenSigner('not-the-server-secret').sign({ typ: 'link', lid: 'x', rid: room.id, role: 'moderator' }),
      // Signed by the server, but for a link that does not exist.
      await server.signer.sign({ typ: 'link', lid: 'no-such-link', rid: room.id, role: 'moderator' }),
      'garbage',
    ];
    for (const token of forgeries) {
      await expect(guest.join({ token, displayName: 'Mallory' })).rejects.toMatchObject({ code: 'LINK_INVALID', status: 401 });
    }
  });

  it('refuses an expired link (LINK_EXPIRED, 401), whether the token or its row has expired', async () => {
    const { owner, room } = await roomWithLinks();
    const rotated = await owner.api.rotateLink(room.id, 'participant', 1);
    expect(Date.parse(rotated.expiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    const current = await server.rooms.links(room.id);
    const guest = server.api();
    expect(await guest.join({ token: rotated.token, displayName: 'Alice' })).toMatchObject({ role: 'guest' });

    const expiredToken = await server.signer.sign({ typ: 'link', lid: current.participant.id, rid: room.id, role: 'participant' }, -5);
    await expect(guest.join({ token: expiredToken, displayName: 'Alice' })).rejects.toMatchObject({ code: 'LINK_EXPIRED', status: 401 });

    await server.database.db.updateTable('room_links').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', current.participant.id).execute();
    await expect(guest.join({ token: rotated.token, displayName: 'Alice' })).rejects.toMatchObject({ code: 'LINK_EXPIRED', status: 401 });
    await expect(guest.joinPreview(rotated.token)).rejects.toMatchObject({ code: 'LINK_EXPIRED' });
  });

  it('refuses guests where guests are not allowed (GUESTS_NOT_ALLOWED, 403), but lets signed-in people in', async () => {
    const { links } = await roomWithLinks({ guestsAllowed: false });
    await expect(server.api().join({ token: links.participant.token, displayName: 'Alice' })).rejects.toMatchObject({ code: 'GUESTS_NOT_ALLOWED', status: 403 });
    await expect(server.api().joinPreview(links.participant.token)).rejects.toMatchObject({ code: 'GUESTS_NOT_ALLOWED' });
    const student = await teacher(server, 'Student');
    expect(await student.api.join({ token: links.participant.token })).toMatchObject({ role: 'participant' });
  });

  it('asks a guest for a name (NAME_REQUIRED, 400), and not someone signed in', async () => {
    const { links } = await roomWithLinks();
    const guest = server.api();
    expect(await guest.joinPreview(links.participant.token)).toMatchObject({ role: 'guest', needsName: true });
    await expect(guest.join({ token: links.participant.token })).rejects.toMatchObject({ code: 'NAME_REQUIRED', status: 400 });
    const student = await teacher(server, 'Student');
    expect(await student.api.joinPreview(links.participant.token)).toMatchObject({ needsName: false });
  });

  it('makes a signed-in person a participant in a classroom and a viewer in a lecture', async () => {
    const student = await teacher(server, 'Student');
    const classroom = await roomWithLinks({}, 'classroom');
    const lecture = await roomWithLinks({ lobby: true }, 'lecture');
    expect(await student.api.joinPreview(classroom.links.participant.token)).toMatchObject({ role: 'participant', lobby: false, room: { kind: 'classroom' } });
    expect(await student.api.join({ token: classroom.links.participant.token })).toMatchObject({ role: 'participant', roomId: classroom.room.id });
    expect(await student.api.joinPreview(lecture.links.participant.token)).toMatchObject({ role: 'viewer', lobby: true, room: { kind: 'lecture' } });
    expect(await student.api.join({ token: lecture.links.participant.token })).toMatchObject({ role: 'viewer', roomId: lecture.room.id });
    expect(await student.api.join({ token: lecture.links.moderator.token })).toMatchObject({ role: 'moderator' });
  });

  it('refuses a rotation with an expiry out of range (VALIDATION_FAILED) and keeps the link', async () => {
    const { room, links } = await roomWithLinks();
    const session = await rawSignUp(server);
    const mine = await http(server, 'POST', '/api/rooms', { session, json: { title: 'Mine', kind: 'classroom' } });
    const id = Room.parse(mine.body).id;
    const res = await http(server, 'POST', `/api/rooms/${id}/links/participant/rotate`, { session, json: { expiresInHours: 0 } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await server.rooms.links(id)).participant.expiresAt).toBeNull();
    expect(await server.api().joinPreview(links.participant.token)).toMatchObject({ room: { id: room.id } });
  });
});
