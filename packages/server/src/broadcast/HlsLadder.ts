/**
 * The transcoding pipeline of one broadcast input into an adaptive ladder of LL-HLS renditions:
 * ffmpeg decodes the input once and encodes each rung (libx264, a keyframe every second, AAC) as
 * CMAF fragments of 1/3 s; each rung's bytes are cut by an `Fmp4Parser`, grouped by an
 * `LlHlsPlaylist` and published to the `HlsOrigin` as (streamId, rendition name). The master
 * playlist is written once every rung's init segment is known, with the codecs read from it.
 *
 * One ffmpeg process with one output per rung, each on its own pipe (fd 3, 4, …), rather than a
 * process per rung, because:
 *  - the real inputs can be opened only once: an SDP of Janus RTP forwarders binds UDP ports that
 *    a second process could not bind, and an RTMP pull would show the server two players;
 *  - the input is decoded once (the decode of a 1080p source is a real share of the CPU budget);
 *  - every rung gets the same timestamps from one clock, so segment boundaries align across
 *    renditions, which a player switching rungs relies on.
 * The price: one rung failing stops them all. Restarting after an unexpected exit is future work:
 * today the ladder reports it (`error`, then `exited`) and ends the playlists.
 *
 * TODO: a `passthrough` rung (the source copied when it is H.264 ≤ 1080p, nearly free in CPU)
 * needs `-c:v copy` on a mapped input stream and the source's size and bit rate for the master
 * playlist (from ffprobe or the SDP); not done yet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TypedEmitter } from '@amphi/protocol';
import { BroadcastError } from './errors.js';
import { Fmp4Parser } from './fmp4.js';
import { RENDITION_NAME, STREAM_ID, type HlsOrigin } from './HlsOrigin.js';
import { LlHlsPlaylist, type LlHlsPlaylistOptions } from './LlHlsPlaylist.js';
import { avcCodecString, renderMasterPlaylist } from './masterPlaylist.js';

export interface RenditionConfig {
  /** Rendition name in URLs (`720p`): 1–16 lowercase letters and digits. */
  readonly name: string;
  /** Output size in pixels (even numbers: x264 with 4:2:0 needs them). */
  readonly width: number;
  readonly height: number;
  /** Target video bit rate in bits per second. */
  readonly videoBitrate: number;
  /** Peak video bit rate in bits per second (default 1.2 × `videoBitrate`); also the VBV buffer for one second. */
  readonly maxVideoBitrate?: number;
}

