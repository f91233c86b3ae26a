import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * A minimal TURN client over UDP (RFC 5389 STUN, RFC 5766 TURN), enough to prove a relay
 * works: Allocate with the long-term credential mechanism, CreatePermission, Send and Data
 * indications. IPv4 only; no channels, no FINGERPRINT.
 */

export interface Address {
  address: string;
  port: number;
}

/** An error response from the server: 401 Unauthorized, 438 Stale Nonce, … */
export class TurnError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    step: string,
  ) {
    super(`${step} failed: ${code} ${reason}`);
    this.name = 'TurnError';
  }
}

const MAGIC_COOKIE = 0x2112a442;
const Method = { Allocate: 0x003, Refresh: 0x004, Send: 0x006, Data: 0x007, CreatePermission: 0x008 } as const;
const Class = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 } as const;
const Attr = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const;
/** REQUESTED-TRANSPORT value: protocol 17 (UDP) and three reserved bytes. */
const UDP_TRANSPORT = Buffer.from([17, 0, 0, 0]);
/** Retransmit an unanswered request every 500 ms, give up after 5 s. */
const RETRANSMIT_MS = 500;
const REQUEST_TIMEOUT_MS = 5000;

interface StunMessage {
  method: number;
  cls: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
  raw: Buffer;
  /** Offset of the MESSAGE-INTEGRITY attribute, if any. */
  integrityOffset: number | undefined;
}

// ------------------------------------------------------------------ encoding

