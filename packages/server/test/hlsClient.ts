/** Reading HLS over HTTP as a player would, for tests: blocking reloads, and a segment decoded by ffprobe. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A blocking playlist reload; a 503 (the part was late) is retried, as a player would. */
export async function blockingReload(url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url);
    if (response.status !== 503 || attempt >= 3) return response;
  }
}

/** What ffprobe says of each stream of a decoded file. */
export interface DecodedStream {
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  nb_read_frames?: string;
}

/**
 * Waits for segment 1 of a rendition (`base` = `…/hls/<stream>`; through blocking reloads, as a
 * player), writes init + seg1 to a file in `dir` and decodes every frame of it with ffprobe.
 */
export async function decodeSegment(base: string, name: string, dir: string): Promise<DecodedStream[]> {
  const url = (file: string) => `${base}/${name}/${file}`;
  // Segment 0 first, so asking for segment 1 is never "too far ahead" of the live edge.
  for (const msn of [0, 1]) {
    const reload = await blockingReload(url(`playlist.m3u8?_HLS_msn=${msn}`));
    if (reload.status !== 200) throw new Error(`${name}: playlist for segment ${msn}: HTTP ${reload.status}`);
  }
  const [init, segment] = await Promise.all([fetch(url('init.mp4')), fetch(url('seg1.m4s'))]);
  if (init.status !== 200 || segment.status !== 200) throw new Error(`${name}: init ${init.status}, segment ${segment.status}`);
  const file = path.join(dir, `${name}.mp4`);
  writeFileSync(file, Buffer.concat([Buffer.from(await init.arrayBuffer()), Buffer.from(await segment.arrayBuffer())]));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,sample_rate,channels,nb_read_frames', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams: DecodedStream[] }).streams;
}

/** The variants of a master playlist: rendition name → its EXT-X-STREAM-INF attributes. */
export function masterVariants(text: string): Record<string, string> {
  const lines = text.split('\n');
  const variants: Record<string, string> = {};
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const uri = lines[i + 1]?.trim() ?? '';
    const name = uri.split('/')[0]!;
    variants[name] = line.slice('#EXT-X-STREAM-INF:'.length);
  });
  return variants;
}
