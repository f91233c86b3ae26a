// `npm test`: installs what is missing, then runs every test — unit and integration
// (Vitest) and browser tests (Playwright with Debian's Chromium).
import { spawnSync } from 'node:child_process';
import { ensureDebianPackages, ensureNodeModules, ensureWebBuild, root } from './setup.mjs';

// coturn: the TURN tests start a private one (relay-only connections); nginx with
// libnginx-mod-rtmp: the RTMP ingest tests start a private one.
ensureDebianPackages(['chromium', 'janus', 'ffmpeg', 'coturn', 'nginx', 'libnginx-mod-rtmp']);
ensureNodeModules();
ensureWebBuild();

const steps = [
  ['unit and integration tests', ['vitest', 'run']],
  ['browser tests', ['playwright', 'test', '-c', 'e2e/playwright.config.ts']],
];
let failed = 0;
for (const [name, args] of steps) {
  console.log(`\n[amphi] ${name}: npx ${args.join(' ')}`);
  const result = spawnSync('npx', args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`[amphi] ${name} failed`);
  }
}
console.log(`\n[amphi] ${steps.length - failed} of ${steps.length} test steps passed`);
process.exit(failed === 0 ? 0 : 1);
