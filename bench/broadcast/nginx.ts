/**
 * A private nginx for benchmarks: its own prefix folder (pid, logs, temp files), a free port on
 * 127.0.0.1, `daemon off` so it is our child, stopped by its PID. Never the system service.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../lib.js';

/** The shipped edge configuration (an http-context file with placeholders). */
export const EDGE_CONFIG = path.join(repoRoot, 'deploy', 'nginx', 'amphi-edge.conf');

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The shipped edge file with its placeholders filled in: the origin (host:port), the cache
 * folder, the listen address and the log folder. Everything else is tested as shipped.
 */
export function renderEdgeConfig(options: { origin: string; cacheDir: string; port: number; logDir: string }, text = readFileSync(EDGE_CONFIG, 'utf8')): string {
  return text
    .replaceAll('__AMPHI_ORIGIN__', options.origin)
    .replaceAll('__AMPHI_CACHE_DIR__', options.cacheDir)
    .replace(/^(\s*)listen 80;$/m, (_line, indent: string) => `${indent}listen 127.0.0.1:${options.port};`)
    .replaceAll('/var/log/nginx/', `${options.logDir}/`);
}

export interface PrivateNginx {
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** The master and its workers (for CPU readings). */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * Starts nginx with `http` as the content of its http block, on a port chosen by `body(port,
 * dir)`. `workers` worker processes (default 1: one core, as a Node process uses).
 */
export async function startNginx(body: (port: number, dir: string) => string, options: { workers?: number; connections?: number } = {}): Promise<PrivateNginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amphi-nginx-'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join('\n  ');
  // As root, nginx would run its workers as `nobody`, which cannot write in our private folder.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const conf = `${user}worker_processes ${options.workers ?? 1};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${options.connections ?? 16384}; }
http {
  ${temp}
  access_log off;
  types { application/vnd.apple.mpegurl m3u8; video/mp4 mp4 m4s; }
  default_type application/octet-stream;
${body(port, dir)}
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${safeRead(path.join(dir, 'error.log'))}`);
    if (await accepts(port)) break;
    if (i > 100) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port}: ${stderr}`);
    }
    await sleep(50);
  }
  const pid = child.pid!;
  let stopped: Promise<void> | undefined;
  return {
    port,
    dir,
    pid,
    pids: () => [pid, ...children(pid)],
    stop() {
      stopped ??= (async () => {
        // SIGQUIT: graceful (workers finish their requests); SIGKILL if it lingers.
        if (child.exitCode === null) child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Live children of `parent` (nginx workers, the cache manager). */
export function children(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent && fields[0] !== 'Z') found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
