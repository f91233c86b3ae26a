/**
 * The RTMP ingest against the real thing: Debian's nginx with libnginx-mod-rtmp supervised by
 * NginxRtmp, its callbacks answered by a Fastify app carrying registerRtmpCallbacks, and real
 * ffmpeg encoders pushing a live test pattern like OBS would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NginxRtmp, RtmpIngest, registerRtmpCallbacks, type RtmpIngestEvents } from '../src/broadcast/rtmp/index.js';
import { freePort, isRunning } from './harness.js';

const run = promisify(execFile);

const KEY = `amphi_${randomBytes(24).toString('base64url')}`;
const WRONG_KEY = `amphi_${randomBytes(24).toString('base64url')}`;
const STREAM = 'room-rtmp-test';
const SECRET = randomBytes(24).toString('base64url');

/** A small live test pattern with a tone, encoded as OBS would (H.264 with 1 s GOPs, AAC), in FLV. */
function encoderArgs(url: string): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-f', 'flv', url],
  ];
}

/** An encoder process and how it ended. */
interface Encoder {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Every process this file starts, ended by pid in afterAll if still there. */
const started: ChildProcess[] = [];

function push(url: string): Encoder {
  const child = spawn('ffmpeg', encoderArgs(url), { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exit };
}

async function stop(encoder: Encoder): Promise<void> {
  encoder.child.kill('SIGKILL');
  await encoder.exit;
}

/** The next time the ingest emits this event (registered before the action that causes it). */
function next<K extends keyof RtmpIngestEvents>(ingest: RtmpIngest, event: K): Promise<RtmpIngestEvents[K][0]> {
  return new Promise((resolve) => {
    const off = ingest.on(event, ((value: RtmpIngestEvents[K][0]) => {
      off();
      resolve(value);
    }) as never);
  });
}

/** Decodes `frames` video frames from the stream; returns their sizes (one framemd5 line per frame). */
async function decodeFrames(url: string, frames: number): Promise<{ width: number; height: number; decoded: number }> {
  const probe = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url], { timeout: 20_000 });
  const [stream] = (JSON.parse(probe.stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams;
  expect(stream?.codec_name).toBe('h264');
  const decode = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-map', '0:v:0', '-frames:v', String(frames), '-f', 'framemd5', '-'], { timeout: 20_000 });
  const decoded = decode.stdout.split('\n').filter((line) => /^0,/.test(line)).length;
  return { width: stream!.width, height: stream!.height, decoded };
}

let app: FastifyInstance;
let rtmp: NginxRtmp;
let ingest: RtmpIngest;
/** Every key `authorize` was asked about, in order. */
const asked: string[] = [];
/** Everything the app and nginx logged. */
const logs: string[] = [];
let pushUrl: (key: string) => string;

beforeAll(async () => {
  ingest = new RtmpIngest({
    authorize: async (key) => {
      asked.push(key);
      return key === KEY ? STREAM : null;
    },
  });
  app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => void logs.push(line) } } });
  registerRtmpCallbacks(app, { secret: SECRET, ingest });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const appPort = (app.server.address() as AddressInfo).port;
  const log = { info: (o: object, m?: string) => logs.push(JSON.stringify({ ...o, m })), warn: (o: object, m?: string) => logs.push(JSON.stringify({ ...o, m })), error: (o: object, m?: string) => logs.push(JSON.stringify({ ...o, m })) };
  rtmp = new NginxRtmp({ host: '127.0.0.1', port: await freePort(), callbackBase: `http://127.0.0.1:${appPort}`, callbackSecret: SECRET, restartDelayMs: 100, log });
  // What the lead's wiring does: a dead nginx ended every stream, without publish_done callbacks.
  rtmp.on('exited', () => ingest.serverLost());
  await rtmp.start();
  pushUrl = (key) => `rtmp://127.0.0.1:${rtmp.port}/live/${key}`;
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const pid = rtmp?.pid;
  await rtmp?.close();
  if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGKILL');
  ingest?.close();
  await app?.close();
});

