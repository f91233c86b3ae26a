/**
 * Keeps one long-lived child process running: the supervision the embedded Janus (media/) and
 * the private nginx-rtmp (broadcast/) share. It spawns the child with its output piped and read
 * line by line, kills it if Node exits, restarts it with backoff when it dies (reset after a
 * stable uptime), resolves start() once a probe says the child serves, and stops it on close()
 * (SIGTERM, SIGKILL after a timeout).
 *
 * What differs between children comes in through options: how to prepare a start (config files,
 * ports), the command, how to tell it is ready, which output lines reach the log, and the errors
 * start() rejects with, so each owner keeps its own error type and wording. This folder imports
 * no other server folder, so both media/ and broadcast/ may use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SupervisorLog {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/** What to run. */
export interface SupervisedCommand {
  /** The executable (a path, or a name looked up in PATH). */
  command: string;
  args: string[];
}

/** The errors start() rejects with: each owner keeps its own type, codes and messages. */
export interface SupervisorErrors {
  /** start() was called after close(). */
  closed(): Error;
  /** close() came while start() waited. */
  closedBeforeReady(): Error;
  /** The child ended before it was ready; `recent` is its last output lines joined with ' | '. */
  exitedWhileStarting(recent: string): Error;
  /** The child was not ready after `timeoutMs`; `recent` as above. */
  notReady(timeoutMs: number, recent: string): Error;
  /** Any other failure of a start (what `prepare` or `probe` threw), as start() rejects with it and the log shows it. */
  failed(error: unknown): Error;
}

export interface SupervisorOptions<Info> {
  /** The process in log messages: `${name}` (its lines), `${name} exited`, `restarting ${name}`, `${name} restart failed`. */
  name: string;
  /** Prepares a start (config files, ports) and says what to run; called before every spawn, restarts included. */
  prepare(): Promise<SupervisedCommand>;
  /** Whether the child serves yet: polled until true (a probe that throws fails the start). */
  probe(): Promise<boolean>;
  /** What start() resolves with and `ready` carries, once the child of this pid serves. */
  info(pid: number): Info;
  errors: SupervisorErrors;
  /** Pause between two probes that said no (ms, default 50). */
  probeIntervalMs?: number;
  /** How long a starting child may take to be ready (ms, default 10 000). */
  startTimeoutMs?: number;
  /** First restart delay in ms (default 200), doubling up to 5000; reset after `stableUptimeMs` of uptime. */
  restartDelayMs?: number;
  /** Uptime after which a crash counts as isolated and the backoff starts again (ms, default 30 000). */
  stableUptimeMs?: number;
  /** After SIGTERM, how long close() waits before SIGKILL (ms, default 3000). */
  killAfterMs?: number;
  /** close() sends SIGKILL at once to a child that is not ready yet (default false: SIGTERM first). */
  killBeforeReady?: boolean;
  /** Output lines kept to explain a failed start (default 10). */
  tailLines?: number;
  /** Which output lines reach `log.warn` (default all), at most 20 per 10 s. */
  forwardLine?(line: string): boolean;
  /** Put the kept lines in the `${name} exited` log entry too (default false). */
  tailInExitLog?: boolean;
  /** Receives forwarded lines, exits and restarts (default: silent). */
  log?: SupervisorLog;
  // Hooks rather than events: the supervisor is a private part of exactly one owner, which
  // announces these as its own typed events, under its own names.
  /** The child serves (after the first start and after every restart); start()'s callers resume after it. */
  onReady(info: Info): void;
  /** The child ended unexpectedly; a restart follows. Not called for close() or a failed first start. */
  onExited?(...args: SupervisedEvents['exited']): void;
  /** A first start failed and nothing runs (e.g. forget a port that may be taken meanwhile); before start() rejects. */
  onStartFailed?(): Promise<void> | void;
  /** Once, when close() has stopped the child: clean up (e.g. remove a private folder) and announce it. */
  onClosed(): Promise<void> | void;
}

/**
 * The events an owner of a supervised child emits besides its own "ready" one: the same contract
 * for JanusProcess and NginxRtmp.
 */
export interface SupervisedEvents extends Record<string, unknown[]> {
  /** The process ended unexpectedly; a restart follows. Not emitted for close() or a failed start(). */
  exited: [code: number | null, signal: string | null];
  closed: [];
}

const MAX_RESTART_DELAY_MS = 5000;
/** At most this many output lines are forwarded per window (ms). */
const LOG_LINES_PER_WINDOW = 20;
const LOG_WINDOW_MS = 10_000;

const silent: SupervisorLog = { info() {}, warn() {}, error() {} };

export class Supervisor<Info> {
  readonly #options: SupervisorOptions<Info>;
  readonly #log: SupervisorLog;
  /** idle: not started (or the first start failed); starting: first start; supervising: ready once, restarted on exit. */
  #state: 'idle' | 'starting' | 'supervising' = 'idle';
  #child: ChildProcess | undefined;
  #childGone: Promise<void> = Promise.resolve();
  #spawnedAt = 0;
  #info: Info | undefined;
  #waiters: { resolve: (info: Info) => void; reject: (error: Error) => void }[] = [];
  #restartDelay: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  /** The last lines the child printed, to explain a failed start. */
  #tail: string[] = [];
  #logWindow = { start: 0, lines: 0, dropped: 0 };

