import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a guest joins through the lobby', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.close());

  it('holds the guest in the lobby until the teacher admits them, then both see each other', async () => {
    const teacherApi = server.api();
    await teacherApi.signUp({ email: 'teacher@uni.example', password: 'correct horse battery', name: 'Prof. Martin' });
    const room = await teacherApi.createRoom({ title: 'Algebra', kind: 'classroom', settings: { lobby: true } });
    const links = await teacherApi.links(room.id);
    expect(links.participant.url).toBe(`${server.baseUrl}/j/${links.participant.token}`);
    // A link is one stable URL until it is revoked.
    expect((await teacherApi.links(room.id)).participant.url).toBe(links.participant.url);

    const teacher = server.roomClient((await teacherApi.join({ roomId: room.id })).ticket);
    await teacher.connect();
    expect(teacher.state).toBe('joined');
    expect(teacher.you?.role).toBe('moderator');

    const guestApi = server.api();
    const preview = await guestApi.joinPreview(links.participant.token);
    // One person (the teacher) is in: the pre-join page uses the count to join muted above 10.
    expect(preview).toMatchObject({ role: 'guest', needsName: true, lobby: true, room: { title: 'Algebra' }, liveCount: 1 });
    const guest = server.roomClient((await guestApi.join({ token: links.participant.token, displayName: 'Alice' })).ticket);
    await guest.connect();
    expect(guest.state).toBe('lobby');
    await until(() => teacher.lobby.length === 1, 'the knock');
    expect(teacher.lobby[0]!.name).toBe('Alice');

    await teacher.admit(teacher.lobby[0]!.id);
    await until(() => guest.state === 'joined' && guest.participants.length === 2 && teacher.participants.length === 2, 'both lists');
    expect(guest.participants.map((p) => p.name).sort()).toEqual(['Alice', 'Prof. Martin']);
    expect(teacher.can('lobby.manage')).toBe(true);
    expect(guest.can('lobby.manage')).toBe(false);
    expect(guest.can('hand.raise')).toBe(true);
    expect(teacher.lobby).toEqual([]);

    await teacher.remove(guest.participantId!, 'Wrong class');
    await until(() => guest.state === 'closed', 'the removal');
    expect(guest.closedReason).toEqual({ kind: 'removed', message: 'Wrong class' });
    await until(() => teacher.participants.length === 1, 'the teacher list to shrink');
    teacher.leave();
  });
});
