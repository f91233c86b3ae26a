/**
 * A fleet of viewer bots for the `interaction` benchmark, run as a child process (forked by
 * bench/interaction/fleet.ts). Each bot is a raw `ws` socket: on Amphi it joins through the
 * participant link, says hello with its ticket and sends `interaction.sync`; on the bare
 * baseline it only connects. Deliveries = chat events received.
 *
 * Counting must not make the bots the bottleneck: one bot in `sampleEvery` parses its frames
 * and timestamps every chat event (the sender wrote its send time into the text, same clock);
 * the others count the events of a frame with `Buffer.indexOf`, without parsing.
 */
import WebSocket from 'ws';
import { ApiClient } from '@amphi/client';
import { CHAT_MARKER, parseSentAt, type FleetCommand, type FleetReport } from './wire.js';

const marker = Buffer.from(CHAT_MARKER);
const sockets: WebSocket[] = [];
let deliveries = 0;
let frames = 0;
let latencies: number[] = [];

function send(report: FleetReport): void {
  process.send!(report);
}

function countEvents(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(marker); i !== -1; i = data.indexOf(marker, i + marker.length)) n++;
  return n;
}

/** What a sampled bot does with a frame: parse it, count and timestamp its chat events. */
function sampleFrame(data: Buffer): void {
  const now = performance.timeOrigin + performance.now();
  const message = JSON.parse(data.toString('utf8')) as { type?: string; events?: { kind?: string; text?: string | null }[] };
  if (message.type !== 'interaction.events' || !message.events) return;
  for (const event of message.events) {
    if (event.kind !== 'chat.message') continue;
    deliveries++;
    const sentAt = parseSentAt(event.text ?? '');
    if (sentAt !== null) latencies.push(now - sentAt);
  }
}

/** Opens one socket; on Amphi, resolves once the answer to `interaction.sync` arrived. */
function connect(url: string, ticket: string | null, sampled: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    let ready = false;
    let status: string | undefined;
    const fail = (error: Error) => {
      if (!ready) reject(error);
    };
    ws.once('error', fail);
    ws.once('close', (code, reason) => fail(new Error(`socket closed before it was ready (${code} ${reason.toString()})`)));
    ws.once('open', () => {
      if (ticket === null) {
        ready = true;
        resolve(ws);
      } else {
        ws.send(JSON.stringify({ type: 'hello', ticket }));
      }
    });
    ws.on('message', (data: Buffer) => {
      if (ready) {
        frames++;
        if (sampled) sampleFrame(data);
        else deliveries += countEvents(data);
        return;
      }
      // Before the bot is ready: the welcome (then sync), the sync's answer, or an error.
      const text = data.toString('utf8');
      const type = /^\{"type":"([^"]+)"/.exec(text)?.[1];
      if (type === 'welcome') {
        status = /"status":"([^"]+)"/.exec(text)?.[1];
        ws.send(JSON.stringify({ type: 'interaction.sync', lastSeq: 0 }));
      } else if (type === 'interaction.snapshot' || type === 'interaction.events') {
        ready = true;
        resolve(ws);
      } else if (type === 'error') fail(new Error(`${status === undefined ? 'answer to hello' : `answer to interaction.sync after a welcome with status "${status}"`}: ${text.slice(0, 300)}`));
    });
  });
}

async function connectAll(command: Extract<FleetCommand, { type: 'connect' }>): Promise<void> {
  const api = command.base ? new ApiClient({ baseUrl: command.base }) : null;
  let next = 0;
  const worker = async () => {
    while (next < command.count) {
      const i = next++;
      const ticket = api ? (await api.join({ token: command.token!, displayName: `Viewer ${command.firstIndex + i}` })).ticket : null;
      sockets.push(await connect(command.url, ticket, (command.firstIndex + i) % command.sampleEvery === 0));
      if (sockets.length % 1000 === 0) send({ type: 'progress', connected: sockets.length });
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
}

process.on('message', (command: FleetCommand) => {
  switch (command.type) {
    case 'connect':
      connectAll(command).then(
        () => send({ type: 'connected', connected: sockets.length }),
        (error: unknown) => send({ type: 'failed', error: String(error instanceof Error ? error.stack : error) }),
      );
      return;
    case 'count':
      send({ type: 'count', deliveries, frames });
      return;
    case 'latencies':
      send({ type: 'latencies', latencies });
      latencies = [];
      return;
    case 'close':
      for (const ws of sockets) ws.terminate();
      process.exit(0);
  }
});
