import { randomBytes } from 'node:crypto';
import WebSocket, { type RawData } from 'ws';
import { z } from 'zod';
import { ApiClient } from '@amphi/client';
import { ServerMessage, User, type ClientMessage, type RoomSettings, type Room, type RoomLinks } from '@amphi/protocol';
import type { TestServer } from './harness.js';

/** Waits until `check` holds (polling every 10 ms), or fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const PASSWORD = 'correct horse battery';

/** An email no other test uses. */
export function uniqueEmail(who = 'teacher'): string {
  return `${who}-${randomBytes(5).toString('hex')}@uni.example`;
}

/** A teacher with a fresh account, signed in through the API client. */
export async function teacher(server: Pick<TestServer, 'api'>, name = 'Prof. Martin'): Promise<{ api: ApiClient; user: User; email: string }> {
  const api = server.api();
  const email = uniqueEmail();
  const user = await api.signUp({ email, password: PASSWORD, name });
  return { api, user, email };
}

// ---------------------------------------------------------------- raw HTTP

/** A signed-in session seen from outside: the cookie value and the CSRF token. */
export interface RawSession {
  cookie: string;
  csrfToken: string;
  user: User;
  setCookie: string;
}

export interface RawResponse {
  status: number;
  body: unknown;
  headers: Headers;
  text: string;
}

