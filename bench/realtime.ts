import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { ApiClient, RoomClient } from '@amphi/client';
import { cpuSeconds, figure, repoRoot, startAmphi, stop, writeResult } from './lib.js';

/**
 * `realtime`: presence fan-out. N people are in one room; one of them raises and lowers a
 * hand M times; every change reaches all N as a `participant.updated` message. Measured:
 * deliveries per second of server CPU and wall-clock, side by side with a bare `ws`
 * broadcast of a message of the same size to the same N sockets (bench/bareBroadcast.ts).
 * Both servers run as their own process; clients live in this process.
 */
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 200);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 400);

interface Measured {
  deliveriesPerCpuS: number;
  deliveriesPerS: number;
  messageBytes: number;
}

function countUntil(total: number, onMessage: (listener: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    onMessage(() => {
      if (++n === total) resolve();
    });
  });
}

async function measureAmphi(port: number): Promise<Measured> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-rt-'));
  const server = await startAmphi(port, { AMPHI_DATA_DIR: dataDir, AMPHI_SCRYPT_LOG_N: '12' });
  const clients: RoomClient[] = [];
  try {
    const base = `http://127.0.0.1:${port}`;
    const teacher = new ApiClient({ baseUrl: base, manageCookies: true });
    await teacher.signUp({ email: 'bench@uni.example', password: 'benchmark password', name: 'Teacher' });
    const room = await teacher.createRoom({ title: 'Fan-out', kind: 'classroom' });
    const url = `ws://127.0.0.1:${port}/ws`;
    const createSocket = (u: string) => new WebSocket(u);
    const host = new RoomClient({ url, ticket: (await teacher.join({ roomId: room.id })).ticket, createSocket });
    await host.connect();
    clients.push(host);
    const token = (await teacher.links(room.id)).participant.token;
    const guestApi = new ApiClient({ baseUrl: base });
    for (let i = 1; i < PEOPLE; i++) {
      const client = new RoomClient({ url, ticket: (await guestApi.join({ token, displayName: `Student ${i}` })).ticket, createSocket });
      await client.connect();
      clients.push(client);
    }
    // Wait until everyone sees everyone, so the measure holds only hand changes.
    while (clients.some((c) => c.participants.length < PEOPLE)) await new Promise((r) => setTimeout(r, 50));

    let bytes = 0;
    const done = Promise.all(
      clients.map((client) =>
        countUntil(CHANGES, (listener) => {
          client.on('presence', listener);
        }),
      ),
    );
    const sample = (m: unknown) => (bytes = JSON.stringify(m).length);
    sample({ type: 'participant.updated', participant: { ...host.you, handRaised: true, handRaisedAt: Date.now() } });
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = performance.now();
    const sent: Promise<void>[] = [];
    for (let i = 0; i < CHANGES; i++) sent.push(i % 2 === 0 ? host.raiseHand() : host.lowerHand());
    await Promise.all([done, ...sent]);
    const wall = (performance.now() - t0) / 1000;
    const cpu = measuredCpu(cpuSeconds(server.pid!) - cpu0);
    const deliveries = PEOPLE * CHANGES;
    return { deliveriesPerCpuS: deliveries / cpu, deliveriesPerS: deliveries / wall, messageBytes: bytes };
  } finally {
    for (const client of clients) client.leave();
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CPU seconds of a measure; refuses a measure too short for the clock's 10 ms ticks. */
function measuredCpu(seconds: number): number {
  if (seconds < 0.2) throw new Error(`measure too short (${seconds} s of CPU): raise BENCH_CHANGES`);
  return seconds;
}

/** Opens a WebSocket, trying up to `attempts` times 100 ms apart. */
async function openSocket(url: string, attempts: number): Promise<WebSocket> {
  for (let i = 1; ; i++) {
    const ws = new WebSocket(url);
    const error = await new Promise<Error | null>((resolve) => ws.once('open', () => resolve(null)).once('error', resolve));
    if (!error) return ws;
    if (i >= attempts) throw error;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measureBare(port: number, messageBytes: number): Promise<Measured> {
  const server = spawn(process.execPath, ['--import', 'tsx', 'bench/bareBroadcast.ts', String(port)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const sockets: WebSocket[] = [];
  try {
    // The first socket waits for the server to listen; the others connect at once.
    while (sockets.length < PEOPLE) sockets.push(await openSocket(`ws://127.0.0.1:${port}`, sockets.length === 0 ? 100 : 1));
    const done = Promise.all(sockets.map((ws) => countUntil(CHANGES, (listener) => ws.on('message', listener))));
    const payload = JSON.stringify({ type: 'participant.updated', padding: 'x'.repeat(Math.max(0, messageBytes - 45)) });
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = performance.now();
    for (let i = 0; i < CHANGES; i++) sockets[0]!.send(payload);
    await done;
    const wall = (performance.now() - t0) / 1000;
    const cpu = measuredCpu(cpuSeconds(server.pid!) - cpu0);
    return { deliveriesPerCpuS: (PEOPLE * CHANGES) / cpu, deliveriesPerS: (PEOPLE * CHANGES) / wall, messageBytes: payload.length };
  } finally {
    for (const ws of sockets) ws.terminate();
    await stop(server);
  }
}

export async function run(): Promise<unknown> {
  console.log(`  Amphi: ${PEOPLE} people, ${CHANGES} hand changes…`);
  const amphi = await measureAmphi(18983);
  console.log(`  bare ws broadcast: same fan-out…`);
  const bare = await measureBare(18984, amphi.messageBytes);
  return writeResult(
    'realtime',
    {
      presence_deliveries_per_core_s: figure(amphi.deliveriesPerCpuS, 'msg/s', bare.deliveriesPerCpuS),
      presence_deliveries_per_s: figure(amphi.deliveriesPerS, 'msg/s', bare.deliveriesPerS),
      message_bytes: figure(amphi.messageBytes, 'B'),
    },
    `${PEOPLE} people in one room, ${CHANGES} hand changes, Amphi serialises each broadcast once; baseline = bare ws broadcast (one serialisation per message) of the same size to the same sockets. Server CPU from /proc; clients share the machine.`,
  );
}
