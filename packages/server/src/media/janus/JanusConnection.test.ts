import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { JanusConnection, JanusError, type JanusHandle } from './JanusConnection.js';

type Json = Record<string, unknown>;
const SESSION = 11;
const HANDLE = 22;

/**
 * A scripted Janus: answers create/attach/keepalive/destroy/detach like Janus does and
 * hands plugin messages to `onMessage`. Records every request.
 */
class FakeJanus {
  readonly requests: Json[] = [];
  readonly sockets: WebSocket[] = [];
  onMessage: (request: Json, reply: (message: Json) => void) => void = () => {};

  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('message', (raw) => {
        const request = JSON.parse(raw.toString()) as Json;
        this.requests.push(request);
        const reply = (message: Json) => socket.send(JSON.stringify({ transaction: request.transaction, ...message }));
        this.#answer(request, reply);
      });
    });
  }

  static async start(): Promise<FakeJanus> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    return new FakeJanus(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sends an unsolicited message (or raw text) to every client. */
  push(message: Json | string): void {
    for (const socket of this.sockets) socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #answer(request: Json, reply: (message: Json) => void): void {
    switch (request.janus) {
      case 'info':
        return reply({ janus: 'server_info', name: 'Fake Janus' });
      case 'create':
        return reply({ janus: 'success', data: { id: SESSION } });
      case 'attach':
        return reply({ janus: 'success', session_id: SESSION, data: { id: HANDLE } });
      case 'keepalive':
      case 'trickle':
        return reply({ janus: 'ack', session_id: SESSION });
      case 'destroy':
      case 'detach':
        return reply({ janus: 'success', session_id: SESSION });
      case 'message':
        return this.onMessage(request, reply);
    }
  }
}

let janus: FakeJanus | undefined;
let connection: JanusConnection | undefined;

afterEach(async () => {
  vi.useRealTimers();
  connection?.close();
  await janus?.close();
  janus = connection = undefined;
});

async function connect(options: { apiSecret?: string; timeoutMs?: number } = {}) {
  janus = await FakeJanus.start();
  connection = await JanusConnection.connect(janus.url, options);
  return { janus, connection };
}

async function attached(options: { apiSecret?: string; timeoutMs?: number } = {}): Promise<{ janus: FakeJanus; connection: JanusConnection; handle: JanusHandle }> {
  const { janus, connection } = await connect(options);
  const session = await connection.createSession();
  return { janus, connection, handle: await session.attach('janus.plugin.videoroom') };
}

const pluginEvent = (data: Json, extra: Json = {}) => ({ janus: 'event', session_id: SESSION, sender: HANDLE, plugindata: { plugin: 'janus.plugin.videoroom', data }, ...extra });

/** Resolves with the arguments of the next emission of an event. */
function next<A extends unknown[]>(subscribe: (listener: (...args: A) => void) => () => void): Promise<A> {
  return new Promise((resolve) => {
    const off = subscribe((...args) => {
      off();
      resolve(args);
    });
  });
}

