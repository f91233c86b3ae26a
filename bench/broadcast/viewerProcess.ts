/**
 * Child process of the broadcast benchmarks: runs a share of the simulated viewers (one Node
 * process drives about a thousand LL-HLS viewers; more need more processes). Receives
 * `ViewerOptions` (without callbacks) over IPC, answers `{ type: 'started' }`, then `ViewerStats`, exits.
 */
import { runViewers, type ViewerOptions } from './viewers.js';

process.once('message', (options: ViewerOptions) => {
  // Loaded and running: the parent starts its clock when every load process has said so.
  process.send!({ type: 'started' });
  void runViewers(options).then((stats) => {
    process.send!(stats, () => process.exit(0));
  });
});
