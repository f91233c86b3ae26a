/**
 * Supervises a local `janus` with a private generated configuration: WebSocket API on a
 * free loopback port, random secrets, only the VideoRoom and Streaming plugins. When Janus
 * dies it is restarted (with backoff) on the same port with the same secrets, so clients
 * reconnect to the same URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { TypedEmitter } from '@amphi/protocol';
import { JanusConnection } from './JanusConnection.js';
import { janusConfig } from './janusConfig.js';

export interface JanusProcessOptions {
  /** Folder for the generated config (created; its files are overwritten at every start). */
  workDir: string;
  /** Janus executable (default 'janus'). */
  binary?: string;
  /** Address Janus gathers ICE candidates on (default: the first non-internal IPv4). */
  ip?: string;
  /** UDP ports for RTP/RTCP, inclusive (default [20000, 40000]). */
  rtpPortRange?: [number, number];
  /** Janus event loops (default os.availableParallelism()). */
  eventLoops?: number;
  /** A TURN server for Janus itself, only when Janus sits behind a restrictive firewall. */
  turn?: { server: string; port: number; type: 'udp' | 'tcp'; user: string; pwd: string } | undefined;
  /** Janus log level, `janus -d` (default 3: warnings and errors). */
  debugLevel?: number;
  /** First restart delay in ms (default 200), doubling up to 5000; reset after 30 s of uptime. */
  restartDelayMs?: number;
  /** Receives Janus warnings/errors and restarts (default: silent). */
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
}

/** Where and how to reach the running Janus. */
export interface JanusProcessInfo {
  /** WebSocket API URL (loopback). */
  url: string;
  /** `apisecret` every request must carry. */
  apiSecret: string;
  /** Plugin `admin_key`: needed to create rooms/mountpoints and RTP forwarders. */
  adminKey: string;
  pid: number;
}

export interface JanusProcessEvents extends Record<string, unknown[]> {
  /** The API answers (after the first start and after every restart). */
  ready: [info: JanusProcessInfo];
  /** The process ended unexpectedly; a restart follows. Not emitted for close() or a failed start(). */
  exited: [code: number | null, signal: string | null];
  closed: [];
}

const MAX_RESTART_DELAY_MS = 5000;
/** Uptime after which a crash counts as isolated and the backoff starts again (ms). */
const STABLE_UPTIME_MS = 30_000;
/** How long a starting Janus may take to answer "info" (ms). */
const START_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 3000;
/** At most this many Janus log lines are forwarded per window (ms). */
const LOG_LINES_PER_WINDOW = 20;
const LOG_WINDOW_MS = 10_000;
// Warnings our own configuration causes at every start.
const EXPECTED_WARNING = /has been disabled, skipping|mDNS resolution disabled/;

const silent = { info() {}, warn() {}, error() {} };

