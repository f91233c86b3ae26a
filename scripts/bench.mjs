// `npm run bench [-- NAME]`: runs every benchmark under bench/ (or one) and writes bench/results/NAME.json.
import { spawnSync } from 'node:child_process';
import { ensureNodeModules, root } from './setup.mjs';

ensureNodeModules();
const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