function encodeAttributes(attributes: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  return Buffer.concat(
    attributes.map(([type, value]) => {
      const header = Buffer.alloc(4);
      header.writeUInt16BE(type, 0);
      header.writeUInt16BE(value.length, 2);
      return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
}

function header(method: number, cls: number, length: number, transactionId: Buffer): Buffer {
  // The class bits sit between the method bits (RFC 5389 section 6).
  const type = (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | cls;
  const buf = Buffer.alloc(20);
  buf.writeUInt16BE(type, 0);
  buf.writeUInt16BE(length, 2);
  buf.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(buf, 8);
  return buf;
}

/** A STUN message; with `key`, MESSAGE-INTEGRITY (HMAC-SHA1 over everything before it) comes last. */
function encode(method: number, cls: number, transactionId: Buffer, attributes: ReadonlyArray<readonly [number, Buffer]>, key?: Buffer): Buffer {
  const body = encodeAttributes(attributes);
  if (!key) return Buffer.concat([header(method, cls, body.length, transactionId), body]);
  // The length field covers the MESSAGE-INTEGRITY attribute (4 + 20 bytes) while hashing.
  const signed = Buffer.concat([header(method, cls, body.length + 24, transactionId), body]);
  const mac = createHmac('sha1', key).update(signed).digest();
  return Buffer.concat([signed, encodeAttributes([[Attr.MESSAGE_INTEGRITY, mac]])]);
}

function decode(raw: Buffer): StunMessage | undefined {
  if (raw.length < 20 || raw.readUInt32BE(4) !== MAGIC_COOKIE || (raw[0]! & 0xc0) !== 0) return undefined;
  const type = raw.readUInt16BE(0);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const attributes = new Map<number, Buffer>();
  let integrityOffset: number | undefined;
  const end = Math.min(raw.length, 20 + raw.readUInt16BE(2));
  for (let offset = 20; offset + 4 <= end; ) {
    const attrType = raw.readUInt16BE(offset);
    const length = raw.readUInt16BE(offset + 2);
    if (attrType === Attr.MESSAGE_INTEGRITY) integrityOffset = offset;
    if (!attributes.has(attrType)) attributes.set(attrType, raw.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { method, cls: type & 0x0110, transactionId: raw.subarray(8, 20), attributes, raw, integrityOffset };
}

/** Whether the message's MESSAGE-INTEGRITY matches `key`. */
function integrityHolds(message: StunMessage, key: Buffer): boolean {
  const offset = message.integrityOffset;
  if (offset === undefined || message.raw.length < offset + 24) return false;
  const signed = Buffer.from(message.raw.subarray(0, offset));
  signed.writeUInt16BE(offset - 20 + 24, 2);
  const expected = createHmac('sha1', key).update(signed).digest();
  return timingSafeEqual(expected, message.raw.subarray(offset + 4, offset + 24));
}

function xorAddress(address: Address): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt8(0x01, 1); // IPv4
  buf.writeUInt16BE(address.port ^ (MAGIC_COOKIE >>> 16), 2);
  const ip = address.address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  buf.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return buf;
}

function readXorAddress(value: Buffer | undefined, what: string): Address {
  if (!value || value.length < 8 || value[1] !== 0x01) throw new Error(`no IPv4 ${what} in the response`);
  const ip = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return { address: [24, 16, 8, 0].map((shift) => (ip >>> shift) & 0xff).join('.'), port: value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16) };
}

function errorOf(message: StunMessage, step: string): TurnError {
  const value = message.attributes.get(Attr.ERROR_CODE);
  if (!value || value.length < 4) return new TurnError(0, 'error response without ERROR-CODE', step);
  return new TurnError((value[2]! & 0x07) * 100 + value[3]!, value.subarray(4).toString('utf8'), step);
}

// ------------------------------------------------------------------ client

/** What a successful Allocate gave. */
export interface Allocation {
  /** The relay's transport address, where peers send to. */
  relayed: Address;
  /** This client as the server saw it. */
  mapped: Address;
  /** Allocation lifetime in seconds. */
  lifetimeS: number;
}

export class TurnClient {
  private readonly pending = new Map<string, (message: StunMessage) => void>();
  private readonly dataListeners = new Set<(from: Address, data: Buffer) => void>();
  private auth: { username: string; realm: Buffer; nonce: Buffer; key: Buffer } | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly server: Address,
  ) {
    socket.on('message', (raw) => this.receive(raw));
  }

  /** A client on a fresh UDP socket, talking to the TURN server at `server`. */
  static async open(server: Address): Promise<TurnClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => resolve());
    });
    return new TurnClient(socket, server);
  }

  /**
   * Allocate a UDP relay with the long-term credential mechanism: a first request without
   * credentials draws 401 with REALM and NONCE, the second is signed with
   * key = MD5(username:realm:password). Rejects with a TurnError (401 for bad credentials).
   */
  async allocate(username: string, password: string): Promise<Allocation> {
    const challenge = await this.request(Method.Allocate, [[Attr.REQUESTED_TRANSPORT, UDP_TRANSPORT]]);
    if (challenge.cls !== Class.error) throw new Error('the server allocated without asking for credentials');
    const challengeError = errorOf(challenge, 'Allocate without credentials');
    const realm = challenge.attributes.get(Attr.REALM);
    const nonce = challenge.attributes.get(Attr.NONCE);
    if (challengeError.code !== 401 || !realm || !nonce) throw challengeError;
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${password}`).digest();
    this.auth = { username, realm, nonce, key };

    const response = await this.signedRequest(Method.Allocate, [[Attr.REQUESTED_TRANSPORT, UDP_TRANSPORT]], 'Allocate');
    const lifetime = response.attributes.get(Attr.LIFETIME);
    return {
      relayed: readXorAddress(response.attributes.get(Attr.XOR_RELAYED_ADDRESS), 'XOR-RELAYED-ADDRESS'),
      mapped: readXorAddress(response.attributes.get(Attr.XOR_MAPPED_ADDRESS), 'XOR-MAPPED-ADDRESS'),
      lifetimeS: lifetime ? lifetime.readUInt32BE(0) : 0,
    };
  }

  /** Lets `peer`'s IP address send to and receive from the relay (after allocate()). */
  async createPermission(peer: Address): Promise<void> {
    await this.signedRequest(Method.CreatePermission, [[Attr.XOR_PEER_ADDRESS, xorAddress(peer)]], 'CreatePermission');
  }

  /** Sends `data` to `peer` through the relay (a Send indication: no answer, no credentials). */
  send(peer: Address, data: Buffer): void {
    const message = encode(Method.Send, Class.indication, randomBytes(12), [
      [Attr.XOR_PEER_ADDRESS, xorAddress(peer)],
      [Attr.DATA, data],
    ]);
    this.socket.send(message, this.server.port, this.server.address);
  }

  /** The next Data indication: bytes a permitted peer sent to the relayed address. */
  nextData(timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ from: Address; data: Buffer }> {
    return new Promise((resolve, reject) => {
      const listener = (from: Address, data: Buffer): void => {
        clearTimeout(timer);
        this.dataListeners.delete(listener);
        resolve({ from, data });
      };
      const timer = setTimeout(() => {
        this.dataListeners.delete(listener);
        reject(new Error(`no Data indication within ${timeoutMs} ms`));
      }, timeoutMs);
      this.dataListeners.add(listener);
    });
  }

  /** Releases the allocation (Refresh with LIFETIME 0) if there is one, then closes the socket. Safe twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.auth) await this.signedRequest(Method.Refresh, [[Attr.LIFETIME, Buffer.from([0, 0, 0, 0])]], 'Refresh').catch(() => undefined);
      await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    })();
    return this.closing;
  }

  /** A request signed with the current credentials; renews the nonce once on 438 Stale Nonce. */
  private async signedRequest(method: number, attributes: ReadonlyArray<readonly [number, Buffer]>, step: string): Promise<StunMessage> {
    for (let attempt = 0; ; attempt++) {
      const auth = this.auth;
      if (!auth) throw new Error(`${step} before allocate()`);
      const response = await this.request(
        method,
        [...attributes, [Attr.USERNAME, Buffer.from(auth.username, 'utf8')], [Attr.REALM, auth.realm], [Attr.NONCE, auth.nonce]],
        auth.key,
      );
      if (response.cls === Class.success) {
        if (!integrityHolds(response, auth.key)) throw new Error(`${step} success response fails MESSAGE-INTEGRITY`);
        return response;
      }
      const error = errorOf(response, step);
      const nonce = response.attributes.get(Attr.NONCE);
      if (error.code !== 438 || !nonce || attempt > 0) throw error;
      auth.nonce = nonce;
    }
  }

  /** Sends a request and resolves with its response (success or error), retransmitting as UDP needs. */
  private request(method: number, attributes: ReadonlyArray<readonly [number, Buffer]>, key?: Buffer): Promise<StunMessage> {
    const transactionId = randomBytes(12);
    const message = encode(method, Class.request, transactionId, attributes, key);
    const id = transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      const transmit = (): void => this.socket.send(message, this.server.port, this.server.address);
      const retransmit = setInterval(transmit, RETRANSMIT_MS);
      const timeout = setTimeout(() => {
        finish();
        reject(new Error(`no response to STUN method 0x${method.toString(16)} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      const finish = (): void => {
        clearInterval(retransmit);
        clearTimeout(timeout);
        this.pending.delete(id);
      };
      this.pending.set(id, (response) => {
        finish();
        resolve(response);
      });
      transmit();
    });
  }

  private receive(raw: Buffer): void {
    const message = decode(raw);
    if (!message) return;
    if (message.cls === Class.indication && message.method === Method.Data) {
      const data = message.attributes.get(Attr.DATA);
      if (!data) return;
      const from = readXorAddress(message.attributes.get(Attr.XOR_PEER_ADDRESS), 'XOR-PEER-ADDRESS');
      for (const listener of [...this.dataListeners]) listener(from, Buffer.from(data));
      return;
    }
    if (message.cls === Class.success || message.cls === Class.error) {
      this.pending.get(message.transactionId.toString('hex'))?.(message);
    }
  }
}