/** The first non-internal IPv4 address of this machine, if any. */
export function outwardIPv4(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

/** A loopback TCP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class JanusProcess extends TypedEmitter<JanusProcessEvents> {
  readonly #options: JanusProcessOptions;
  readonly #log: NonNullable<JanusProcessOptions['log']>;
  readonly #apiSecret = randomBytes(24).toString('hex');
  readonly #adminSecret = randomBytes(24).toString('hex');
  readonly #adminKey = randomBytes(24).toString('hex');
  /** idle: not started (or the first start failed); starting: first start; supervising: ready once, restarted on exit. */
  #state: 'idle' | 'starting' | 'supervising' = 'idle';
  #port: number | undefined;
  #child: ChildProcess | undefined;
  #childGone: Promise<void> = Promise.resolve();
  #spawnedAt = 0;
  #info: JanusProcessInfo | undefined;
  #waiters: { resolve: (info: JanusProcessInfo) => void; reject: (error: Error) => void }[] = [];
  #restartDelay: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  /** The last lines Janus printed, to explain a failed start. */
  #recentLines: string[] = [];
  #logWindow = { start: 0, lines: 0, dropped: 0 };

  constructor(options: JanusProcessOptions) {
    super();
    this.#options = options;
    this.#log = options.log ?? silent;
    this.#restartDelay = options.restartDelayMs ?? 200;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** WebSocket API URL, known once start() has picked the port. */
  get url(): string | undefined {
    return this.#port === undefined ? undefined : `ws://127.0.0.1:${this.#port}`;
  }

  get apiSecret(): string {
    return this.#apiSecret;
  }

  get adminKey(): string {
    return this.#adminKey;
  }

  /** Writes the config, spawns Janus and resolves when its API answers "info" (or with the running one). */
  start(): Promise<JanusProcessInfo> {
    if (this.#closing) return Promise.reject(new Error('JanusProcess is closed'));
    if (this.#info) return Promise.resolve(this.#info);
    const ready = new Promise<JanusProcessInfo>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === 'idle') {
      this.#state = 'starting';
      void this.#launch();
    }
    return ready;
  }

  /**
   * Stops restarting, sends SIGTERM (SIGKILL after 3 s; at once if Janus is not ready yet)
   * and resolves when the process is gone. Safe twice.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#restartTimer);
      for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('JanusProcess closed before Janus was ready'));
      const child = this.#child;
      if (child) {
        // A Janus that is not ready yet has nothing to shut down cleanly, and Janus 1.1.2
        // ignores a SIGTERM that arrives early in its start-up.
        child.kill(this.#info ? 'SIGTERM' : 'SIGKILL');
        const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        await this.#childGone;
        clearTimeout(killer);
      }
      this.emit('closed');
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  async #launch(): Promise<void> {
    let child: ChildProcess | undefined;
    try {
      const o = this.#options;
      const ip = o.ip ?? outwardIPv4();
      if (ip === undefined) throw new Error('no outward IPv4 address found: set the ip option');
      this.#port ??= await freePort();
      const files = janusConfig({
        ip,
        wsPort: this.#port,
        apiSecret: this.#apiSecret,
        adminSecret: this.#adminSecret,
        adminKey: this.#adminKey,
        rtpPortRange: o.rtpPortRange ?? [20000, 40000],
        eventLoops: o.eventLoops ?? os.availableParallelism(),
        debugLevel: o.debugLevel ?? 3,
        turn: o.turn,
      });
      await mkdir(o.workDir, { recursive: true, mode: 0o700 });
      for (const [name, content] of Object.entries(files)) {
        const file = join(o.workDir, name);
        await writeFile(file, content, { mode: 0o600 });
        await chmod(file, 0o600); // The files hold the secrets; `mode` only applies to new files.
      }
      if (this.#closing) return;
      child = this.#spawn(['-F', o.workDir, '-C', join(o.workDir, 'janus.jcfg')]);
      await this.#waitForApi(child);
      if (this.#closing || this.#child !== child) return;
      const info = { url: this.url!, apiSecret: this.#apiSecret, adminKey: this.#adminKey, pid: child.pid! };
      this.#state = 'supervising';
      this.#info = info;
      this.#log.info({ pid: info.pid, url: info.url }, 'janus ready');
      for (const waiter of this.#waiters.splice(0)) waiter.resolve(info);
      this.emit('ready', info);
    } catch (error) {
      if (this.#closing) return;
      if (child && this.#child === child) {
        // Alive but not answering: kill it; a supervised one is then restarted by #onGone.
        child.kill('SIGKILL');
        await this.#childGone;
      } else if (!child && this.#state === 'supervising') {
        // Failed before spawning (e.g. the work folder is gone): try again later.
        this.#scheduleRestart();
      }
      if (this.#state === 'starting') {
        this.#state = 'idle';
        this.#port = undefined; // Maybe taken meanwhile: the next start() picks another.
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
      } else {
        this.#log.error({ err: error }, 'janus restart failed');
      }
    }
  }

  #spawn(args: string[]): ChildProcess {
    const child = spawn(this.#options.binary ?? 'janus', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#spawnedAt = Date.now();
    this.#recentLines = [];
    // Janus does not die with us: make sure a crashing Node process does not leave it behind.
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
        this.#recentLines.push(error.message);
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
    this.#log.warn({ code, signal, pid: child.pid }, 'janus exited');
    this.emit('exited', code, signal);
    if (Date.now() - this.#spawnedAt >= STABLE_UPTIME_MS) this.#restartDelay = this.#options.restartDelayMs ?? 200;
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.#log.info({ delayMs: delay }, 'restarting janus');
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#launch(), delay);
  }

  /** Polls "info" until it answers; throws if the process ends or after START_TIMEOUT_MS. */
  async #waitForApi(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.#closing) throw new Error('closed while starting');
      if (this.#child !== child) throw new Error(`janus exited while starting: ${this.#recentLines.join(' | ')}`);
      if (Date.now() > deadline) throw new Error(`janus did not answer within ${START_TIMEOUT_MS} ms`);
      try {
        const connection = await JanusConnection.connect(this.url!, { apiSecret: this.#apiSecret, timeoutMs: 1000 });
        try {
          await connection.info();
          return;
        } finally {
          connection.close();
        }
      } catch {
        await sleep(50);
      }
    }
  }

  /** Forwards warnings and errors (at most LOG_LINES_PER_WINDOW per window), drops the rest. */
  #onLine(line: string): void {
    this.#recentLines = [...this.#recentLines.slice(-4), line];
    if (!/\[(WARN|ERR|FATAL)\]/.test(line) || EXPECTED_WARNING.test(line)) return;
    const now = Date.now();
    const window = this.#logWindow;
    if (now - window.start > LOG_WINDOW_MS) {
      if (window.dropped > 0) this.#log.warn({ dropped: window.dropped }, 'janus log lines dropped');
      this.#logWindow = { start: now, lines: 0, dropped: 0 };
    }
    if (this.#logWindow.lines++ < LOG_LINES_PER_WINDOW) this.#log.warn({ pid: this.pid, line }, 'janus');
    else this.#logWindow.dropped++;
  }
}
