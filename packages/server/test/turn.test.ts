import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../../e2e/support/coturn.js';
import { turnCredentials } from '../src/media/turn.js';
import { TurnClient, type Address } from './turnClient.js';

/** A real coturn on the machine's outward IPv4, with a random static-auth-secret. */
let coturn: Coturn;
beforeAll(async () => {
  coturn = await startCoturn();
});
afterAll(async () => coturn?.close());

/** Sockets and clients a test opened, closed after it whatever happens. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function client(): Promise<TurnClient> {
  const turn = await TurnClient.open({ address: coturn.ip, port: coturn.port });
  cleanups.push(() => turn.close());
  return turn;
}

/** A UDP socket on the outward address, as a browser's or Janus's candidate would be. */
async function peerSocket(): Promise<{ socket: Socket; address: Address }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, coturn.ip, () => resolve());
  });
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { socket, address: { address: coturn.ip, port: socket.address().port } };
}

/** The next datagram the socket receives, or a failure after 5 s. */
function nextMessage(socket: Socket): Promise<{ data: Buffer; from: Address }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the peer received nothing within 5 s')), 5000);
    socket.once('message', (data, from) => {
      clearTimeout(timer);
      resolve({ data, from: { address: from.address, port: from.port } });
    });
  });
}

describe('coturn with TURN REST credentials', () => {
  it('relays UDP both ways for a client holding credentials signed with the shared secret', async () => {
    const ice = turnCredentials({ secret: coturn.secret, userId: 'student:1', ttlS: 600, urls: [coturn.url] });
    const turn = await client();
    const allocation = await turn.allocate(ice.username, ice.credential);
    expect(allocation.relayed.address).toBe(coturn.ip);
    expect(allocation.relayed.port).toBeGreaterThanOrEqual(49160);
    expect(allocation.relayed.port).toBeLessThanOrEqual(49260);
    expect(allocation.lifetimeS).toBeGreaterThan(0);

    const peer = await peerSocket();
    await turn.createPermission(peer.address);

    const atPeer = nextMessage(peer.socket);
    turn.send(peer.address, Buffer.from('hello from behind the relay'));
    const received = await atPeer;
    expect(received.data.toString()).toBe('hello from behind the relay');
    expect(received.from).toEqual(allocation.relayed);

    const atClient = turn.nextData();
    peer.socket.send(Buffer.from('hello back'), allocation.relayed.port, allocation.relayed.address);
    const back = await atClient;
    expect(back.data.toString()).toBe('hello back');
    expect(back.from).toEqual(peer.address);
  });

  it('refuses a credential signed with another secret with 401', async () => {
    const ice = turnCredentials({ secret: `${coturn.secret}-other`, userId: 'intruder', ttlS: 600, urls: [coturn.url] });
    const turn = await client();
    await expect(turn.allocate(ice.username, ice.credential)).rejects.toMatchObject({ name: 'TurnError', code: 401 });
  });

  it('refuses an expired credential with 401', async () => {
    // Issued two hours ago for one hour: correctly signed, but past its expiry.
    const issuedAt = Date.now() - 2 * 3600_000;
    const ice = turnCredentials({ secret: coturn.secret, userId: 'late', ttlS: 3600, urls: [coturn.url], now: () => issuedAt });
    const turn = await client();
    await expect(turn.allocate(ice.username, ice.credential)).rejects.toMatchObject({ name: 'TurnError', code: 401 });
  });
});