describe('JanusConnection', () => {
  it('speaks the janus-protocol subprotocol and returns the server info', async () => {
    const { janus, connection } = await connect();
    await expect(connection.info()).resolves.toMatchObject({ name: 'Fake Janus' });
    expect(janus.sockets[0]!.protocol).toBe('janus-protocol');
  });

  it('sends the API secret with every request', async () => {
    const { janus, handle } = await attached({ apiSecret: 's3cret' });
    janus.onMessage = (_request, reply) => reply({ janus: 'success', plugindata: { data: { ok: true } } });
    await handle.message({ request: 'list' });
    await handle.detach();
    expect(janus.requests.map((r) => [r.janus, r.apisecret])).toEqual([
      ['create', 's3cret'],
      ['attach', 's3cret'],
      ['message', 's3cret'],
      ['detach', 's3cret'],
    ]);
    expect(janus.requests[2]).toMatchObject({ session_id: SESSION, handle_id: HANDLE, body: { request: 'list' } });
  });

  it('resolves a message with the data of a synchronous success answer', async () => {
    const { janus, handle } = await attached();
    janus.onMessage = (_request, reply) => reply({ janus: 'success', plugindata: { plugin: 'janus.plugin.videoroom', data: { videoroom: 'created', room: 1234 } } });
    await expect(handle.message({ request: 'create', room: 1234 })).resolves.toEqual({ data: { videoroom: 'created', room: 1234 } });
  });

  it('resolves a message with the event that follows an ack, jsep included', async () => {
    const { janus, handle } = await attached();
    const jsep = { type: 'answer' as const, sdp: 'v=0\r\n' };
    janus.onMessage = (_request, reply) => {
      reply({ janus: 'ack', session_id: SESSION });
      setTimeout(() => reply(pluginEvent({ videoroom: 'event', configured: 'ok' }, { jsep })), 10);
    };
    await expect(handle.message({ request: 'publish' }, { type: 'offer', sdp: 'v=0' })).resolves.toEqual({ data: { videoroom: 'event', configured: 'ok' }, jsep });
    expect(janus.requests.at(-1)).toMatchObject({ janus: 'message', jsep: { type: 'offer', sdp: 'v=0' } });
  });

  it('rejects a message with the plugin error code and message', async () => {
    const { janus, handle } = await attached();
    janus.onMessage = (_request, reply) => reply({ janus: 'success', plugindata: { data: { videoroom: 'event', error_code: 427, error: 'Room 1234 already exists' } } });
    const error = await handle.message({ request: 'create', room: 1234 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JanusError);
    expect(error).toMatchObject({ code: 427, message: 'Room 1234 already exists' });
  });

  it('rejects a request with the code of a Janus error', async () => {
    const { janus, connection } = await connect();
    janus.server.removeAllListeners('connection');
    janus.sockets[0]!.removeAllListeners('message');
    janus.sockets[0]!.on('message', (raw) => {
      const { transaction } = JSON.parse(raw.toString()) as Json;
      janus.sockets[0]!.send(JSON.stringify({ janus: 'error', transaction, error: { code: 403, reason: 'Unauthorized request (wrong or missing secret/token)' } }));
    });
    await expect(connection.createSession()).rejects.toMatchObject({ code: 403, message: 'Unauthorized request (wrong or missing secret/token)' });
  });

  it('rejects a message with code -2 when Janus does not answer in time', async () => {
    const { handle } = await attached({ timeoutMs: 2000 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answer = handle.message({ request: 'join' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await answer).toMatchObject({ code: -2 });
  });

  it('routes unsolicited events to the handle named by session_id and sender', async () => {
    const { janus, handle } = await attached();
    const seen: unknown[] = [];
    handle.on('event', (data, jsep) => seen.push(['event', data, jsep]));
    handle.on('webrtcup', () => seen.push(['webrtcup']));
    handle.on('media', (info) => seen.push(['media', info]));
    handle.on('slowlink', (info) => seen.push(['slowlink', info.uplink]));
    handle.on('hangup', (reason) => seen.push(['hangup', reason]));
    const hungUp = next<[string]>((l) => handle.on('hangup', l));
    janus.push(pluginEvent({ videoroom: 'event', joining: { id: 5 } }));
    janus.push(pluginEvent({ videoroom: 'event' }, { sender: 999 })); // another handle: ignored
    janus.push(pluginEvent({ videoroom: 'event' }, { session_id: 999 })); // another session: ignored
    janus.push({ janus: 'webrtcup', session_id: SESSION, sender: HANDLE });
    janus.push({ janus: 'media', session_id: SESSION, sender: HANDLE, type: 'video', mid: '1', receiving: true });
    janus.push({ janus: 'slowlink', session_id: SESSION, sender: HANDLE, uplink: true, lost: 12 });
    janus.push({ janus: 'hangup', session_id: SESSION, sender: HANDLE, reason: 'DTLS alert' });
    await hungUp;
    expect(seen).toEqual([
      ['event', { videoroom: 'event', joining: { id: 5 } }, undefined],
      ['webrtcup'],
      ['media', { type: 'video', mid: '1', receiving: true }],
      ['slowlink', true],
      ['hangup', 'DTLS alert'],
    ]);
  });

  it('ignores junk from Janus and keeps working', async () => {
    const { janus, connection, handle } = await attached();
    const events: unknown[] = [];
    handle.on('event', (data) => events.push(data));
    for (const junk of ['not json', '[1,2]', 'null', '{"no":"janus"}', '{"janus":"event","session_id":"11"}', '{"janus":"media","session_id":11,"sender":22}']) {
      janus.push(junk);
    }
    janus.push(pluginEvent({ after: 'junk' }));
    await next<[Json, unknown]>((l) => handle.on('event', l));
    expect(events).toEqual([{ after: 'junk' }]);
    await expect(connection.info()).resolves.toMatchObject({ name: 'Fake Janus' });
  });

  it('keeps dispatching when a listener throws', async () => {
    const { janus, handle } = await attached();
    handle.onListenerError = () => {};
    const received: unknown[] = [];
    handle.on('event', () => {
      throw new Error('listener bug');
    });
    handle.on('event', (data) => received.push(data));
    janus.push(pluginEvent({ n: 1 }));
    janus.push(pluginEvent({ n: 2 }));
    await vi.waitFor(() => expect(received).toEqual([{ n: 1 }, { n: 2 }]));
  });

  it('sends a keepalive every 25 seconds until the session is destroyed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { janus, connection } = await connect();
    const session = await connection.createSession();
    await vi.advanceTimersByTimeAsync(50_000);
    await vi.waitFor(() => expect(janus.requests.filter((r) => r.janus === 'keepalive')).toHaveLength(2));
    expect(janus.requests.at(-1)).toMatchObject({ janus: 'keepalive', session_id: SESSION });
    await session.destroy();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(janus.requests.filter((r) => r.janus === 'keepalive')).toHaveLength(2);
  });

  it('destroys a session and detaches a handle once, however often asked', async () => {
    const { janus, connection } = await connect();
    const session = await connection.createSession();
    const handle = await session.attach('janus.plugin.streaming');
    const log: string[] = [];
    handle.on('detached', () => log.push('detached'));
    session.on('destroyed', () => log.push('destroyed'));
    await Promise.all([handle.detach(), handle.detach()]);
    await handle.detach();
    await Promise.all([session.destroy(), session.destroy()]);
    expect(log).toEqual(['detached', 'destroyed']);
    expect(janus.requests.filter((r) => r.janus === 'detach' || r.janus === 'destroy').map((r) => r.janus)).toEqual(['detach', 'destroy']);
    await expect(session.attach('janus.plugin.streaming')).rejects.toMatchObject({ code: -1 });
    await expect(handle.message({})).rejects.toMatchObject({ code: -1 });
  });

  it('marks a handle detached when Janus says so', async () => {
    const { janus, handle } = await attached();
    const detached = next<[]>((l) => handle.on('detached', l));
    janus.push({ janus: 'detached', session_id: SESSION, sender: HANDLE });
    await detached;
    await expect(handle.message({})).rejects.toMatchObject({ code: -1, message: 'handle detached' });
  });

  it('on close rejects pending requests, destroys sessions and detaches handles, and emits closed once', async () => {
    const { connection, handle } = await attached();
    const log: string[] = [];
    handle.on('detached', () => log.push('detached'));
    connection.on('closed', (error) => log.push(`closed ${String(error)}`));
    const pending = handle.message({ request: 'join' }).catch((e: unknown) => e);
    connection.close();
    connection.close();
    expect(await pending).toMatchObject({ code: -1, message: 'connection closed' });
    expect(log).toEqual(['detached', 'closed undefined']);
    expect(connection.isClosed).toBe(true);
    await expect(connection.createSession()).rejects.toMatchObject({ code: -1 });
  });

  it('emits closed with an error when Janus goes away', async () => {
    const { janus, connection } = await connect();
    const session = await connection.createSession();
    const destroyed = next<[]>((l) => session.on('destroyed', l));
    const closed = next<[Error?]>((l) => connection.on('closed', l));
    for (const socket of janus.sockets) socket.terminate();
    const [error] = await closed;
    await destroyed;
    expect(error).toBeInstanceOf(JanusError);
    expect(connection.isClosed).toBe(true);
  });

  it('fails to connect when nothing listens', async () => {
    const server = await FakeJanus.start();
    const url = server.url;
    await server.close();
    await expect(JanusConnection.connect(url, { timeoutMs: 1000 })).rejects.toThrow();
  });
});
