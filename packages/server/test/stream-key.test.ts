import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuedStreamKey, Room, StreamKeyInfo } from '@amphi/protocol';
import { loadConfig } from '../src/config.js';
import { startServer, type TestServer } from './harness.js';
import { http, rawSignUp, teacher } from './helpers.js';

let server: TestServer;
/** Every log line the server wrote (level info: one line per request at least). */
const logLines: string[] = [];
/** Every key the server handed out in this file, to look for in the logs at the end. */
const issuedKeys: string[] = [];

beforeAll(async () => {
  server = await startServer({ logLevel: 'info' }, { logStream: { write: (line) => void logLines.push(line) } });
});
afterAll(async () => server?.close());

async function ownedRoom() {
  const owner = await teacher(server);
  const room = await owner.api.createRoom({ title: 'Lecture hall A', kind: 'lecture' });
  return { owner, room };
}

async function issue(api: Awaited<ReturnType<typeof teacher>>['api'], roomId: string): Promise<IssuedStreamKey> {
  const issued = await api.rotateStreamKey(roomId);
  issuedKeys.push(issued.key);
  return issued;
}

describe('room stream keys', () => {
  it('shows a room without a key as such, with the RTMP URL', async () => {
    const { owner, room } = await ownedRoom();
    expect(await owner.api.streamKey(room.id)).toEqual({ hint: null, createdAt: null, rtmpUrl: server.config.rtmpUrl });
    expect(server.config.rtmpUrl).toBe('rtmp://localhost:1935/live');
  });

  it('gives the owner a new key once, and afterwards only its hint', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    expect(issued.key).toMatch(/^amphi_[A-Za-z0-9_-]{32}$/);
    expect(issued.hint).toBe(`${issued.key.slice(0, 10)}…`);
    expect(issued.rtmpUrl).toBe(server.config.rtmpUrl);

    const shown = await owner.api.streamKey(room.id);
    expect(shown).toEqual({ hint: issued.hint, createdAt: issued.createdAt, rtmpUrl: server.config.rtmpUrl });
    expect(JSON.stringify(shown)).not.toContain(issued.key.slice(10));
    expect((await server.rooms.roomForStreamKey(issued.key))?.id).toBe(room.id);
  });

  it('stores only the hash of the key', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    const rows = await server.database.db.selectFrom('room_stream_keys').selectAll().where('room_id', '=', room.id).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(issued.key.slice(10));
  });

  it('makes the old key unknown and the new one known when the key is rotated', async () => {
    const { owner, room } = await ownedRoom();
    const first = await issue(owner.api, room.id);
    const second = await issue(owner.api, room.id);
    expect(second.key).not.toBe(first.key);
    expect(await server.rooms.roomForStreamKey(first.key)).toBeNull();
    expect((await server.rooms.roomForStreamKey(second.key))?.id).toBe(room.id);
    expect((await owner.api.streamKey(room.id)).hint).toBe(second.hint);
    expect(await server.database.db.selectFrom('room_stream_keys').select('room_id').where('room_id', '=', room.id).execute()).toHaveLength(1);
  });

  it('revokes the key on delete, and deleting again still answers 204', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    await owner.api.revokeStreamKey(room.id);
    expect(await server.rooms.roomForStreamKey(issued.key)).toBeNull();
    expect(await owner.api.streamKey(room.id)).toMatchObject({ hint: null, createdAt: null });
    await owner.api.revokeStreamKey(room.id);
  });

  it('forgets the key with its room', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    await owner.api.deleteRoom(room.id);
    expect(await server.rooms.roomForStreamKey(issued.key)).toBeNull();
  });

  it('refuses malformed and unknown keys before or at the lookup', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    for (const presented of ['', 'amphi_', issued.key.slice(0, -1), `${issued.key} `, `${issued.key}x`, issued.key.slice(6), `amphi_${'A'.repeat(32)}`, `amphi_${'é'.repeat(32)}`]) {
      expect(await server.rooms.roomForStreamKey(presented)).toBeNull();
    }
  });

  it('lets a co-host see, rotate and revoke the key', async () => {
    const { owner, room } = await ownedRoom();
    const cohost = await teacher(server, 'Dr. Cohost');
    await owner.api.addCohost(room.id, cohost.email);
    const issued = await issue(cohost.api, room.id);
    expect((await owner.api.streamKey(room.id)).hint).toBe(issued.hint);
    expect((await server.rooms.roomForStreamKey(issued.key))?.id).toBe(room.id);
    await cohost.api.revokeStreamKey(room.id);
    expect(await server.rooms.roomForStreamKey(issued.key)).toBeNull();
  });

  it('refuses another teacher as it refuses them the links (ROOM_NOT_FOUND, 404), and leaves the key alone', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    const stranger = await teacher(server, 'Dr. Stranger');
    const linksRefusal = await stranger.api.links(room.id).catch((err: unknown) => err);
    expect(linksRefusal).toMatchObject({ code: 'ROOM_NOT_FOUND', status: 404 });
    for (const attempt of [() => stranger.api.streamKey(room.id), () => stranger.api.rotateStreamKey(room.id), () => stranger.api.revokeStreamKey(room.id)]) {
      const refusal = await attempt().catch((err: unknown) => err);
      expect(refusal).toMatchObject({ code: 'ROOM_NOT_FOUND', status: 404 });
    }
    expect((await server.rooms.roomForStreamKey(issued.key))?.id).toBe(room.id);
  });

  it('asks guests and signed-out people to sign in (NOT_AUTHENTICATED, 401)', async () => {
    const { owner, room } = await ownedRoom();
    const issued = await issue(owner.api, room.id);
    const links = await owner.api.links(room.id);
    const guest = server.api();
    await guest.join({ token: links.participant.token, displayName: 'Alice' });
    for (const api of [guest, server.api()]) {
      for (const attempt of [() => api.streamKey(room.id), () => api.rotateStreamKey(room.id), () => api.revokeStreamKey(room.id)]) {
        await expect(attempt()).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED', status: 401 });
      }
    }
    expect((await server.rooms.roomForStreamKey(issued.key))?.id).toBe(room.id);
  });

  it('answers the new key with Cache-Control: no-store', async () => {
    const session = await rawSignUp(server);
    const created = await http(server, 'POST', '/api/rooms', { session, json: { title: 'Raw room', kind: 'lecture' } });
    const room = Room.parse(created.body);
    const res = await http(server, 'POST', `/api/rooms/${room.id}/stream-key`, { session });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const issued = IssuedStreamKey.parse(res.body);
    issuedKeys.push(issued.key);
    const shown = await http(server, 'GET', `/api/rooms/${room.id}/stream-key`, { session });
    expect(StreamKeyInfo.parse(shown.body).hint).toBe(issued.hint);
    expect(shown.text).not.toContain(issued.key.slice(10));
  });

  it('never writes a key to the server log', async () => {
    const { owner, room } = await ownedRoom();
    await issue(owner.api, room.id);
    await issue(owner.api, room.id);
    await owner.api.streamKey(room.id);
    // Also every key the tests above were given (they ran first, on this server).
    expect(logLines.some((line) => line.includes('/stream-key'))).toBe(true);
    for (const key of issuedKeys) {
      const secretPart = key.slice('amphi_'.length);
      expect(logLines.filter((line) => line.includes(secretPart))).toEqual([]);
    }
  });
});

describe('AMPHI_RTMP_URL', () => {
  const env = { AMPHI_SECRET: 'x'.repeat(40), AMPHI_DATA_DIR: '/nonexistent/amphi' };

  it('defaults to port 1935 of the public host, path /live', () => {
    expect(loadConfig({ ...env, AMPHI_PUBLIC_URL: 'https://amphi.example.edu:8443/' }).rtmpUrl).toBe('rtmp://amphi.example.edu:1935/live');
  });

  it('takes the configured URL without a trailing slash', () => {
    expect(loadConfig({ ...env, AMPHI_RTMP_URL: 'rtmps://ingest.example.edu/app/' }).rtmpUrl).toBe('rtmps://ingest.example.edu/app');
  });
});