/** The default ladder: 720p and 360p re-encoded. */
export const DEFAULT_LADDER: readonly RenditionConfig[] = [
  { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
  { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
];

export interface HlsLadderOptions {
  readonly origin: HlsOrigin;
  /** Stream id under which the renditions are published (see `STREAM_ID`). */
  readonly streamId: string;
  /**
   * ffmpeg's input arguments, `-i` included, e.g.
   * `['-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30']`. Not copied into a shell: no quoting.
   */
  readonly input: readonly string[];
  /** The rungs, highest first (default `DEFAULT_LADDER`). */
  readonly renditions?: readonly RenditionConfig[];
  /** Output frame rate (default 30); also the keyframe interval in frames, so keyframes are 1 s apart. */
  readonly fps?: number;
  /** x264 preset (default `veryfast`; `ultrafast` costs about half the CPU at a worse quality per bit). */
  readonly preset?: string;
  /** ffmpeg stream specifier of the video to encode (default `0:v:0`). */
  readonly video?: string;
  /** ffmpeg stream specifier of the audio (default `0:a:0`), or null for video only. */
  readonly audio?: string | null;
  /** AAC bit rate in bits per second (default 96 000). */
  readonly audioBitrate?: number;
  /** ffmpeg executable (default `ffmpeg` on the PATH). */
  readonly ffmpegPath?: string;
  /** After SIGINT, how long (ms) `stop` waits before SIGKILL (default 3000). */
  readonly killAfterMs?: number;
  /** Options of every rendition's playlist. */
  readonly playlist?: LlHlsPlaylistOptions;
}

export interface LadderExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether `stop` asked for it. */
  readonly expected: boolean;
}

export type HlsLadderEvents = {
  /** Every rendition has its init segment and the master playlist is set. */
  ready: [];
  /** ffmpeg could not start, died unexpectedly, or wrote what we cannot package (`FFMPEG_FAILED`). */
  error: [BroadcastError];
  /** ffmpeg is gone (once); the playlists have been ended. */
  exited: [LadderExit];
};

/** Bytes of ffmpeg's stderr kept for error reports (its tail). */
const STDERR_CAP = 8 * 1024;
/** First pipe fd of the outputs (0–2 are stdin, stdout, stderr). */
const FIRST_FD = 3;
/** AAC-LC, what ffmpeg's native `aac` encoder writes. */
const AAC_LC = 'mp4a.40.2';

interface Rung {
  readonly config: RenditionConfig;
  readonly parser: Fmp4Parser;
  readonly playlist: LlHlsPlaylist;
  codecs: string | undefined;
}

export class HlsLadder extends TypedEmitter<HlsLadderEvents> {
  readonly streamId: string;
  readonly #options: HlsLadderOptions;
  readonly #renditions: readonly RenditionConfig[];
  readonly #fps: number;
  #rungs: Rung[] = [];
  #process: ChildProcess | undefined;
  #state: 'new' | 'running' | 'stopping' | 'exited' = 'new';
  #ready = false;
  #stderr = '';
  #exited: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: HlsLadderOptions) {
    super();
    this.#options = options;
    this.streamId = options.streamId;
    this.#renditions = options.renditions ?? DEFAULT_LADDER;
    this.#fps = options.fps ?? 30;
    validate(this.#renditions, this.#fps);
    if (!STREAM_ID.test(options.streamId)) throw new BroadcastError('INVALID_NAME', `stream id must match ${STREAM_ID.source}`);
  }

  /** ffmpeg's process id while it runs (for supervision and tests). */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Whether every rendition has its init segment (the master playlist is served). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The ffmpeg arguments this ladder runs (after the executable). */
  args(): string[] {
    const o = this.#options;
    const n = this.#renditions.length;
    const video = o.video ?? '0:v:0';
    const audio = o.audio === undefined ? '0:a:0' : o.audio;
    // Decode and normalise the frame rate once, then split into one scaler per rung.
    const graph = [
      `[${video}]fps=${this.#fps},split=${n}${this.#renditions.map((_, i) => `[s${i}]`).join('')}`,
      ...this.#renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1[v${i}]`),
    ].join(';');
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', ...o.input, '-filter_complex', graph];
    this.#renditions.forEach((r, i) => {
      const max = r.maxVideoBitrate ?? Math.round(r.videoBitrate * 1.2);
      args.push('-map', `[v${i}]`);
      if (audio !== null) args.push('-map', audio);
      args.push(
        ...['-c:v', 'libx264', '-preset', o.preset ?? 'veryfast', '-pix_fmt', 'yuv420p'],
        ...['-b:v', String(r.videoBitrate), '-maxrate', String(max), '-bufsize', String(max)],
        // A keyframe every second exactly, never one more at a scene cut: segments of 1 s.
        ...['-g', String(this.#fps), '-keyint_min', String(this.#fps), '-sc_threshold', '0'],
      );
      if (audio !== null) args.push('-c:a', 'aac', '-b:a', String(o.audioBitrate ?? 96_000), '-ac', '2', '-ar', '48000');
      args.push(...['-f', 'mp4', '-movflags', 'cmaf', '-frag_duration', '333333', '-flush_packets', '1', `pipe:${FIRST_FD + i}`]);
    });
    return args;
  }

  /** Publishes the renditions (their playlists) and starts ffmpeg; throws `LADDER_STATE` if called twice. */
  start(): void {
    if (this.#state !== 'new') throw new BroadcastError('LADDER_STATE', `start() on a ${this.#state} ladder`);
    const { origin, streamId } = this.#options;
    if (origin.closed) throw new BroadcastError('ORIGIN_CLOSED', 'the HLS origin has been closed');
    // Checked before publishing anything, so a refused start leaves the origin as it was.
    if (origin.master(streamId) !== undefined || this.#renditions.some((r) => origin.get(streamId, r.name)))
      throw new BroadcastError('ALREADY_PUBLISHED', `stream ${streamId} is already served`);
    this.#state = 'running';
    this.#rungs = this.#renditions.map((config) => ({ config, parser: new Fmp4Parser(), playlist: new LlHlsPlaylist(this.#options.playlist), codecs: undefined }));
    // Published first, so a player arriving early blocks on the playlist instead of getting 404s.
    for (const rung of this.#rungs) origin.publish(streamId, rung.config.name, rung.playlist);

    const child = spawn(this.#options.ffmpegPath ?? 'ffmpeg', this.args(), {
      stdio: ['ignore', 'ignore', 'pipe', ...this.#rungs.map(() => 'pipe' as const)],
    });
    this.#process = child;
    this.#exited = new Promise((resolve) => {
      let done = false;
      const finish = (exit: LadderExit, error?: BroadcastError) => {
        if (done) return;
        done = true;
        this.#state = 'exited';
        this.#options.origin.unpublish(streamId);
        if (error) this.emit('error', error);
        this.emit('exited', exit);
        resolve();
      };
      child.on('error', (cause) => finish({ code: null, signal: null, expected: false }, new BroadcastError('FFMPEG_FAILED', `cannot run ffmpeg: ${cause.message}`)));
      child.on('exit', (code, signal) => {
        const expected = this.#state === 'stopping';
        const error = expected ? undefined : new BroadcastError('FFMPEG_FAILED', `ffmpeg exited (code ${code}, signal ${signal}): ${this.#stderr.trim().slice(-1000)}`);
        finish({ code, signal, expected }, error);
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-STDERR_CAP);
    });
    this.#rungs.forEach((rung, i) => {
      const pipe = child.stdio[FIRST_FD + i] as Readable;
      pipe.on('data', (chunk: Buffer) => this.#onBytes(rung, chunk));
      // A pipe error follows the process's end or precedes it; the exit reports the failure.
      pipe.on('error', () => undefined);
    });
  }

  /**
   * Stops ffmpeg (SIGINT, so it flushes; SIGKILL after `killAfterMs`), ends the playlists and
   * resolves once the process is gone. Safe to call twice, and before `start`.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const child = this.#process;
    if (this.#state !== 'running' || !child || !this.#exited) {
      if (this.#state === 'new') this.#state = 'exited';
      this.#stopping = this.#exited ?? Promise.resolve();
      return this.#stopping;
    }
    this.#state = 'stopping';
    const exited = this.#exited;
    this.#stopping = (async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.killAfterMs ?? 3000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.#stopping;
  }

  #onBytes(rung: Rung, chunk: Buffer): void {
    if (this.#state !== 'running' && this.#state !== 'stopping') return;
    try {
      for (const event of rung.parser.push(chunk)) {
        if (event.type === 'init') {
          rung.playlist.setInit(event.init.bytes);
          const avc = avcCodecString(event.init.bytes);
          if (!avc) throw new BroadcastError('FFMPEG_FAILED', `rendition ${rung.config.name} has no H.264 track`);
          rung.codecs = this.#options.audio === null ? avc : `${avc},${AAC_LC}`;
          this.#checkReady();
        } else if (!rung.playlist.closed) rung.playlist.push(event.fragment);
      }
    } catch (error) {
      const failure = error instanceof BroadcastError ? error : new BroadcastError('FFMPEG_FAILED', String(error));
      if (this.#state === 'running') {
        this.emit('error', new BroadcastError('FFMPEG_FAILED', `rendition ${rung.config.name}: ${failure.message}`));
        void this.stop();
      }
    }
  }

  #checkReady(): void {
    if (this.#ready || this.#rungs.some((r) => r.codecs === undefined)) return;
    const audioBitrate = this.#options.audio === null ? 0 : (this.#options.audioBitrate ?? 96_000);
    const master = renderMasterPlaylist(
      this.#rungs.map(({ config: r, codecs }) => ({
        name: r.name,
        // Container overhead (moof, CMAF boxes) is a few percent at 1/3 s fragments.
        bandwidth: ((r.maxVideoBitrate ?? r.videoBitrate * 1.2) + audioBitrate) * 1.05,
        averageBandwidth: (r.videoBitrate + audioBitrate) * 1.05,
        width: r.width,
        height: r.height,
        frameRate: this.#fps,
        codecs: codecs!,
      })),
    );
    this.#options.origin.setMaster(this.streamId, master);
    this.#ready = true;
    this.emit('ready');
  }
}

function validate(renditions: readonly RenditionConfig[], fps: number): void {
  if (renditions.length === 0) throw new BroadcastError('INVALID_LADDER', 'no rendition');
  if (!(fps > 0 && fps <= 120)) throw new BroadcastError('INVALID_LADDER', `fps ${fps}`);
  const names = new Set<string>();
  for (const r of renditions) {
    if (!RENDITION_NAME.test(r.name)) throw new BroadcastError('INVALID_LADDER', `rendition name ${JSON.stringify(r.name)} must match ${RENDITION_NAME.source}`);
    if (names.has(r.name)) throw new BroadcastError('INVALID_LADDER', `two renditions named ${r.name}`);
    names.add(r.name);
    for (const side of [r.width, r.height]) {
      if (!Number.isInteger(side) || side < 16 || side > 4096 || side % 2 !== 0) throw new BroadcastError('INVALID_LADDER', `${r.name}: size ${r.width}x${r.height} (even, 16–4096)`);
    }
    if (!(r.videoBitrate > 0)) throw new BroadcastError('INVALID_LADDER', `${r.name}: video bit rate ${r.videoBitrate}`);
  }
}