describe('RTMP ingest: OBS-style encoders into our private nginx-rtmp', () => {
  it('accepts the right key, publishes it under the internal name only, and our ffmpeg decodes 320x180 video from the pull URL', async () => {
    const published = next(ingest, 'publish');
    const encoder = push(pushUrl(KEY));
    try {
      expect(await published).toEqual({ stream: STREAM, remoteAddress: '127.0.0.1' });
      expect(asked.at(-1)).toBe(KEY);
      expect(ingest.liveStreams()).toEqual([STREAM]);
      const pulled = await decodeFrames(rtmp.pullUrl(STREAM), 10);
      expect(pulled).toEqual({ width: 320, height: 180, decoded: 10 });
      // Nothing is published under the key: nginx renamed the stream on our 302.
      await expect(run('ffprobe', ['-v', 'error', rtmp.pullUrl(KEY)], { timeout: 20_000 })).rejects.toThrow();
      // The key is in no log line of the app nor of nginx, and in no nginx argument.
      expect(logs.join('\n')).not.toContain(KEY);
      expect(logs.join('\n')).not.toContain(SECRET);
      const { stdout: args } = await run('ps', ['-o', 'args=', '-p', String(rtmp.pid)]);
      expect(args).toContain('nginx');
      expect(args).not.toContain(KEY);
    } finally {
      const unpublished = next(ingest, 'unpublish');
      await stop(encoder);
      await unpublished;
    }
  });

  it('refuses a wrong key: the encoder fails, nothing is published, and the key was asked about', async () => {
    const events: string[] = [];
    const offs = [ingest.on('publish', () => events.push('publish')), ingest.on('refused', (e) => events.push(`refused ${e.reason}`))];
    try {
      const encoder = push(pushUrl(WRONG_KEY));
      const exit = await encoder.exit;
      expect(exit.code).not.toBe(0);
      expect(asked.at(-1)).toBe(WRONG_KEY);
      expect(events).toEqual(['refused unknown_key']);
      expect(ingest.liveStreams()).toEqual([]);
      expect(logs.join('\n')).not.toContain(WRONG_KEY);
    } finally {
      for (const off of offs) off();
    }
  });

  it('emits unpublish when the encoder dies, and publishes the same internal name again when it reconnects', async () => {
    const first = next(ingest, 'publish');
    const encoder = push(pushUrl(KEY));
    expect((await first).stream).toBe(STREAM);
    const unpublished = next(ingest, 'unpublish');
    await stop(encoder);
    expect(await unpublished).toEqual({ stream: STREAM, reason: 'done' });
    expect(ingest.liveStreams()).toEqual([]);

    const again = next(ingest, 'publish');
    const reconnected = push(pushUrl(KEY));
    try {
      expect((await again).stream).toBe(STREAM);
      expect((await decodeFrames(rtmp.pullUrl(STREAM), 3)).decoded).toBe(3);
    } finally {
      const done = next(ingest, 'unpublish');
      await stop(reconnected);
      await done;
    }
  });

  it('shrugs off connections that speak garbage or stop mid-handshake, and still takes a real encoder', async () => {
    const events: string[] = [];
    const offs = (['publish', 'unpublish', 'refused'] as const).map((name) => ingest.on(name, () => events.push(name)));
    try {
      const pid = rtmp.pid;
      for (const bytes of [randomBytes(64 * 1024), Buffer.from([3, ...randomBytes(1535)]), Buffer.from([3])]) {
        const socket = connect(rtmp.port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        socket.end(bytes);
        await new Promise<void>((resolve) => socket.once('close', () => resolve()).once('error', () => resolve()));
      }
      expect(events).toEqual([]);
      expect(rtmp.pid).toBe(pid);
      const published = next(ingest, 'publish');
      const encoder = push(pushUrl(KEY));
      try {
        expect((await published).stream).toBe(STREAM);
      } finally {
        const done = next(ingest, 'unpublish');
        await stop(encoder);
        await done;
      }
    } finally {
      for (const off of offs) off();
    }
  });

  it('answers callbacks that are not from our nginx with 403 or 400 and asks the ingest nothing', async () => {
    const before = asked.length;
    const events: string[] = [];
    const offs = (['publish', 'unpublish', 'refused'] as const).map((name) => ingest.on(name, () => events.push(name)));
    const form = (fields: Record<string, string>) => new URLSearchParams({ call: 'publish', app: 'live', name: KEY, addr: '192.0.2.1', clientid: '99', type: 'live', ...fields }).toString();
    const post = (url: string, payload: string, extra: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
      app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-www-form-urlencoded', ...extra.headers }, ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}) });
    try {
      const publish = `/internal/rtmp/publish?s=${SECRET}`;
      expect((await post('/internal/rtmp/publish', form({}))).statusCode).toBe(403);
      expect((await post(`/internal/rtmp/publish?s=${SECRET}x`, form({}))).statusCode).toBe(403);
      expect((await post(`/internal/rtmp/publish?s=${SECRET}&s=${SECRET}`, form({}))).statusCode).toBe(403);
      expect((await post(publish, form({}), { remoteAddress: '192.0.2.7' })).statusCode).toBe(403);
      expect((await post(publish, form({}), { headers: { 'x-forwarded-for': '192.0.2.7' } })).statusCode).toBe(403);
      expect((await post(`/internal/rtmp/publish_done?s=nope`, form({ call: 'publish_done' }))).statusCode).toBe(403);
      expect((await post(publish, form({ app: 'other' }))).statusCode).toBe(400);
      expect((await post(publish, form({ name: 'bad key!' }))).statusCode).toBe(400);
      expect((await post(publish, form({ name: 'k'.repeat(129) }))).statusCode).toBe(400);
      expect((await post(publish, form({ name: '' }))).statusCode).toBe(400);
      expect((await post(publish, form({ clientid: 'x' }))).statusCode).toBe(400);
      expect((await post(publish, form({ call: 'play' }))).statusCode).toBe(400);
      expect((await post(publish, form({ pageurl: 'x'.repeat(5000) }))).statusCode).toBe(413);
      const json = await app.inject({ method: 'POST', url: publish, payload: { call: 'publish', app: 'live', name: KEY, addr: '192.0.2.1', clientid: '99' } });
      expect(json.statusCode).toBe(415);
      expect(asked.length).toBe(before);
      expect(events).toEqual([]);
      // The secret and the key never reached the log, refused calls included.
      expect(logs.join('\n')).not.toContain(SECRET);
      expect(logs.join('\n')).not.toContain(KEY);
    } finally {
      for (const off of offs) off();
    }
  });

  it('restarts nginx killed with SIGKILL, ends the stream it carried, and accepts the encoder again', async () => {
    const published = next(ingest, 'publish');
    const encoder = push(pushUrl(KEY));
    await published;
    const killed = rtmp.pid!;
    const exited = new Promise<[number | null, string | null]>((resolve) => {
      const off = rtmp.on('exited', (code, signal) => (off(), resolve([code, signal])));
    });
    const restarted = new Promise<number>((resolve) => {
      const off = rtmp.on('started', (info) => (off(), resolve(info.pid)));
    });
    const lost = next(ingest, 'unpublish');
    process.kill(killed, 'SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
    expect(await lost).toEqual({ stream: STREAM, reason: 'server_lost' });
    const pid = await restarted;
    expect(pid).not.toBe(killed);
    // The encoder lost its connection with nginx.
    expect((await encoder.exit).code).not.toBe(0);

    const again = next(ingest, 'publish');
    const reconnected = push(pushUrl(KEY));
    try {
      expect((await again).stream).toBe(STREAM);
      expect((await decodeFrames(rtmp.pullUrl(STREAM), 3)).decoded).toBe(3);
    } finally {
      const done = next(ingest, 'unpublish');
      await stop(reconnected);
      await done;
    }
  });

  it('fails to start with a clear error when the port is taken or nginx cannot load the module, leaving nothing behind', async () => {
    const options = { host: '127.0.0.1', callbackBase: 'http://127.0.0.1:9', callbackSecret: SECRET };
    const taken = new NginxRtmp({ ...options, port: rtmp.port });
    await expect(taken.start()).rejects.toMatchObject({ code: 'RTMP_FAILED', message: expect.stringContaining(`127.0.0.1:${rtmp.port}`) });
    expect(taken.workDir).toBeUndefined();
    await taken.close();
    const noModule = new NginxRtmp({ ...options, port: await freePort(), modulePath: '/nonexistent/ngx_rtmp_module.so' });
    await expect(noModule.start()).rejects.toMatchObject({ code: 'RTMP_FAILED', message: expect.stringContaining('/nonexistent/ngx_rtmp_module.so') });
    expect(noModule.pid).toBeUndefined();
    await noModule.close();
  });

  it('closes twice without error, leaving no nginx process and no private folder', async () => {
    const pid = rtmp.pid!;
    const dir = rtmp.workDir!;
    expect(isRunning(pid)).toBe(true);
    expect(existsSync(`${dir}/nginx.conf`)).toBe(true);
    let closedEvents = 0;
    rtmp.on('closed', () => closedEvents++);
    await Promise.all([rtmp.close(), rtmp.close()]);
    await rtmp.close();
    expect(closedEvents).toBe(1);
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expect(rtmp.start()).rejects.toMatchObject({ code: 'RTMP_CLOSED' });
  });
});
