/**
 * The supervisor against tiny real children: `node -e` scripts that listen on a port, print
 * lines, crash, fail or ignore SIGTERM. Every test closes its supervisor, and any child still
 * running afterwards is killed by its pid.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Supervisor, type SupervisorOptions } from './Supervisor.js';

/**
 * The child: `node -e CHILD <port> <flags…>`. Prints its `say:` lines, then listens on the port
 * (0: any free one) and prints `ready <port>` (unless `never-ready`); `fail` exits with 1
 * instead; `ignore-term` survives SIGTERM and says so. Everything goes to stdout, in order.
 */
const CHILD = `
const [port, ...flags] = process.argv.slice(1);
if (flags.includes('ignore-term')) process.on('SIGTERM', () => console.log('SIGTERM ignored'));
for (const flag of flags) if (flag.startsWith('say:')) console.log(flag.slice(4));
if (flags.includes('fail')) process.exit(1);
if (flags.includes('never-ready')) setInterval(() => {}, 1000);
else { const server = require('node:net').createServer((c) => c.destroy()); server.listen(Number(port), '127.0.0.1', () => console.log('ready', server.address().port)); }
`;

interface Info {
  pid: number;
  port: number;
}

class TestError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether something accepts TCP connections on this loopback port. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether a process with this pid exists (Linux: it has a /proc entry; ours are reaped when they exit). */
const exists = (pid: number) => existsSync(`/proc/${pid}`);

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A supervisor of CHILD with these flags, and everything it does recorded. Like JanusProcess, the
 * port is chosen once (the child's first start picks a free one and says which) and kept for
 * every restart; readiness is a connection to it.
 */
function supervise(flags: string[], overrides: Partial<SupervisorOptions<Info>> = {}, forward: (line: string) => boolean = () => true) {
  const record = {
    prepared: 0,
    startFailed: 0,
    closed: [] as { childRunning: boolean }[],
    pids: [] as number[],
    lines: [] as string[],
    info: [] as object[],
    warn: [] as { o: object; m: string | undefined }[],
    error: [] as { o: object; m: string | undefined }[],
    exited: [] as [number | null, string | null][],
  };
  /** `ready` and `exited` as the owner would emit them, to await. */
  const events = new EventEmitter();
  let port: number | undefined;
  const supervisor: Supervisor<Info> = new Supervisor<Info>({
    name: 'test child',
    prepare: async () => {
      record.prepared++;
      return { command: process.execPath, args: ['-e', CHILD, String(port ?? 0), ...flags] };
    },
    probe: async () => port !== undefined && (await canConnect(port)),
    info: (pid) => ({ pid, port: port! }),
    errors: {
      closed: () => new TestError('closed', 'closed'),
      closedBeforeReady: () => new TestError('closedBeforeReady', 'closed before ready'),
      exitedWhileStarting: (recent) => new TestError('exitedWhileStarting', `exited: ${recent}`),
      notReady: (timeoutMs, recent) => new TestError('notReady', `not ready in ${timeoutMs} ms: ${recent}`),
      failed: (error) => (error instanceof TestError ? error : new TestError('failed', (error as Error).message)),
    },
    probeIntervalMs: 20,
    forwardLine: (line) => {
      record.lines.push(line);
      port ??= Number(/^ready (\d+)$/.exec(line)?.[1]) || undefined;
      return forward(line);
    },
    log: {
      info: (o) => record.info.push(o),
      warn: (o, m) => record.warn.push({ o, m }),
      error: (o, m) => record.error.push({ o, m }),
    },
    onReady: (info) => {
      record.pids.push(info.pid);
      events.emit('ready', info);
    },
    onExited: (code, signal) => {
      record.exited.push([code, signal]);
      events.emit('exited', code, signal);
    },
    onStartFailed: () => void record.startFailed++,
    onClosed: () => void record.closed.push({ childRunning: record.pids.some(exists) }),
    ...overrides,
  });
  cleanups.push(async () => {
    const pid = supervisor.pid;
    await supervisor.close();
    for (const p of [...record.pids, ...(pid === undefined ? [] : [pid])]) if (exists(p)) process.kill(p, 'SIGKILL');
  });
  const nextReady = async () => ((await once(events, 'ready')) as [Info])[0];
  return { supervisor, record, events, nextReady };
}

const restartDelays = (infos: object[]) => infos.filter((o) => 'delayMs' in o);

describe('Supervisor with real child processes', { timeout: 20_000 }, () => {
  it('resolves start() once the probe says the child serves, with the same info for every waiter and later call', async () => {
    const { supervisor, record, nextReady } = supervise([]);
    const ready = nextReady();
    const [first, second] = await Promise.all([supervisor.start(), supervisor.start()]);
    expect(first).toBe(second);
    expect(await ready).toBe(first);
    expect(record.pids).toEqual([first.pid]);
    expect(first.pid).toBe(supervisor.pid);
    expect(supervisor.info).toBe(first);
    expect(exists(first.pid)).toBe(true);
    expect(await canConnect(first.port)).toBe(true);
    expect(await supervisor.start()).toBe(first);
    expect(record.prepared).toBe(1);
  });

  it('can tell readiness from a line the child prints, and forwards at most 20 chosen lines per window', async () => {
    const warnings = Array.from({ length: 30 }, (_, i) => `WARN ${i}`);
    const { supervisor, record } = supervise(
      [...warnings.map((w) => `say:${w}`), 'say:noise'],
      { probe: async () => record.lines.some((line) => line.startsWith('ready ')) },
      (line) => line.startsWith('WARN'),
    );
    await supervisor.start();
    // Every line came before `ready` on the same stream: all were read.
    expect(record.lines.slice(0, 31)).toEqual([...warnings, 'noise']);
    const forwarded = record.warn.filter((w) => w.m === 'test child');
    expect(forwarded.map((w) => w.o)).toEqual(warnings.slice(0, 20).map((line) => ({ pid: supervisor.pid, line })));
  });

  it('restarts a crashed child on the same port with a doubling delay, and reports each crash', async () => {
    const { supervisor, record, nextReady } = supervise([], { restartDelayMs: 50 });
    const info = await supervisor.start();
    let pid = info.pid;
    for (let i = 0; i < 3; i++) {
      const ready = nextReady();
      process.kill(pid, 'SIGKILL');
      const again = await ready;
      expect(again.pid).not.toBe(pid);
      expect(again.port).toBe(info.port);
      expect(await canConnect(again.port)).toBe(true);
      pid = again.pid;
    }
    expect(record.exited).toEqual([
      [null, 'SIGKILL'],
      [null, 'SIGKILL'],
      [null, 'SIGKILL'],
    ]);
    expect(restartDelays(record.info)).toEqual([{ delayMs: 50 }, { delayMs: 100 }, { delayMs: 200 }]);
    expect(record.warn.filter((w) => w.m === 'test child exited').map((w) => w.o)).toEqual(
      record.pids.slice(0, 3).map((p) => ({ code: null, signal: 'SIGKILL', pid: p })),
    );
    expect(record.prepared).toBe(4);
  });

  it('starts the backoff again when the child had run for the stable uptime', async () => {
    const { supervisor, record, nextReady } = supervise([], { restartDelayMs: 50, stableUptimeMs: 0, tailInExitLog: true });
    const info = await supervisor.start();
    let pid = info.pid;
    for (let i = 0; i < 2; i++) {
      const ready = nextReady();
      process.kill(pid, 'SIGKILL');
      pid = (await ready).pid;
    }
    expect(restartDelays(record.info)).toEqual([{ delayMs: 50 }, { delayMs: 50 }]);
    // With tailInExitLog, the exit report carries what the child printed last.
    expect(record.warn.find((w) => w.m === 'test child exited')!.o).toMatchObject({ tail: `ready ${info.port}` });
  });

  it('stops the child on close() without restarting it, and calls onClosed once, after it is gone', async () => {
    const { supervisor, record } = supervise([]);
    const { pid } = await supervisor.start();
    await Promise.all([supervisor.close(), supervisor.close()]);
    await supervisor.close();
    expect(record.closed).toEqual([{ childRunning: false }]);
    expect(supervisor.closed).toBe(true);
    expect(exists(pid)).toBe(false);
    expect(supervisor.pid).toBeUndefined();
    expect(supervisor.info).toBeUndefined();
    expect(record.exited).toEqual([]);
    expect(restartDelays(record.info)).toEqual([]);
    expect(record.prepared).toBe(1);
    await expect(supervisor.start()).rejects.toMatchObject({ kind: 'closed' });
  });

  it('does not restart a crashed child when close() comes from onExited', async () => {
    const { supervisor, record, events } = supervise([], { restartDelayMs: 0 });
    const { pid } = await supervisor.start();
    const closing = new Promise<void>((resolve) => events.once('exited', () => resolve(supervisor.close())));
    process.kill(pid, 'SIGKILL');
    await closing;
    expect(record.exited).toEqual([[null, 'SIGKILL']]);
    expect(restartDelays(record.info)).toEqual([]);
    expect(record.prepared).toBe(1);
  });

  it('sends SIGKILL after killAfterMs to a child that ignores SIGTERM', async () => {
    const { supervisor, record } = supervise(['ignore-term'], { killAfterMs: 300 });
    const { pid } = await supervisor.start();
    await supervisor.close();
    // It got SIGTERM first and survived it; only SIGKILL can have ended it.
    await vi.waitFor(() => expect(record.lines).toContain('SIGTERM ignored'), { timeout: 10_000 });
    expect(exists(pid)).toBe(false);
  });

  it('kills a child that is not ready yet at once with killBeforeReady, rejecting the waiting start()', async () => {
    // A child that ignores SIGTERM and a kill delay longer than the test: only an immediate SIGKILL ends it in time.
    const { supervisor, record } = supervise(['ignore-term', 'never-ready', 'say:started'], { killBeforeReady: true, killAfterMs: 600_000 });
    const starting = supervisor.start().catch((e: unknown) => e);
    await vi.waitFor(() => expect(record.lines).toContain('started'), { timeout: 10_000 });
    const pid = supervisor.pid!;
    await supervisor.close();
    expect(await starting).toMatchObject({ kind: 'closedBeforeReady' });
    expect(exists(pid)).toBe(false);
    expect(record.lines).not.toContain('SIGTERM ignored');
    expect(record.startFailed).toBe(0);
  });

  it('rejects start() with the last lines when the child fails at its first start, and can start again', async () => {
    const { supervisor, record } = supervise(['say:one', 'say:two', 'say:three: bad config', 'fail'], { tailLines: 2 });
    await expect(supervisor.start()).rejects.toMatchObject({ kind: 'exitedWhileStarting', message: 'exited: two | three: bad config' });
    expect(record.startFailed).toBe(1);
    expect(supervisor.pid).toBeUndefined();
    // A failed first start is not a crash: no onExited, no restart.
    expect(record.exited).toEqual([]);
    expect(restartDelays(record.info)).toEqual([]);
    // Back to idle: start() tries again.
    await expect(supervisor.start()).rejects.toMatchObject({ kind: 'exitedWhileStarting' });
    expect(record.prepared).toBe(2);
    expect(record.startFailed).toBe(2);
  });

  it('rejects start() with the spawn error when the command cannot run', async () => {
    const { supervisor } = supervise([], { prepare: async () => ({ command: '/nonexistent/amphi-child', args: [] }) });
    await expect(supervisor.start()).rejects.toMatchObject({ kind: 'exitedWhileStarting', message: expect.stringContaining('ENOENT') });
  });

  it('rejects start() with the failed() error when prepare throws, spawning nothing', async () => {
    const { supervisor, record } = supervise([], {
      prepare: async () => {
        throw new Error('work folder is read-only');
      },
    });
    await expect(supervisor.start()).rejects.toMatchObject({ kind: 'failed', message: 'work folder is read-only' });
    expect(record.startFailed).toBe(1);
    expect(supervisor.pid).toBeUndefined();
  });

  it('kills a child that is not ready within startTimeoutMs and rejects start()', async () => {
    const { supervisor, record } = supervise(['never-ready', 'say:still loading'], { startTimeoutMs: 300 });
    const starting = supervisor.start().catch((e: unknown) => e);
    await vi.waitFor(() => expect(supervisor.pid).toBeDefined(), { timeout: 10_000 });
    const pid = supervisor.pid!;
    expect(await starting).toMatchObject({ kind: 'notReady', message: 'not ready in 300 ms: still loading' });
    expect(exists(pid)).toBe(false);
    expect(record.startFailed).toBe(1);
  });

  it('keeps supervising when an owner hook throws', async () => {
    const { supervisor, record } = supervise([], {
      onReady: () => {
        throw new Error('listener bug');
      },
    });
    const info = await supervisor.start();
    expect(exists(info.pid)).toBe(true);
    expect(record.error).toEqual([{ o: { err: new Error('listener bug') }, m: 'test child hook threw' }]);
  });
});