/** An HTTP request with full control over headers and body (what ApiClient would not send). */
export async function http(
  server: TestServer,
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string>; session?: RawSession; csrf?: boolean } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  if (options.session) {
    headers.cookie = `amphi_session=${options.session.cookie}`;
    if (options.csrf !== false) headers['x-csrf-token'] ??= options.session.csrfToken;
  }
  const res = await fetch(server.baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** Signs up with plain fetch and returns the cookie value as the browser would store it. */
export async function rawSignUp(server: TestServer, email = uniqueEmail()): Promise<RawSession> {
  const res = await http(server, 'POST', '/api/auth/signup', { json: { email, password: PASSWORD, name: 'Raw Teacher' } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${res.text}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = /amphi_session=([^;]*)/.exec(setCookie)?.[1];
  if (!cookie) throw new Error('no session cookie');
  const body = z.object({ user: User, csrfToken: z.string() }).parse(res.body);
  return { cookie, csrfToken: body.csrfToken, user: body.user, setCookie };
}

// ---------------------------------------------------------------- raw WebSocket

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/**
 * A WebSocket that speaks raw frames, for tests of the protocol edge. Every message the
 * server sends is checked against the protocol schema and kept in order.
 */
export class RawSocket {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  /** Server messages that did not match the protocol (a test failure). */
  readonly invalid: string[] = [];
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode: number | null = null;
  /** Indexes of messages already returned by `next`. */
  #consumed = new Set<number>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: RawData) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        this.invalid.push(text);
        return;
      }
      const parsed = ServerMessage.safeParse(json);
      if (parsed.success) this.messages.push(parsed.data);
      else this.invalid.push(text);
    });
    ws.on('error', () => {
      // A close event follows.
    });
  }

  /** Opens a socket to the server's /ws (options go to `ws`, e.g. `{ autoPong: false }`). */
  static async open(server: Pick<TestServer, 'baseUrl'>, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
    const ws = new WebSocket(server.baseUrl.replace(/^http/, 'ws') + '/ws', options);
    const socket = new RawSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  /** Gets a ticket with the API client, opens a socket and says hello; resolves on the welcome. */
  static async join(server: Pick<TestServer, 'baseUrl'>, api: ApiClient, body: { token: string; displayName?: string } | { roomId: string; displayName?: string }, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
    const { ticket } = await api.join(body);
    const socket = await RawSocket.open(server, options);
    socket.send({ type: 'hello', ticket });
    await socket.next('welcome');
    return socket;
  }

  /** The welcome this socket received. */
  get welcome(): MessageOf<'welcome'> {
    const welcome = this.messages.find((m): m is MessageOf<'welcome'> => m.type === 'welcome');
    if (!welcome) throw new Error('not welcomed');
    return welcome;
  }
  get participantId(): string {
    return this.welcome.participantId;
  }
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a protocol message, or any raw text / bytes. */
  send(message: ClientMessage | string | Buffer): void {
    this.ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  /**
   * The first message of this type (and matching `where`) not returned before; waits for
   * it to arrive. Messages are returned in the order the server sent them.
   */
  async next<T extends ServerMessage['type']>(type: T, where: (message: MessageOf<T>) => boolean = () => true, timeoutMs = 5000): Promise<MessageOf<T>> {
    const isType = (m: ServerMessage): m is MessageOf<T> => m.type === type;
    let found: MessageOf<T> | undefined;
    await until(
      () => {
        if (this.invalid.length > 0) throw new Error(`server sent a message outside the protocol: ${this.invalid[0]}`);
        for (let i = 0; i < this.messages.length; i++) {
          const message = this.messages[i]!;
          if (!this.#consumed.has(i) && isType(message) && where(message)) {
            this.#consumed.add(i);
            found = message;
            return true;
          }
        }
        return false;
      },
      `a "${type}" message`,
      timeoutMs,
    );
    return found!;
  }

  /** The error answering the request with this id. */
  error(id: string): Promise<MessageOf<'error'>> {
    return this.next('error', (m) => m.id === id);
  }
  ack(id: string): Promise<MessageOf<'ack'>> {
    return this.next('ack', (m) => m.id === id);
  }

  close(): void {
    this.ws.close();
  }
  terminate(): void {
    this.ws.terminate();
  }
}

/** Sends `interaction.sync` and resolves with its answer (a snapshot, or the events missed since `lastSeq`). */
export async function syncInteraction(socket: RawSocket, lastSeq?: number): Promise<MessageOf<'interaction.snapshot'> | MessageOf<'interaction.events'>> {
  const before = socket.messages.length;
  socket.send({ type: 'interaction.sync', ...(lastSeq !== undefined ? { lastSeq } : {}) });
  let answer: MessageOf<'interaction.snapshot'> | MessageOf<'interaction.events'> | undefined;
  await until(() => {
    answer = socket.messages.slice(before).find((m): m is MessageOf<'interaction.snapshot'> | MessageOf<'interaction.events'> => m.type === 'interaction.snapshot' || m.type === 'interaction.events');
    return answer !== undefined;
  }, 'the answer to interaction.sync');
  return answer!;
}

// ---------------------------------------------------------------- rooms

/** A room owned by a fresh teacher, with its links, and the teacher connected as moderator. */
export async function liveRoom(server: Pick<TestServer, 'api' | 'baseUrl'>, settings: Partial<RoomSettings> = {}, kind: Room['kind'] = 'classroom') {
  const owner = await teacher(server);
  const room = await owner.api.createRoom({ title: 'Algebra', kind, settings });
  const links: RoomLinks = await owner.api.links(room.id);
  const moderator = await RawSocket.join(server, owner.api, { roomId: room.id });
  return {
    owner,
    room,
    links,
    moderator,
    /** A guest who joins through the participant link. */
    guest: (name: string) => RawSocket.join(server, server.api(), { token: links.participant.token, displayName: name }),
  };
}

let probes = 0;

/**
 * Checks that the room still works: `actor` raises and lowers a hand, and every observer
 * (the actor included) sees both changes. Also serves as a barrier: whatever the server
 * did before, observers have received it once this resolves.
 */
export async function expectRoomWorks(actor: RawSocket, observers: RawSocket[]): Promise<void> {
  const id = `probe-${++probes}`;
  const pid = actor.participantId;
  actor.send({ type: 'hand.raise', id });
  await actor.ack(id);
  for (const o of [actor, ...observers]) await o.next('participant.updated', (m) => m.participant.id === pid && m.participant.handRaised);
  actor.send({ type: 'hand.lower', id: `${id}-lower` });
  await actor.ack(`${id}-lower`);
  for (const o of [actor, ...observers]) await o.next('participant.updated', (m) => m.participant.id === pid && !m.participant.handRaised);
}
