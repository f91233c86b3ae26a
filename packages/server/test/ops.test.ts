import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JoinResponse, Room, RoomLinks } from '@amphi/protocol';
import { buildApp, type AmphiApp } from '../src/index.js';
import { startServer, type TestServer } from './harness.js';
import { PASSWORD, RawSocket, http, rawSignUp, teacher, uniqueEmail, until } from './helpers.js';

/** Every log line the server wrote (it logs at info level here). */
const logLines: string[] = [];
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ logLevel: 'info' }, { logStream: { write: (line) => void logLines.push(line) } });
});
afterAll(async () => server?.close());

/** The value of an unlabelled gauge in the Prometheus text. */
async function gauge(name: string): Promise<number> {
  const res = await http(server, 'GET', '/metrics');
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(res.text);
  if (!match) throw new Error(`no ${name} in /metrics`);
  return Number(match[1]);
}

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz, naming the storage in use', async () => {
    expect(await http(server, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const kind = server.config.databaseUrl ? 'postgres' : 'pglite';
    expect(await http(server, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', database: kind } });
  });

  it('exposes Prometheus metrics that follow real rooms, sessions and sockets', async () => {
    const res = await http(server, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# TYPE amphi_rooms gauge$/m);
    const before = { rooms: await gauge('amphi_rooms'), live: await gauge('amphi_live_sessions'), sockets: await gauge('amphi_connected_sockets') };

    const owner = await teacher(server);
    const room = await owner.api.createRoom({ title: 'Metrics', kind: 'classroom' });
    expect(await gauge('amphi_rooms')).toBe(before.rooms + 1);
    const moderator = await RawSocket.join(server, owner.api, { roomId: room.id });
    expect(await gauge('amphi_live_sessions')).toBe(before.live + 1);
    expect(await gauge('amphi_connected_sockets')).toBe(before.sockets + 1);

    moderator.send({ type: 'leave' });
    await moderator.closed;
    await until(async () => (await gauge('amphi_connected_sockets')) === before.sockets, 'the socket to be counted out');
    expect(await gauge('amphi_live_sessions')).toBe(before.live);
  });

  it('publishes an OpenAPI 3 document listing the API routes', async () => {
    const res = await http(server, 'GET', '/api/docs/json');
    expect(res.status).toBe(200);
    const doc = z.object({ openapi: z.string(), paths: z.record(z.string(), z.record(z.string(), z.unknown())) }).parse(res.body);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/me',
        '/api/auth/signup',
        '/api/auth/signin',
        '/api/auth/signout',
        '/api/admin/invites',
        '/api/rooms',
        '/api/rooms/{id}',
        '/api/rooms/{id}/links',
        '/api/rooms/{id}/links/{role}/rotate',
        '/api/rooms/{id}/cohosts',
        '/api/join/preview',
        '/api/join',
      ]),
    );
    expect(Object.keys(doc.paths['/api/rooms/{id}']!)).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(Object.keys(doc.paths)).not.toContain('/ws');
  });

  it('sends security headers', async () => {
    const res = await http(server, 'GET', '/api/me');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers unknown API routes with 404 NOT_FOUND', async () => {
    expect(await http(server, 'GET', '/api/nothing-here')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await http(server, 'POST', '/api/nothing-here', { json: {} })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('rate limits', () => {
  /** Another instance of Amphi on the same database, limited to 3 sign-ins a minute. */
  async function instance(prefix: string): Promise<{ amphi: AmphiApp; close: () => Promise<void> }> {
    const redis = server.config.redisUrl ? new Redis(server.config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
    const config = { ...server.config, rateSignInPerMin: 3, redisPrefix: prefix, logLevel: 'silent' };
    const amphi = await buildApp({ config, database: server.database, redis });
    return {
      amphi,
      close: async () => {
        await amphi.app.close();
        redis?.disconnect();
      },
    };
  }
  async function signIn(amphi: AmphiApp, email: string): Promise<{ status: number; code: unknown }> {
    const res = await amphi.app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email, password: PASSWORD } });
    const body: unknown = res.json();
    return { status: res.statusCode, code: typeof body === 'object' && body !== null && 'code' in body ? body.code : undefined };
  }
  const freshPrefix = () => `amphi-test-${randomBytes(6).toString('hex')}-`;

  it('answers the 4th sign-in within a minute with 429 RATE_LIMITED', async () => {
    const email = uniqueEmail();
    await server.accounts.createUser({ email, name: 'Prof', password: PASSWORD, role: 'teacher' });
    const a = await instance(freshPrefix());
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await signIn(a.amphi, email));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(answers[3]!.code).toBe('RATE_LIMITED');
    } finally {
      await a.close();
    }
  });

  it('limits every other API route and the WebSocket upgrade with the general limit', async () => {
    const redis = server.config.redisUrl ? new Redis(server.config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
    const amphi = await buildApp({ config: { ...server.config, rateApiPerMin: 2, redisPrefix: freshPrefix(), logLevel: 'silent' }, database: server.database, redis });
    try {
      for (const url of ['/ws', '/api/me', '/api/rooms']) {
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await amphi.app.inject({ method: 'GET', url })).statusCode);
        expect(statuses.slice(0, 2)).not.toContain(429);
        expect(statuses[2]).toBe(429);
      }
    } finally {
      await amphi.app.close();
      redis?.disconnect();
    }
  });

  it('counts by the X-Forwarded-For address only behind as many proxies as configured', async () => {
    for (const trustProxy of [0, 1]) {
      const amphi = await buildApp({ config: { ...server.config, rateApiPerMin: 2, trustProxy, redisPrefix: freshPrefix(), logLevel: 'silent' }, database: server.database });
      try {
        const get = async (client: string) => (await amphi.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-forwarded-for': client } })).statusCode;
        const statuses = [await get('198.51.100.1'), await get('198.51.100.2'), await get('198.51.100.3')];
        // Trusted: three different students. Not trusted: three requests from the proxy.
        expect(statuses).toEqual(trustProxy ? [200, 200, 200] : [200, 200, 429]);
      } finally {
        await amphi.app.close();
      }
    }
  });

  it('shares the limit between instances through Redis, or counts per instance without it', async () => {
    const email = uniqueEmail();
    await server.accounts.createUser({ email, name: 'Prof', password: PASSWORD, role: 'teacher' });
    const prefix = freshPrefix();
    const a = await instance(prefix);
    const b = await instance(prefix);
    try {
      const first = [await signIn(a.amphi, email), await signIn(b.amphi, email), await signIn(a.amphi, email)];
      expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
      if (server.config.redisUrl) {
        // Three sign-ins were spent across both instances: both now refuse.
        expect(await signIn(b.amphi, email)).toEqual({ status: 429, code: 'RATE_LIMITED' });
        expect(await signIn(a.amphi, email)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      } else {
        // In memory, each instance counts its own: A spent two, B one.
        expect((await signIn(b.amphi, email)).status).toBe(200);
        expect((await signIn(a.amphi, email)).status).toBe(200);
        expect(await signIn(a.amphi, email)).toEqual({ status: 429, code: 'RATE_LIMITED' });
        expect((await signIn(b.amphi, email)).status).toBe(200);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('request logs', () => {
  it('never contain a join-link token, a ticket, a cookie or a CSRF token', async () => {
    const session = await rawSignUp(server);
    const created = await http(server, 'POST', '/api/rooms', { session, json: { title: 'Secrets', kind: 'classroom' } });
    const roomId = Room.parse(created.body).id;
    const links = await http(server, 'GET', `/api/rooms/${roomId}/links`, { session });
    const token = RoomLinks.parse(links.body).participant.token;
    const mark = logLines.length;

    await http(server, 'GET', `/j/${token}`);
    await http(server, 'GET', `/j/${token}?from=email`);
    await http(server, 'GET', `/api/join?token=${token}`);
    await http(server, 'POST', '/api/join/preview', { json: { token } });
    const joined = await http(server, 'POST', '/api/join', { json: { token, displayName: 'Alice' } });
    const ticket = JoinResponse.parse(joined.body).ticket;
    await http(server, 'POST', '/api/join', { json: { token: `${token}x`, displayName: 'Mallory' } });
    const alice = await RawSocket.open(server);
    alice.send({ type: 'hello', ticket });
    await alice.next('welcome');
    alice.close();
    await alice.closed;

    const written = logLines.slice(mark).join('\n');
    // The requests were logged, with the link path redacted.
    expect(written).toContain('/j/[redacted]');
    expect(written).toContain('/api/join/preview');
    for (const secret of [token, ticket, session.cookie, session.csrfToken, alice.welcome.resumeToken]) {
      expect(written).not.toContain(secret);
    }
    expect(logLines.join('\n')).not.toContain(session.cookie);
  });
});
