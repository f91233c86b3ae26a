import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { outwardIPv4 as janusOutwardIPv4 } from '../../packages/server/src/media/janus/JanusProcess.js';
import path from 'node:path';

/**
 * A private coturn for tests (Playwright e2e and Vitest integration alike): `turnserver` in
 * the foreground with its own config, log, pid file and SQLite user database in a work
 * folder, authenticating with the TURN REST scheme (`use-auth-secret`) — so credentials
 * come from `turnCredentials()` in packages/server/src/media/turn.ts, as in production.
 */
export interface Coturn {
  /** The TURN URL for RTCIceServer.urls, e.g. `turn:192.0.2.2:34567?transport=udp` (TCP works on the same port). */
  url: string;
  /** The `static-auth-secret` to sign credentials with. */
  secret: string;
  /** Process id of turnserver. */
  pid: number;
  /** Address coturn listens and relays on. */
  ip: string;
  /** Listening port, UDP and TCP. */
  port: number;
  /** coturn's log file, for a look after a failure (gone after close() when the work folder was generated). */
  logFile: string;
  /** SIGTERM, then SIGKILL after 3 s; removes a generated work folder. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Relay ports. Small, so several test coturns share it without trouble (coturn picks a free
 * one per allocation), and away from Janus's RTP range (20000-40000).
 */
const RELAY_MIN_PORT = 49160;
const RELAY_MAX_PORT = 49260;
/** Listening ports to avoid when picking one at random: Janus RTP and our relay range. */
const AVOIDED_PORTS: ReadonlyArray<readonly [number, number]> = [
  [20000, 40000],
  [RELAY_MIN_PORT, RELAY_MAX_PORT],
];
/** How long turnserver has to answer after it is started (ms). */
const START_TIMEOUT_MS = 10_000;
/** How long close() waits after SIGTERM before SIGKILL (ms); coturn takes about 1 s. */
const KILL_AFTER_MS = 3000;

/**
 * The machine's first non-internal IPv4 address. ICE in Chromium never offers 127.0.0.1, so
 * a relay that browsers and the media server should reach has to live here.
 */
export function outwardIPv4(): string {
  const address = janusOutwardIPv4();
  if (!address) throw new Error('no non-internal IPv4 interface found for coturn to listen on');
  return address;
}

/** Starts turnserver on `ip` (default outwardIPv4()) and resolves once it answers on UDP and TCP. */
export async function startCoturn(options: { ip?: string; workDir?: string; port?: number; secret?: string } = {}): Promise<Coturn> {
  const ip = options.ip ?? outwardIPv4();
  const port = options.port ?? (await freePort(ip));
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'amphi-coturn-')));
  await mkdir(workDir, { recursive: true });
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const logFile = path.join(workDir, 'turn.log');
  const configFile = path.join(workDir, 'turnserver.conf');
  await rm(logFile, { force: true });
  await writeFile(configFile, coturnConfig({ ip, port, secret, workDir, logFile }), { mode: 0o600 });

  // -c: without it coturn reads /etc/turnserver.conf. No -o: it stays in the foreground.
  const child = spawn('turnserver', ['-c', configFile], { cwd: workDir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exitReason = `spawn error: ${error.message}`;
      resolve();
    });
  });

  // Should the test process end without close() (a crash, a killed worker), take coturn along.
  const stopOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', stopOnExit);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      process.off('exit', stopOnExit);
      if (exitReason === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        await exited;
        clearTimeout(timer);
      }
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
    })());

  const failure = async (why: string): Promise<Error> => {
    const log = await readFile(logFile, 'utf8').catch(() => '(no log)');
    await close();
    return new Error(`coturn on ${ip}:${port} ${why}\n--- stderr ---\n${stderr.trim()}\n--- ${logFile} (tail) ---\n${log.split('\n').slice(-30).join('\n')}`);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitReason !== undefined) throw await failure(`exited before it answered (${exitReason})`);
    if ((await stunAnswers(ip, port)) && (await tcpAccepts(ip, port))) break;
    if (Date.now() > deadline) throw await failure(`did not answer within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (child.pid === undefined) throw await failure('has no pid');
  return { url: `turn:${ip}:${port}?transport=udp`, secret, pid: child.pid, ip, port, logFile, close };
}

/** turnserver.conf for one test instance; every path stays inside workDir (nothing under /var). */
function coturnConfig(o: { ip: string; port: number; secret: string; workDir: string; logFile: string }): string {
  return [
    `listening-ip=${o.ip}`,
    `relay-ip=${o.ip}`,
    `listening-port=${o.port}`,
    `min-port=${RELAY_MIN_PORT}`,
    `max-port=${RELAY_MAX_PORT}`,
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    'realm=amphi',
    'no-tls',
    'no-dtls',
    // The CLI would listen on 127.0.0.1:5766 in every instance, so two instances would clash.
    'no-cli',
    // Only 224.0.0.0 and above; the interface address stays reachable.
    'no-multicast-peers',
    // Peers are the browsers and Janus on this machine's interface address. coturn 4.6 denies
    // no private range by default, but an allow entry wins over any denied-peer-ip, so this
    // keeps working if a default deny list appears. Loopback peers stay refused (Chromium
    // never uses them; allow-loopback-peers is a production footgun).
    `allowed-peer-ip=${o.ip}`,
    `log-file=${o.logFile}`,
    // One file with exactly this name (no date and pid appended), and nothing on stdout.
    'simple-log',
    'no-stdout-log',
    `pidfile=${path.join(o.workDir, 'turnserver.pid')}`,
    `userdb=${path.join(o.workDir, 'turndb')}`,
    '',
  ].join('\n');
}

/** A port free for both UDP and TCP on `ip`, preferably outside AVOIDED_PORTS. */
async function freePort(ip: string): Promise<number> {
  let fallback: number | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    const udp = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, ip, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, ip, () => server.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (!tcpFree) continue;
    if (!AVOIDED_PORTS.some(([min, max]) => port >= min && port <= max)) return port;
    fallback ??= port;
  }
  if (fallback !== undefined) return fallback;
  throw new Error(`no port free for both UDP and TCP on ${ip}`);
}

/** Whether a STUN Binding request (RFC 5389) to ip:port gets a success response within `timeoutMs`. */
function stunAnswers(ip: string, port: number, timeoutMs = 200): Promise<boolean> {
  const transactionId = randomBytes(12);
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  transactionId.copy(request, 8);
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let settled = false;
    const done = (answered: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(transactionId)) done(true);
    });
    socket.send(request, port, ip);
  });
}

/** Whether a TCP connection to ip:port is accepted. */
function tcpAccepts(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, ip);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
