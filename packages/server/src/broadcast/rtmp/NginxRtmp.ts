/**
 * Supervises a private nginx (Debian's, with `libnginx-mod-rtmp`) that only runs the RTMP ingest:
 * encoders (OBS, hardware encoders) publish to `rtmp://HOST:PORT/live/<stream key>`, nginx asks the
 * Amphi server over HTTP callbacks whether the key is good and under which internal name the
 * stream lives, and our ffmpeg pulls it back from `pullUrl(name)` on loopback.
 *
 * Why nginx-rtmp rather than a Node RTMP server or `ffmpeg -listen 1`: it is mature C, checks keys
 * through callbacks before accepting any media, survives an encoder that drops and reconnects,
 * and renames a stream on a 3xx callback answer so the key never reaches a process argument.
 *
 * One process, no master (see nginxRtmpConfig), in a private folder made with mkdtemp and removed
 * on close. When nginx dies it is restarted (with backoff) on the same port; every encoder was
 * disconnected with it and reconnects by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { TypedEmitter } from '@amphi/protocol';
import { BroadcastError } from '../errors.js';
import { RTMP_APPLICATION, RTMP_STREAM_NAME, nginxRtmpConfig, type NginxRtmpConfigInput } from './nginxRtmpConfig.js';

export interface NginxRtmpLog {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

export interface NginxRtmpOptions {
  /** IPv4 address encoders connect to (default '0.0.0.0': every interface). */
  host?: string;
  /** RTMP port (default 1935). */
  port?: number;
  /** nginx executable (default '/usr/sbin/nginx'). */
  nginxPath?: string;
  /** The RTMP module (default '/usr/lib/nginx/modules/ngx_rtmp_module.so', from `libnginx-mod-rtmp`). */
  modulePath?: string;
  /** The Amphi server as nginx reaches it: `http://127.0.0.1:PORT` (loopback only). */
  callbackBase: string;
  /** Random string (16–256 of [A-Za-z0-9_-]) that nginx puts in every callback URL as `?s=`. */
  callbackSecret: string;
  /** Seconds without data after which a publisher is dropped and its stream freed (default 10). */
  dropIdlePublisherS?: number;
  /** First restart delay in ms (default 200), doubling up to 5000; reset after 30 s of uptime. */
  restartDelayMs?: number;
  /** How long a starting nginx may take to accept connections (ms, default 10 000). */
  startTimeoutMs?: number;
  /** After SIGTERM, how long close() waits before SIGKILL (ms, default 3000). */
  killAfterMs?: number;
  /** Receives nginx's warnings and errors, restarts (default: silent). */
  log?: NginxRtmpLog;
}

/** The running nginx. */
export interface NginxRtmpInfo {
  pid: number;
  port: number;
}

export interface NginxRtmpEvents extends Record<string, unknown[]> {
  /** nginx accepts connections (after the first start and after every restart). */
  started: [info: NginxRtmpInfo];
  /**
   * nginx ended unexpectedly; a restart follows. Every publisher was disconnected with it and no
   * `publish_done` callback will come: tell the ingest (`RtmpIngest.serverLost()`).
   */
  exited: [code: number | null, signal: string | null];
  closed: [];
}

const MAX_RESTART_DELAY_MS = 5000;
/** Uptime after which a crash counts as isolated and the backoff starts again (ms). */
const STABLE_UPTIME_MS = 30_000;
/** Lines of nginx's stderr kept to explain a failed start. */
const TAIL_LINES = 10;
/** At most this many nginx log lines are forwarded per window (ms). */
const LOG_LINES_PER_WINDOW = 20;
const LOG_WINDOW_MS = 10_000;

const silent: NginxRtmpLog = { info() {}, warn() {}, error() {} };

