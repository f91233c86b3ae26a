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
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { TypedEmitter } from '@amphi/protocol';
import { Supervisor, type SupervisedCommand, type SupervisedEvents } from '../../process/index.js';
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

/** `exited` and `closed` as every supervised process, and: */
export interface NginxRtmpEvents extends SupervisedEvents {
  /** nginx accepts connections (after the first start and after every restart). */
  started: [info: NginxRtmpInfo];
  /**
   * nginx ended unexpectedly; a restart follows. Every publisher was disconnected with it and no
   * `publish_done` callback will come: tell the ingest (`RtmpIngest.serverLost()`).
   */
  exited: SupervisedEvents['exited'];
}

/** Lines of nginx's stderr kept to explain a failed start. */
const TAIL_LINES = 10;

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
  readonly #supervisor: Supervisor<NginxRtmpInfo>;
  #dir: string | undefined;

  constructor(options: NginxRtmpOptions) {
    super();
    this.#options = options;
    const log = options.log ?? silent;
    this.host = options.host ?? '0.0.0.0';
    this.port = options.port ?? 1935;
    // Refuse unusable options now rather than at the first start.
    this.#config('/');
    this.#supervisor = new Supervisor<NginxRtmpInfo>({
      name: 'rtmp server',
      prepare: () => this.#prepare(),
      // 127.0.0.1 is always among nginx's listen addresses.
      probe: () => canConnect('127.0.0.1', this.port),
      info: (pid) => ({ pid, port: this.port }),
      errors: {
        closed: () => new BroadcastError('RTMP_CLOSED', 'the RTMP server was closed'),
        closedBeforeReady: () => new BroadcastError('RTMP_CLOSED', 'the RTMP server was closed before it started'),
        exitedWhileStarting: (recent) => new BroadcastError('RTMP_FAILED', `nginx exited while starting: ${recent}`),
        notReady: (timeoutMs, recent) => new BroadcastError('RTMP_FAILED', `nginx did not listen within ${timeoutMs} ms: ${recent}`),
        failed: (error) =>
          error instanceof BroadcastError ? error : new BroadcastError('RTMP_FAILED', error instanceof Error ? error.message : String(error)),
      },
      probeIntervalMs: 25,
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
      // SIGTERM is nginx's fast shutdown; SIGQUIT (graceful) would wait for every RTMP
      // connection to end, which a live encoder never does.
      killAfterMs: options.killAfterMs ?? 3000,
      tailLines: TAIL_LINES,
      // No forwardLine: every line reaches the log, and the tail the exit report. At the `warn`
      // level we configure, nginx writes neither stream keys nor callback URLs.
      tailInExitLog: true,
      restartDelayMs: options.restartDelayMs,
      log,
      onReady: (info) => {
        log.info({ pid: info.pid, port: info.port }, 'rtmp server started');
        this.emit('started', info);
      },
      onExited: (code, signal) => this.emit('exited', code, signal),
      // Nothing runs: leave no folder behind, even if close() is never called.
      onStartFailed: async () => {
        const dir = this.#dir;
        this.#dir = undefined;
        if (dir) await rm(dir, { recursive: true, force: true });
      },
      onClosed: async () => {
        if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
        this.emit('closed');
        this.removeAllListeners();
      },
    });
  }

  /** nginx's process id while it runs. */
  get pid(): number | undefined {
    return this.#supervisor.pid;
  }

  /** The private folder (config, pid file) while it exists. */
  get workDir(): string | undefined {
    return this.#dir;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#supervisor.closed;
  }

  /** Where our ffmpeg reads a published stream (loopback; nginx refuses players from elsewhere). */
  pullUrl(stream: string): string {
    if (!RTMP_STREAM_NAME.test(stream)) throw new BroadcastError('INVALID_NAME', `stream name must match ${RTMP_STREAM_NAME.source}`);
    return `rtmp://127.0.0.1:${this.port}/${RTMP_APPLICATION}/${stream}`;
  }

  /** Writes the config, spawns nginx and resolves once it accepts connections (or with the running one). */
  start(): Promise<NginxRtmpInfo> {
    return this.#supervisor.start();
  }

  /**
   * Stops restarting, sends SIGTERM (nginx's fast shutdown: publishers are disconnected; SIGKILL
   * after `killAfterMs`), removes the private folder and resolves when all is gone. Safe twice.
   */
  close(): Promise<void> {
    return this.#supervisor.close();
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

  /** Before every start: makes the private folder once, writes the config, checks the port is free. */
  async #prepare(): Promise<SupervisedCommand> {
    // The folder holds the callback secret: mkdtemp makes it 0700, the file is 0600.
    this.#dir ??= await mkdtemp(join(os.tmpdir(), 'amphi-rtmp-'));
    const dir = this.#dir;
    const configFile = join(dir, 'nginx.conf');
    await writeFile(configFile, this.#config(dir), { mode: 0o600 });
    // nginx would fail on a taken port too, but meanwhile the readiness probe could reach the
    // other program and take it for nginx.
    await assertFree(this.host, this.port);
    if (this.host !== '0.0.0.0' && this.host !== '127.0.0.1') await assertFree('127.0.0.1', this.port);
    // -e: the error log before the config is read (a build whose default is a file under /var/log would fail unprivileged).
    return { command: this.#options.nginxPath ?? '/usr/sbin/nginx', args: ['-p', `${dir}/`, '-c', configFile, '-e', 'stderr'] };
  }
}
