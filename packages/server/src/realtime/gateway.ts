import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { AmphiError, ClientMessage, ERRORS, MAX_MESSAGE_BYTES, MAX_SDP_MESSAGE_BYTES, SDP_MESSAGE_TYPES, CLIENT_MESSAGE_TYPES, type ErrorCode, type ServerMessage } from '@amphi/protocol';
import { RateLimitedError } from '../interaction/index.js';
import { CLOSE, type Peer } from './Peer.js';
import type { Attachment, RoomHub } from './RoomHub.js';

export interface GatewayOptions {
  hub: RoomHub;
  /** WebSocket heartbeat interval in ms; a socket that misses two is dropped. */
  heartbeatMs: number;
  /** Time (ms) a new socket has to send its hello (default 10000). */
  helloTimeoutMs?: number;
}

/** Hard cap enforced by `ws` itself (the socket is closed with 1009); softer cap below answers with an error. */
export const MAX_FRAME_BYTES = 256 * 1024;

interface SocketState {
  alive: boolean;
  attachment: Attachment | null;
  /** A hello or resume is being processed: further messages wait for the answer. */
  pending: Promise<void> | null;
}

function errorMessage(code: ErrorCode, id?: string, message?: string, retryAfterMs?: number): ServerMessage {
  return { type: 'error', code, message: message ?? ERRORS[code].message, ...(id !== undefined ? { id } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** Reads the `id` of a message that failed validation, so the error can still be correlated. */
function requestIdOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string' && value.id.length <= 64) return value.id;
  return undefined;
}

/**
 * The WebSocket edge at /ws: size cap, JSON parsing, schema validation, the hello rule,
 * heartbeats. Everything that passes is handed to the room hub; errors are answered with
 * a code and never affect other sockets.
 */
export function registerGateway(app: FastifyInstance, options: GatewayOptions): { sockets: () => number } {
  const sockets = new Map<WebSocket, SocketState>();
  const { hub } = options;

  const heartbeat = setInterval(() => {
    for (const [socket, state] of sockets) {
      if (!state.alive) {
        socket.terminate();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    for (const socket of sockets.keys()) socket.close(CLOSE.shutdown, 'shutdown');
  });

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    const state: SocketState = { alive: true, attachment: null, pending: null };
    sockets.set(socket, state);
    const sendNow = (message: ServerMessage, serialized?: string) => {
      if (socket.readyState === socket.OPEN) socket.send(serialized ?? JSON.stringify(message));
    };
    /** Id of the request being handled, when it asked for an ack. */
    let ackDue: string | undefined;
    const ackNow = () => {
      if (ackDue === undefined) return;
      const id = ackDue;
      ackDue = undefined;
      sendNow({ type: 'ack', id });
    };
    const peer: Peer = {
      // An action that ends one's own place (session.end, leave) succeeded: acknowledge it
      // before the `removed` message and the close that it causes.
      send: (message, serialized) => {
        if (message.type === 'removed') ackNow();
        sendNow(message, serialized);
      },
      close: (code, reason) => {
        ackNow();
        socket.close(code, reason);
      },
    };
    const fail = (error: unknown, id?: string) => {
      const code: ErrorCode = error instanceof AmphiError ? error.code : 'INTERNAL';
      if (!(error instanceof AmphiError)) request.log.error({ err: error }, 'websocket message failed');
      peer.send(errorMessage(code, id, error instanceof AmphiError ? error.message : undefined, error instanceof RateLimitedError ? error.retryAfterMs : undefined));
      if (ERRORS[code].closesSocket) socket.close(CLOSE.error, code);
    };

    const helloTimer = setTimeout(() => {
      if (!state.attachment && !state.pending) fail(new AmphiError('NOT_AUTHENTICATED', 'Send hello first.'));
    }, options.helloTimeoutMs ?? 10_000);

    socket.on('pong', () => (state.alive = true));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      sockets.delete(socket);
      if (state.attachment) hub.detach(state.attachment, peer);
    });
    socket.on('error', (err) => request.log.warn({ err }, 'websocket error'));

    socket.on('message', (data, isBinary) => {
      state.alive = true;
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
      if (isBinary) return fail(new AmphiError('INVALID_MESSAGE', 'Binary messages are not part of the protocol.'));
      // Only SDP-carrying messages may exceed the general cap (checked again once the type is known).
      if (size > MAX_SDP_MESSAGE_BYTES) return fail(new AmphiError('MESSAGE_TOO_LARGE'));
      let json: unknown;
      try {
        json = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
      } catch {
        return fail(new AmphiError('INVALID_JSON'));
      }
      if (size > MAX_MESSAGE_BYTES) {
        const type = typeof json === 'object' && json !== null && 'type' in json ? json.type : undefined;
        if (typeof type !== 'string' || !SDP_MESSAGE_TYPES.includes(type)) return fail(new AmphiError('MESSAGE_TOO_LARGE'), requestIdOf(json));
      }
      const parsed = ClientMessage.safeParse(json);
      if (!parsed.success) {
        // An object with a `type` nobody knows is UNKNOWN_MESSAGE_TYPE; anything else that fails is INVALID_MESSAGE.
        const type = typeof json === 'object' && json !== null && !Array.isArray(json) && 'type' in json ? json.type : undefined;
        const unknownType = typeof type === 'string' && !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type);
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
        return fail(new AmphiError(unknownType ? 'UNKNOWN_MESSAGE_TYPE' : 'INVALID_MESSAGE', unknownType ? undefined : detail), requestIdOf(json));
      }
      const message = parsed.data;
      const run = async () => {
        if (state.pending) await state.pending;
        if (socket.readyState !== socket.OPEN) return;
        if (!state.attachment) {
          if (message.type !== 'hello' && message.type !== 'resume') throw new AmphiError('NOT_AUTHENTICATED', 'Send hello first.');
          const attach = message.type === 'hello' ? hub.hello(peer, message.ticket) : hub.resume(peer, message.resumeToken);
          const pending = attach.then((attachment) => {
            state.attachment = attachment;
            clearTimeout(helloTimer);
            // The socket may have closed while joining: release the place as a disconnect would.
            if (socket.readyState !== socket.OPEN) hub.detach(attachment, peer);
          });
          state.pending = pending.catch(() => undefined);
          await pending;
          state.pending = null;
          if (message.id !== undefined) peer.send({ type: 'ack', id: message.id });
        } else {
          ackDue = message.type === 'ping' ? undefined : message.id;
          let result: void | Promise<void>;
          try {
            result = hub.handle(state.attachment, message);
          } catch (error) {
            ackDue = undefined;
            throw error;
          }
          if (result) {
            // Media requests wait for the media server; other messages may be handled meanwhile.
            ackDue = undefined;
            await result;
            if (message.id !== undefined) sendNow({ type: 'ack', id: message.id });
          } else {
            ackNow();
          }
        }
      };
      run().catch((error: unknown) => fail(error, message.id));
    });
  });

  return { sockets: () => sockets.size };
}
