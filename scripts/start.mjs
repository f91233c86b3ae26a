// `npm start`: installs what is missing, then runs Amphi on its embedded defaults.
import { spawn } from 'node:child_process';
import { ensureDebianPackages, ensureNodeModules, ensureWebBuild, root } from './setup.mjs';

// janus and ffmpeg carry the media plane and broadcast pipeline of later releases.
ensureDebianPackages(['janus', 'ffmpeg']);
ensureNodeModules();
ensureWebBuild();

const server = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
