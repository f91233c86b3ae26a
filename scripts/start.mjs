// `npm start`: installs what is missing, then runs Amphi on its embedded defaults.
import { spawn } from 'node:child_process';
import { ensureDebianPackages, ensureNodeModules, ensureWebBuild, root } from './setup.mjs';

// janus and ffmpeg carry the media plane and broadcast pipeline of later releases; nginx with
// libnginx-mod-rtmp is the RTMP ingest (Debian 12's `nginx` holds the binary and provides the
// module's ABI, nginx-light/-core only add modules).
ensureDebianPackages(['janus', 'ffmpeg', 'nginx', 'libnginx-mod-rtmp']);
ensureNodeModules();
ensureWebBuild();

const server = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
// `kill <npm pid>` stops npm and its shell without passing the signal on: when this script is
// orphaned, stop the server too rather than leave it running unseen.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) server.kill('SIGTERM');
}, 1000).unref();
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
