/**
 * Simulated LL-HLS viewers: the request pattern of a low-latency player, without decoding.
 *
 *  - `blocking` (what hls.js does against an LL-HLS origin): a blocking playlist reload for the
 *    next part (`?_HLS_msn=M&_HLS_part=P`), then that part's bytes, then the next reload. At one
 *    part every 1/3 s that is ~3 playlist and ~3 part requests a second, paced by the origin.
 *  - `polling` (a server that cannot block, such as nginx serving files): a plain playlist
 *    reload every part duration, then the newest part if it is new: the same request mix.
 *
 * Each viewer keeps its connections alive (one HTTP agent for all, sockets reused). Viewers
 * start spread over one part duration, as an audience does.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export type ViewerMode = 'blocking' | 'polling';

export interface ViewerOptions {
  /** Base URL of one rendition, e.g. http://127.0.0.1:8080/hls/abc/180p/ (ends with /). */
  readonly renditionUrls: readonly string[];
  readonly viewers: number;
  readonly mode: ViewerMode;
  /** How long to run (ms). */
  readonly durationMs: number;
  /** Polling period in `polling` mode (ms, default 333: one part). */
  readonly pollMs?: number;
  /** Called with (part number, rendition index, ms timestamp from performance.timeOrigin) when a viewer first sees a part listed. */
  readonly onPartSeen?: (part: number, rendition: number, at: number) => void;
}

export interface ViewerStats {
  requests: number;
  playlists: number;
  parts: number;
  bytes: number;
  /** Non-2xx answers and transport errors. */
  errors: number;
  statuses: Record<string, number>;
}

interface Listed {
  /** Media sequence number and index in its segment of the last part listed. */
  msn: number;
  index: number;
  /** Its stream-wide number (from part<N>.m4s). */
  number: number;
  uri: string;
}

/** The last `EXT-X-PART` of a media playlist, with its segment's msn and its index there. */
export function lastPart(text: string): Listed | undefined {
  let msn = 0;
  let index = 0;
  let last: Listed | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-PART:')) {
      const uri = /URI="([^"]+)"/.exec(line)?.[1];
      if (uri) last = { msn, index, number: Number(/(\d+)\.m4s$/.exec(uri)?.[1] ?? -1), uri };
      index++;
    } else if (line && !line.startsWith('#')) {
      msn++;
      index = 0;
    }
  }
  return last;
}

export async function runViewers(options: ViewerOptions): Promise<ViewerStats> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 100_000 });
  const stats: ViewerStats = { requests: 0, playlists: 0, parts: 0, bytes: 0, errors: 0, statuses: {} };
  const deadline = performance.now() + options.durationMs;
  const pollMs = options.pollMs ?? 333;

  const get = (url: string): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve) => {
      stats.requests++;
      const request = http.get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          stats.bytes += body.length;
          const status = res.statusCode ?? 0;
          stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
          if (status >= 300) stats.errors++;
          resolve({ status, body });
        });
        res.on('error', () => resolve({ status: 0, body: Buffer.alloc(0) }));
      });
      request.on('error', () => {
        stats.errors++;
        stats.statuses.error = (stats.statuses.error ?? 0) + 1;
        resolve({ status: 0, body: Buffer.alloc(0) });
      });
    });

  const viewer = async (i: number) => {
    const r = i % options.renditionUrls.length;
    const base = options.renditionUrls[r]!;
    await sleep(Math.random() * pollMs);
    let seen = -1;
    let next: { msn: number; part: number } | undefined;
    while (performance.now() < deadline) {
      const started = performance.now();
      const url = options.mode === 'blocking' && next ? `${base}playlist.m3u8?_HLS_msn=${next.msn}&_HLS_part=${next.part}` : `${base}playlist.m3u8`;
      const playlist = await get(url);
      stats.playlists++;
      const last = playlist.status === 200 ? lastPart(playlist.body.toString('latin1')) : undefined;
      if (!last) {
        // A miss or a late part (503): start again from a plain reload, as a player would.
        next = undefined;
        await sleep(pollMs);
        continue;
      }
      if (last.number > seen) {
        options.onPartSeen?.(last.number, r, performance.timeOrigin + performance.now());
        seen = last.number;
        await get(base + last.uri);
        stats.parts++;
      }
      if (options.mode === 'blocking') next = { msn: last.msn, part: last.index + 1 };
      else {
        const left = pollMs - (performance.now() - started);
        if (left > 0) await sleep(left);
      }
    }
  };
  await Promise.all(Array.from({ length: options.viewers }, (_, i) => viewer(i)));
  agent.destroy();
  return stats;
}