/** Resolves when something accepts TCP connections on host:port, rejects otherwise. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Throws `RTMP_FAILED` when host:port cannot be bound (taken by another program). */
async function assertFree(host: string, port: number): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  } catch (error) {
    throw new BroadcastError('RTMP_FAILED', `cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  await new Promise((resolve) => server.close(resolve));
}

export class NginxRtmp extends TypedEmitter<NginxRtmpEvents> {
  /** RTMP port encoders and our ffmpeg connect to. */
  readonly port: number;
  readonly host: string;
  readonly #options: NginxRtmpOptions;
  readonly #log: NginxRtmpLog;
  /** idle: not started (or the first start failed); starting: first start; supervising: started once, restarted on exit. */
  #state: 'idle' | 'starting' | 'supervising' = 'idle';
  #dir: string | undefined;
  #child: ChildProcess | undefined;
  #childGone: Promise<void> = Promise.resolve();
  #spawnedAt = 0;
  #info: NginxRtmpInfo | undefined;
  #waiters: { resolve: (info: NginxRtmpInfo) => void; reject: (error: Error) => void }[] = [];
  #restartDelay: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #tail: string[] = [];
  #logWindow = { start: 0, lines: 0, dropped: 0 };

  constructor(options: NginxRtmpOptions) {
    super();
    this.#options = options;
    this.#log = options.log ?? silent;
    this.host = options.host ?? '0.0.0.0';
    this.port = options.port ?? 1935;
    this.#restartDelay = options.restartDelayMs ?? 200;
    // Refuse unusable options now rather than at the first start.
    this.#config('/');
  }

  /** nginx's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The private folder (config, pid file) while it exists. */
  get workDir(): string | undefined {
    return this.#dir;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Where our ffmpeg reads a published stream (loopback; nginx refuses players from elsewhere). */
  pullUrl(stream: string): string {
    if (!RTMP_STREAM_NAME.test(stream)) throw new BroadcastError('INVALID_NAME', `stream name must match ${RTMP_STREAM_NAME.source}`);
    return `rtmp://127.0.0.1:${this.port}/${RTMP_APPLICATION}/${stream}`;
  }

  /** Writes the config, spawns nginx and resolves once it accepts connections (or with the running one). */
  start(): Promise<NginxRtmpInfo> {
    if (this.#closing) return Promise.reject(new BroadcastError('RTMP_CLOSED', 'the RTMP server was closed'));
    if (this.#info) return Promise.resolve(this.#info);
    const started = new Promise<NginxRtmpInfo>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === 'idle') {
      this.#state = 'starting';
      void this.#launch();
    }
    return started;
  }

  /**
   * Stops restarting, sends SIGTERM (nginx's fast shutdown: publishers are disconnected; SIGKILL
   * after `killAfterMs`), removes the private folder and resolves when all is gone. Safe twice.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#restartTimer);
      for (const waiter of this.#waiters.splice(0)) waiter.reject(new BroadcastError('RTMP_CLOSED', 'the RTMP server was closed before it started'));
      const child = this.#child;
      if (child) {
        // SIGQUIT (graceful) would wait for every RTMP connection to end, which a live encoder never does.
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), this.#options.killAfterMs ?? 3000);
        await this.#childGone;
        clearTimeout(killer);
      }
      if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
      this.emit('closed');
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #config(dir: string): string {
    const o = this.#options;
    const input: NginxRtmpConfigInput = {
      host: this.host,
      port: this.port,
      modulePath: o.modulePath ?? '/usr/lib/nginx/modules/ngx_rtmp_module.so',
      dir,
      callbackBase: o.callbackBase,
      callbackSecret: o.callbackSecret,
      dropIdlePublisherS: o.dropIdlePublisherS ?? 10,
    };
    return nginxRtmpConfig(input);
  }

  async #launch(): Promise<void> {
    let child: ChildProcess | undefined;
    try {
      // The folder holds the callback secret: mkdtemp makes it 0700, the file is 0600.
      this.#dir ??= await mkdtemp(join(os.tmpdir(), 'amphi-rtmp-'));
      const dir = this.#dir;
      const configFile = join(dir, 'nginx.conf');
      await writeFile(configFile, this.#config(dir), { mode: 0o600 });
      // nginx would fail on a taken port too, but meanwhile the readiness probe below could reach
      // the other program and take it for nginx.
      await assertFree(this.host, this.port);
      if (this.host !== '0.0.0.0' && this.host !== '127.0.0.1') await assertFree('127.0.0.1', this.port);
      if (this.#closing) return;
      // -e: the error log before the config is read (a build whose default is a file under /var/log would fail unprivileged).
      child = this.#spawn(['-p', `${dir}/`, '-c', configFile, '-e', 'stderr']);
      await this.#waitForListen(child);
      if (this.#closing || this.#child !== child) return;
      const info = { pid: child.pid!, port: this.port };
      this.#state = 'supervising';
      this.#info = info;
      this.#log.info({ pid: info.pid, port: info.port }, 'rtmp server started');
      for (const waiter of this.#waiters.splice(0)) waiter.resolve(info);
      this.emit('started', info);
    } catch (error) {
      if (this.#closing) return;
      if (child && this.#child === child) {
        // Alive but not listening: kill it; a supervised one is then restarted by #onGone.
        child.kill('SIGKILL');
        await this.#childGone;
      } else if (!child && this.#state === 'supervising') {
        // Failed before spawning (the port is taken meanwhile, the folder is gone): try again later.
        this.#scheduleRestart();
      }
      const failure = error instanceof BroadcastError ? error : new BroadcastError('RTMP_FAILED', error instanceof Error ? error.message : String(error));
      if (this.#state === 'starting') {
        this.#state = 'idle';
        // Nothing runs: leave no folder behind, even if close() is never called.
        const dir = this.#dir;
        this.#dir = undefined;
        if (dir) await rm(dir, { recursive: true, force: true });
        for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
      } else {
        this.#log.error({ err: failure }, 'rtmp server restart failed');
      }
    }
  }

  #spawn(args: string[]): ChildProcess {
    const child = spawn(this.#options.nginxPath ?? '/usr/sbin/nginx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#spawnedAt = Date.now();
    this.#tail = [];
    // nginx does not die with us: make sure a crashing Node process does not leave it behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.#childGone = new Promise((resolve) => {
      let gone = false;
      const onGone = (code: number | null, signal: string | null) => {
        if (gone) return;
        gone = true;
        process.off('exit', killOnExit);
        resolve();
        this.#onGone(child, code, signal);
      };
      child.once('exit', onGone);
      // Spawning failed (e.g. ENOENT): there will be no 'exit'.
      child.once('error', (error) => {
        this.#tail.push(error.message);
        if (child.pid === undefined) onGone(null, null);
      });
    });
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => this.#onLine(line));
    return child;
  }

  #onGone(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#info = undefined;
    if (this.#closing || this.#state !== 'supervising') return;
    this.#log.warn({ code, signal, pid: child.pid, tail: this.#tail.join(' | ') }, 'rtmp server exited');
    this.emit('exited', code, signal);
    if (Date.now() - this.#spawnedAt >= STABLE_UPTIME_MS) this.#restartDelay = this.#options.restartDelayMs ?? 200;
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.#log.info({ delayMs: delay }, 'restarting rtmp server');
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#launch(), delay);
  }

  /** Polls the port until nginx accepts; throws if nginx ends or after `startTimeoutMs`. */
  async #waitForListen(child: ChildProcess): Promise<void> {
    const timeoutMs = this.#options.startTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    // 127.0.0.1 is always among nginx's listen addresses.
    for (;;) {
      if (this.#closing) throw new BroadcastError('RTMP_CLOSED', 'closed while starting');
      if (this.#child !== child) throw new BroadcastError('RTMP_FAILED', `nginx exited while starting: ${this.#tail.join(' | ')}`);
      if (Date.now() > deadline) throw new BroadcastError('RTMP_FAILED', `nginx did not listen within ${timeoutMs} ms: ${this.#tail.join(' | ')}`);
      if (await canConnect('127.0.0.1', this.port)) return;
      await sleep(25);
    }
  }

  /** Keeps the tail for error reports and forwards lines (at most LOG_LINES_PER_WINDOW per window). */
  #onLine(line: string): void {
    this.#tail = [...this.#tail.slice(-(TAIL_LINES - 1)), line];
    const now = Date.now();
    const window = this.#logWindow;
    if (now - window.start > LOG_WINDOW_MS) {
      if (window.dropped > 0) this.#log.warn({ dropped: window.dropped }, 'rtmp server log lines dropped');
      this.#logWindow = { start: now, lines: 0, dropped: 0 };
    }
    // At the `warn` level we configure, nginx writes neither stream keys nor callback URLs.
    if (this.#logWindow.lines++ < LOG_LINES_PER_WINDOW) this.#log.warn({ pid: this.pid, line }, 'rtmp server');
    else this.#logWindow.dropped++;
  }
}
