/**
 * Runs the real Janus binary (Debian `janus` 1.1.x). Each test starts its own process in a
 * temporary folder and always closes it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { JanusConnection, JanusError } from './JanusConnection.js';
import { JanusProcess, type JanusProcessInfo } from './JanusProcess.js';

const hasJanus = spawnSync('janus', ['--help'], { stdio: 'ignore' }).status === 0;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A started JanusProcess in a fresh temporary folder, closed (and the folder removed) after the test. */
async function startJanus(options: { restartDelayMs?: number } = {}) {
  const workDir = await mkdtemp(join(os.tmpdir(), 'amphi-janus-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const infos: object[] = [];
  const warnings: object[] = [];
  const log = { info: (o: object) => infos.push(o), warn: (o: object) => warnings.push(o), error: (o: object) => warnings.push(o) };
  const janus = new JanusProcess({ workDir, log, rtpPortRange: [30000, 30999], ...options });
  cleanups.push(() => janus.close());
  const info = await janus.start();
  return { janus, info, workDir, infos, warnings };
}

async function connect(info: JanusProcessInfo, apiSecret = info.apiSecret): Promise<JanusConnection> {
  const connection = await JanusConnection.connect(info.url, { apiSecret });
  cleanups.push(() => connection.close());
  return connection;
}

async function videoRoom(info: JanusProcessInfo) {
  const session = await (await connect(info)).createSession();
  return session.attach('janus.plugin.videoroom');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the arguments of the next emission of an event. */
function next<A extends unknown[]>(subscribe: (listener: (...args: A) => void) => () => void): Promise<A> {
  return new Promise((resolve) => {
    const off = subscribe((...args) => {
      off();
      resolve(args);
    });
  });
}

describe.skipIf(!hasJanus)('JanusProcess with the real Janus', { timeout: 30_000 }, () => {
  it('serves the WebSocket API on loopback with only the VideoRoom and Streaming plugins', async () => {
    const { info, workDir, warnings } = await startJanus();
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect((await readdir(workDir)).sort()).toEqual(['janus.jcfg', 'janus.plugin.streaming.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']);
    const server = await (await connect(info)).info();
    expect(Object.keys(server.plugins as object).sort()).toEqual(['janus.plugin.streaming', 'janus.plugin.videoroom']);
    expect(Object.keys(server.transports as object)).toEqual(['janus.transport.websockets']);
    expect(server.events).toEqual({});
    expect(server).toMatchObject({ 'server-name': 'amphi', 'full-trickle': false, 'mdns-enabled': false, 'ice-lite': false });
    expect(warnings).toEqual([]);
  });

  it('creates a VideoRoom room with the admin key and lists it', async () => {
    const { info } = await startJanus();
    const handle = await videoRoom(info);
    await expect(handle.message({ request: 'create', room: 1234, publishers: 3, admin_key: info.adminKey })).resolves.toMatchObject({
      data: { videoroom: 'created', room: 1234 },
    });
    const { data } = await handle.message({ request: 'list' });
    expect(data.list).toEqual([expect.objectContaining({ room: 1234, max_publishers: 3 })]);
  });

  it('rejects a plugin error with its code: the same room twice is 427, no admin key is refused', async () => {
    const { info, warnings } = await startJanus();
    const handle = await videoRoom(info);
    await handle.message({ request: 'create', room: 1234, publishers: 3, admin_key: info.adminKey });
    const twice = await handle.message({ request: 'create', room: 1234, publishers: 3, admin_key: info.adminKey }).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(JanusError);
    expect(twice).toMatchObject({ code: 427 });
    await expect(handle.message({ request: 'create', room: 99 })).rejects.toBeInstanceOf(JanusError);
    // Janus logs these as [ERR] lines, which reach log.warn.
    await vi.waitFor(() => expect(warnings).toContainEqual(expect.objectContaining({ line: expect.stringContaining('Room 1234 already exists') })));
  });

  it('answers an asynchronous request (join) after its ack, and notifies other handles', async () => {
    const { info } = await startJanus();
    const first = await videoRoom(info);
    await first.message({ request: 'create', room: 7, notify_joining: true, admin_key: info.adminKey });
    const joined = await first.message({ request: 'join', ptype: 'publisher', room: 7, display: 'Ada' });
    expect(joined.data).toMatchObject({ videoroom: 'joined', room: 7, publishers: [] });
    const notified = next<[Record<string, unknown>, unknown]>((l) => first.on('event', l));
    const second = await videoRoom(info);
    await second.message({ request: 'join', ptype: 'publisher', room: 7, display: 'Grace' });
    const [event] = await notified;
    expect(event).toMatchObject({ videoroom: 'event', room: 7, joining: { display: 'Grace' } });
  });

  it('refuses a wrong API secret', async () => {
    const { info } = await startJanus();
    const connection = await connect(info, 'not-the-secret');
    await expect(connection.createSession()).rejects.toMatchObject({ code: 403 });
  });

  it('restarts Janus on the same URL with a new pid after it is killed', async () => {
    const { janus, info } = await startJanus();
    const old = await connect(info);
    const oldClosed = next<[Error?]>((l) => old.on('closed', l));
    const exited = next<[number | null, string | null]>((l) => janus.on('exited', l));
    const ready = next<[JanusProcessInfo]>((l) => janus.on('ready', l));
    process.kill(info.pid, 'SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
    const [again] = await ready;
    expect(again.pid).not.toBe(info.pid);
    expect(again).toMatchObject({ url: info.url, apiSecret: info.apiSecret, adminKey: info.adminKey });
    expect(janus.pid).toBe(again.pid);
    const [error] = await oldClosed;
    expect(error).toBeInstanceOf(JanusError);
    const session = await (await connect(again)).createSession();
    const handle = await session.attach('janus.plugin.videoroom');
    await expect(handle.message({ request: 'list' })).resolves.toMatchObject({ data: { videoroom: 'success' } });
  });

  it('doubles the restart delay while Janus keeps dying', async () => {
    const { janus, info, infos } = await startJanus({ restartDelayMs: 50 });
    let pid = info.pid;
    for (let i = 0; i < 3; i++) {
      const ready = next<[JanusProcessInfo]>((l) => janus.on('ready', l));
      process.kill(pid, 'SIGKILL');
      pid = (await ready)[0].pid;
    }
    expect(infos.filter((o) => 'delayMs' in o)).toEqual([{ delayMs: 50 }, { delayMs: 100 }, { delayMs: 200 }]);
  });

  it('closes twice, emits closed once and leaves no Janus process behind', async () => {
    const { janus, info } = await startJanus();
    let closed = 0;
    janus.on('closed', () => closed++);
    await Promise.all([janus.close(), janus.close()]);
    await janus.close();
    expect(closed).toBe(1);
    expect(isRunning(info.pid)).toBe(false);
    expect(janus.pid).toBeUndefined();
    await expect(janus.start()).rejects.toThrow('closed');
  });

  it('stops a Janus that is still starting when closed', async () => {
    const workDir = await mkdtemp(join(os.tmpdir(), 'amphi-janus-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const janus = new JanusProcess({ workDir });
    const starting = janus.start().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const pid = janus.pid;
    await janus.close();
    expect(await starting).toBeInstanceOf(Error);
    if (pid !== undefined) expect(isRunning(pid)).toBe(false);
  });

  it('rejects start() when the binary cannot run, and can still be closed', async () => {
    const workDir = await mkdtemp(join(os.tmpdir(), 'amphi-janus-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const janus = new JanusProcess({ workDir, binary: join(workDir, 'no-such-janus') });
    await expect(janus.start()).rejects.toThrow(/exited while starting.*ENOENT/);
    await janus.close();
  });
});
