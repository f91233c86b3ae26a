/**
 * Child process of the broadcast benchmarks: a live origin (liveOrigin.ts) in a process of its
 * own, so its CPU time is its own. With `--mirror DIR` it also writes the live window to DIR as
 * files (what nginx serves in the static baseline): init, master, parts and segments as they
 * come, the playlist replaced atomically after each part, files that left the window deleted.
 *
 * IPC: sends `{ type: 'ready', baseUrl, streamId, renditions, pid }`; answers `'counts'` with
 * `{ type: 'counts', counts }`; stops on SIGTERM.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLiveOrigin, type LiveOrigin } from './liveOrigin.js';

function mirror(origin: LiveOrigin, root: string): void {
  const dir = path.join(root, 'hls', origin.streamId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'master.m3u8'), origin.app.hls.master(origin.streamId) ?? '');
  for (const { name } of origin.renditions) {
    const playlist = origin.app.hls.get(origin.streamId, name)!;
    const folder = path.join(dir, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'init.mp4'), playlist.lookup('init.mp4')!);
    const written = new Set<string>();
    const write = (file: string, bytes: Uint8Array | string) => {
      writeFileSync(path.join(folder, file), bytes);
      written.add(file);
    };
    playlist.on('segment', (msn) => {
      const bytes = playlist.segment(msn);
      if (bytes) write(`seg${msn}.m4s`, bytes);
    });
    playlist.on('part', (ref) => {
      write(`part${ref.number}.m4s`, playlist.part(ref.number)!);
      // Readers must never see a half-written playlist: write aside, then rename over it.
      writeFileSync(path.join(folder, 'playlist.m3u8.tmp'), playlist.render());
      renameSync(path.join(folder, 'playlist.m3u8.tmp'), path.join(folder, 'playlist.m3u8'));
      for (const file of written) {
        if (!playlist.lookup(file)) {
          rmSync(path.join(folder, file), { force: true });
          written.delete(file);
        }
      }
    });
  }
}

const at = process.argv.indexOf('--mirror');
const mirrorDir = at > 0 ? process.argv[at + 1] : undefined;
const origin = await startLiveOrigin();
if (mirrorDir) mirror(origin, mirrorDir);
// Let the window fill (a few segments) before anyone measures.
const first = origin.app.hls.get(origin.streamId, origin.renditions[0]!.name)!;
for (let msn = 1; msn <= 3; msn++) await first.waitFor(msn);
process.send!({ type: 'ready', baseUrl: origin.baseUrl, streamId: origin.streamId, renditions: origin.renditions.map((r) => r.name), pid: process.pid });
process.on('message', (message) => {
  if (message === 'counts') process.send!({ type: 'counts', counts: origin.counts });
});
process.on('SIGTERM', () => {
  void origin.close().then(() => process.exit(0));
});