  constructor(options: SupervisorOptions<Info>) {
    this.#options = options;
    this.#log = options.log ?? silent;
    this.#restartDelay = options.restartDelayMs ?? 200;
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The running child's info, while it is ready. */
  get info(): Info | undefined {
    return this.#info;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Prepares and spawns the child, resolves once it is ready (at once with the running one). */
  start(): Promise<Info> {
    if (this.#closing) return Promise.reject(this.#options.errors.closed());
    if (this.#info) return Promise.resolve(this.#info);
    const ready = new Promise<Info>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#state === 'idle') {
      this.#state = 'starting';
      void this.#launch();
    }
    return ready;
  }

  /**
   * Stops restarting, signals the child (SIGKILL after `killAfterMs`) and, once it is gone, calls
   * `onClosed`. Safe twice.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#restartTimer);
      for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#options.errors.closedBeforeReady());
      const child = this.#child;
      if (child) {
        child.kill(this.#options.killBeforeReady && !this.#info ? 'SIGKILL' : 'SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), this.#options.killAfterMs ?? 3000);
        await this.#childGone;
        clearTimeout(killer);
      }
      await this.#options.onClosed();
    })();
    return this.#closing;
  }

  async #launch(): Promise<void> {
    const o = this.#options;
    let child: ChildProcess | undefined;
    try {
      const { command, args } = await o.prepare();
      if (this.#closing) return;
      child = this.#spawn(command, args);
      await this.#waitUntilReady(child);
      if (this.#closing) return;
      // Gone between the last probe and here: #onGone has already seen it.
      if (this.#child !== child) throw o.errors.exitedWhileStarting(this.#tail.join(' | '));
      const info = o.info(child.pid!);
      this.#state = 'supervising';
      this.#info = info;
      for (const waiter of this.#waiters.splice(0)) waiter.resolve(info);
      this.#notify(() => o.onReady(info));
    } catch (error) {
      if (this.#closing) return;
      if (child && this.#child === child) {
        // Alive but not ready: kill it; a supervised one is then restarted by #onGone.
        child.kill('SIGKILL');
        await this.#childGone;
      } else if (!child && this.#state === 'supervising') {
        // Failed before spawning (a folder is gone, a port is taken meanwhile): try again later.
        this.#scheduleRestart();
      }
      const failure = o.errors.failed(error);
      if (this.#state === 'starting') {
        this.#state = 'idle';
        await o.onStartFailed?.();
        for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
      } else {
        this.#log.error({ err: failure }, `${o.name} restart failed`);
      }
    }
  }

  #spawn(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#spawnedAt = Date.now();
    this.#tail = [];
    // The child does not die with us: make sure a crashing Node process does not leave it behind.
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
    const o = this.#options;
    this.#log.warn({ code, signal, pid: child.pid, ...(o.tailInExitLog ? { tail: this.#tail.join(' | ') } : {}) }, `${o.name} exited`);
    this.#notify(() => o.onExited?.(code, signal));
    if (Date.now() - this.#spawnedAt >= (o.stableUptimeMs ?? 30_000)) this.#restartDelay = o.restartDelayMs ?? 200;
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    // close() may have come from onExited, just before this.
    if (this.#closing) return;
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.#log.info({ delayMs: delay }, `restarting ${this.#options.name}`);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#launch(), delay);
  }

  /** Calls an owner's hook: one that throws is logged and never breaks the supervision. */
  #notify(hook: () => void): void {
    try {
      hook();
    } catch (error) {
      this.#log.error({ err: error }, `${this.#options.name} hook threw`);
    }
  }

  /** Polls the probe until it says yes; throws if the child ends, close() comes, or after `startTimeoutMs`. */
  async #waitUntilReady(child: ChildProcess): Promise<void> {
    const o = this.#options;
    const timeoutMs = o.startTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Never seen by a caller: close() has already rejected the waiters.
      if (this.#closing) throw new Error('closed while starting');
      if (this.#child !== child) throw o.errors.exitedWhileStarting(this.#tail.join(' | '));
      if (Date.now() > deadline) throw o.errors.notReady(timeoutMs, this.#tail.join(' | '));
      if (await o.probe()) return;
      await sleep(o.probeIntervalMs ?? 50);
    }
  }

  /** Keeps the tail for error reports and forwards chosen lines (at most LOG_LINES_PER_WINDOW per window). */
  #onLine(line: string): void {
    const o = this.#options;
    this.#tail = [...this.#tail, line].slice(-(o.tailLines ?? 10));
    if (o.forwardLine && !o.forwardLine(line)) return;
    const now = Date.now();
    const window = this.#logWindow;
    if (now - window.start > LOG_WINDOW_MS) {
      if (window.dropped > 0) this.#log.warn({ dropped: window.dropped }, `${o.name} log lines dropped`);
      this.#logWindow = { start: now, lines: 0, dropped: 0 };
    }
    if (this.#logWindow.lines++ < LOG_LINES_PER_WINDOW) this.#log.warn({ pid: this.pid, line }, o.name);
    else this.#logWindow.dropped++;
  }
}
