/**
 * Child process of the ladder CPU benchmark (ladderCpu.ts): an `HlsLadder` (ffmpeg writing fMP4
 * to pipes, our packager cutting parts and segments into an in-memory `HlsOrigin`) and nothing
 * else, so this process's CPU time is the Node share of packaging.
 *
 * argv[2]: the ladder's options as JSON (without the origin). IPC: sends
 * `{ type: 'ready', ffmpegPid, args }` once every rendition has its init segment; answers
 * `'stats'` with `{ type: 'stats', parts, bytes, seconds }` (per rendition so far; seconds of media); stops on SIGTERM.
 */
import { HlsLadder, HlsOrigin, type HlsLadderOptions } from '../../packages/server/src/broadcast/index.js';
import { MediaClock } from './mediaSeconds.js';

const options = JSON.parse(process.argv[2]!) as Omit<HlsLadderOptions, 'origin'>;
const origin = new HlsOrigin();
const ladder = new HlsLadder({ ...options, origin });
const parts: Record<string, number> = {};
const bytes: Record<string, number> = {};
const seconds: Record<string, MediaClock> = {};

ladder.on('error', (error) => console.error(`ladder: ${error.message}`));
let stopping = false;
ladder.on('exited', () => {
  if (!stopping) process.exit(1);
});
ladder.on('ready', () => {
  for (const r of options.renditions ?? []) {
    const playlist = origin.get(ladder.streamId, r.name)!;
    parts[r.name] = 0;
    bytes[r.name] = 0;
    const clock = (seconds[r.name] = new MediaClock());
    clock.push(playlist.lookup('init.mp4')!);
    playlist.on('part', (ref) => {
      const part = playlist.part(ref.number) ?? new Uint8Array();
      parts[r.name]!++;
      bytes[r.name]! += part.length;
      clock.push(part);
    });
  }
  process.send!({ type: 'ready', ffmpegPid: ladder.pid, args: ladder.args() });
});
process.on('message', (m) => {
  if (m === 'stats') process.send!({ type: 'stats', parts, bytes, seconds: Object.fromEntries(Object.entries(seconds).map(([n, c]) => [n, c.seconds])) });
});
process.on('SIGTERM', () => {
  stopping = true;
  void ladder.stop().then(() => process.exit(0));
});
ladder.start();
