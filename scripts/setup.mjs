// Installs what Amphi needs, idempotently, using only Node built-ins (it runs before
// `npm install`). Used by `npm start` and `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs missing Debian packages with apt-get (through sudo when not root). */
export function ensureDebianPackages(packages) {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) {
    console.warn(`[amphi] not a Debian system: install ${packages.join(', ')} yourself.`);
    return;
  }
  const missing = packages.filter((p) => !installed(p));
  if (missing.length === 0) return;
  console.log(`[amphi] installing Debian packages: ${missing.join(' ')}`);
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const [cmd, ...pre] = [...sudo, 'apt-get'];
  run(cmd, [...pre, 'update'], { env });
  run(cmd, [...pre, 'install', '-y', '--no-install-recommends', ...missing], { env });
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('[amphi] installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Builds the web app when it was never built or its sources changed since. */
export function ensureWebBuild() {
  const index = path.join(root, 'packages/web/dist/index.html');
  const sources = ['packages/web/src', 'packages/web/index.html', 'packages/web/vite.config.ts', 'packages/client/src', 'packages/protocol/src'];
  const newest = Math.max(...sources.map((s) => {
    const p = path.join(root, s);
    if (!existsSync(p)) return 0;
    return statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
  }));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  console.log('[amphi] building the web app');
  run('npm', ['run', 'build:web']);
}
