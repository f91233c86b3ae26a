/**
 * Supervises a local `janus` with a private generated configuration: WebSocket API on a
 * free loopback port, random secrets, only the VideoRoom and Streaming plugins. When Janus
 * dies it is restarted (with backoff) on the same port with the same secrets, so clients
 * reconnect to the same URL.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { TypedEmitter } from '@amphi/protocol';
import { Supervisor, type SupervisedCommand, type SupervisedEvents } from '../../process/index.js';
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

/** `exited` and `closed` as every supervised process, and: */
export interface JanusProcessEvents extends SupervisedEvents {
  /** The API answers (after the first start and after every restart). */
  ready: [info: JanusProcessInfo];
}

/** How long a starting Janus may take to answer "info" (ms). */
const START_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 3000;
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
  readonly #apiSecret = randomBytes(24).toString('hex');
  readonly #adminSecret = randomBytes(24).toString('hex');
  readonly #adminKey = randomBytes(24).toString('hex');
  readonly #supervisor: Supervisor<JanusProcessInfo>;
  #port: number | undefined;

  constructor(options: JanusProcessOptions) {
    super();
    this.#options = options;
    const log = options.log ?? silent;
    this.#supervisor = new Supervisor<JanusProcessInfo>({
      name: 'janus',
      prepare: () => this.#prepare(),
      probe: () => this.#answersInfo(),
      info: (pid) => ({ url: this.url!, apiSecret: this.#apiSecret, adminKey: this.#adminKey, pid }),
      errors: {
        closed: () => new Error('JanusProcess is closed'),
        closedBeforeReady: () => new Error('JanusProcess closed before Janus was ready'),
        exitedWhileStarting: (recent) => new Error(`janus exited while starting: ${recent}`),
        notReady: (timeoutMs) => new Error(`janus did not answer within ${timeoutMs} ms`),
        failed: (error) => (error instanceof Error ? error : new Error(String(error))),
      },
      probeIntervalMs: 50,
      startTimeoutMs: START_TIMEOUT_MS,
      killAfterMs: KILL_AFTER_MS,
      // A Janus that is not ready yet has nothing to shut down cleanly, and Janus 1.1.2
      // ignores a SIGTERM that arrives early in its start-up.
      killBeforeReady: true,
      tailLines: 5,
      // Only warnings and errors, less those our own configuration causes at every start.
      forwardLine: (line) => /\[(WARN|ERR|FATAL)\]/.test(line) && !EXPECTED_WARNING.test(line),
      restartDelayMs: options.restartDelayMs,
      log,
      onReady: (info) => {
        log.info({ pid: info.pid, url: info.url }, 'janus ready');
        this.emit('ready', info);
      },
      onExited: (code, signal) => this.emit('exited', code, signal),
      // The port may have been taken meanwhile: the next start() picks another.
      onStartFailed: () => void (this.#port = undefined),
      onClosed: () => {
        this.emit('closed');
        this.removeAllListeners();
      },
    });
  }

  get pid(): number | undefined {
    return this.#supervisor.pid;
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
    return this.#supervisor.start();
  }

  /**
   * Stops restarting, sends SIGTERM (SIGKILL after 3 s; at once if Janus is not ready yet)
   * and resolves when the process is gone. Safe twice.
   */
  close(): Promise<void> {
    return this.#supervisor.close();
  }

  /** Before every start: picks the port once (restarts keep the URL) and writes the config. */
  async #prepare(): Promise<SupervisedCommand> {
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
    return { command: o.binary ?? 'janus', args: ['-F', o.workDir, '-C', join(o.workDir, 'janus.jcfg')] };
  }

  /** Whether the WebSocket API answers "info" to our API secret. */
  async #answersInfo(): Promise<boolean> {
    try {
      const connection = await JanusConnection.connect(this.url!, { apiSecret: this.#apiSecret, timeoutMs: 1000 });
      try {
        await connection.info();
        return true;
      } finally {
        connection.close();
      }
    } catch {
      return false;
    }
  }
}
