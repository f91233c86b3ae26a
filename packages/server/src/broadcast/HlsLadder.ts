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
 * The same decode feeds, as options:
 *  - a composed program (`graph`): a filter_complex prefix built from several inputs (see
 *    programLayout.ts) whose output labels replace the `video`/`audio` stream specifiers. A filter
 *    output can be consumed once, so the ladder `split`s/`asplit`s it into one branch per output;
 *  - a passthrough top rung (`{ passthrough: true }`): the source's H.264 copied (`-c:v copy`,
 *    not through the filter graph), only the audio encoded. Its segments start at the source's
 *    keyframes, so the encoder must send one every 1–2 s (OBS: set the keyframe interval, "auto"
 *    is too long); its size, frame rate and bit rate come from the caller (`probeSource`);
 *  - an RTP output (`rtp`) for a Janus Streaming mountpoint, the sub-second WebRTC audience:
 *    H.264 constrained baseline without B-frames (what every browser decodes) and Opus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { TypedEmitter } from '@amphi/protocol';
import { BroadcastError } from './errors.js';
import { Fmp4Parser } from './fmp4.js';
import { STREAM_ID } from './HlsOrigin.js';
import {
  DEFAULT_LADDER,
  LABEL_PREFIX,
  validateLadderOptions,
  type EncodedRendition,
  type HlsLadderOptions,
  type RenditionConfig,
  type RtpOutputOptions,
} from './ladderOptions.js';
import { LlHlsPlaylist, type LlHlsPlaylistOptions } from './LlHlsPlaylist.js';
import { avcCodecString, renderMasterPlaylist } from './masterPlaylist.js';

export { DEFAULT_LADDER };
export type { EncodedRendition, HlsLadderOptions, LadderGraph, PassthroughRendition, RenditionConfig, RtpOutputOptions } from './ladderOptions.js';

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
/** LlHlsPlaylist's default part target (s), matching `-frag_duration 333333`. */
const DEFAULT_PART_TARGET = 0.334;
/** RTP packet size: below the path MTU once Janus adds SRTP and the UDP/IP headers (1500). */
const RTP_PACKET_SIZE = 1200;

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
    validateLadderOptions(options, this.#renditions, this.#fps);
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
    const filter = this.#filterGraph();
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', ...o.input];
    if (filter) args.push('-filter_complex', filter);
    if (o.rtp?.sdpFile) args.push('-sdp_file', o.rtp.sdpFile);
    let encoded = 0;
    this.#renditions.forEach((r, i) => {
      const audio = this.#audioFor(i);
      if (r.passthrough) {
        args.push('-map', r.video ?? o.video ?? '0:v:0');
        if (audio !== null) args.push('-map', audio);
        args.push('-c:v', 'copy');
      } else {
        const max = r.maxVideoBitrate ?? Math.round(r.videoBitrate * 1.2);
        args.push('-map', `[${LABEL_PREFIX}v${encoded++}]`);
        if (audio !== null) args.push('-map', audio);
        args.push(
          ...['-c:v', 'libx264', '-preset', o.preset ?? 'veryfast', '-pix_fmt', 'yuv420p'],
          ...['-b:v', String(r.videoBitrate), '-maxrate', String(max), '-bufsize', String(max)],
          // A keyframe every second exactly, never one more at a scene cut: segments of 1 s.
          ...['-g', String(this.#fps), '-keyint_min', String(this.#fps), '-sc_threshold', '0'],
        );
      }
      if (audio !== null) args.push('-c:a', 'aac', '-b:a', String(o.audioBitrate ?? 96_000), '-ac', '2', '-ar', '48000');
      // frag_keyframe: a keyframe also starts a part, so a segment can start there. The encoded
      // rungs' keyframes fall on 1/3 s cuts anyway; a copied source's do not (FLV timestamps are in
      // ms, so its parts drift by a frame) and without it would never start a segment.
      args.push(...['-f', 'mp4', '-movflags', 'cmaf+frag_keyframe', '-frag_duration', '333333', '-flush_packets', '1', `pipe:${FIRST_FD + i}`]);
    });
    if (o.rtp) args.push(...this.#rtpArgs(o.rtp));
    return args;
  }

  /**
   * A rung's playlist options. A copied source's segments last its keyframe interval (the target
   * duration must say so). And ffmpeg ends a part on the first frame past 1/3 s: when the source's
   * timestamps are not multiples of the frame (FLV's are in ms) that is one frame more, which the
   * part target must cover.
   */
  #playlistOptions(rendition: RenditionConfig): LlHlsPlaylistOptions | undefined {
    const options = this.#options.playlist;
    if (!rendition.passthrough) return options;
    const partTarget = (options?.partTarget ?? DEFAULT_PART_TARGET) + 1 / (rendition.frameRate ?? this.#fps);
    const segmentTarget = Math.max(options?.segmentTarget ?? 1, rendition.keyframeInterval ?? 1);
    return { ...options, partTarget: Math.ceil(partTarget * 1000) / 1000, segmentTarget };
  }

  /** Whether the renditions carry audio. */
  get #hasAudio(): boolean {
    const o = this.#options;
    return o.graph ? o.graph.audio !== null : o.audio !== null;
  }

  /**
   * The filter graph: the caller's program (if any), then one branch of the video per encoded rung
   * and for RTP, and with a program, one branch of its audio per output. Undefined when nothing is
   * filtered (only a passthrough rung from an input).
   */
  #filterGraph(): string | undefined {
    const o = this.#options;
    const encoded = this.#renditions.filter((r): r is EncodedRendition => !r.passthrough);
    const parts = o.graph ? [o.graph.filter] : [];
    const branches = [...encoded.map((r, i) => ({ size: r, label: `v${i}` })), ...(o.rtp ? [{ size: o.rtp, label: 'vrtp' }] : [])];
    const source = o.graph ? o.graph.video : `[${o.video ?? '0:v:0'}]`;
    if (branches.length > 0) {
      // Decode and normalise the frame rate once, then split into one scaler per output.
      parts.push(`${source}fps=${this.#fps},split=${branches.length}${branches.map((b) => `[${LABEL_PREFIX}s${b.label}]`).join('')}`);
      for (const b of branches) parts.push(`[${LABEL_PREFIX}s${b.label}]scale=${b.size.width}:${b.size.height},setsar=1[${LABEL_PREFIX}${b.label}]`);
    } else if (o.graph) {
      // Only a passthrough rung: the program's picture is unused (still composed: the caller's
      // graph is opaque), and ffmpeg refuses a filter output connected to nothing.
      parts.push(`${o.graph.video}nullsink`);
    }
    if (o.graph?.audio) {
      const outputs = this.#renditions.length + (o.rtp ? 1 : 0);
      parts.push(`${o.graph.audio}asplit=${outputs}${Array.from({ length: outputs }, (_, i) => `[${LABEL_PREFIX}a${i}]`).join('')}`);
    }
    return parts.length > 0 ? parts.join(';') : undefined;
  }

  /** What output `index` maps as audio (rungs first, then RTP): a label, a stream specifier, or null. */
  #audioFor(index: number): string | null {
    const o = this.#options;
    if (o.graph) return o.graph.audio === null ? null : `[${LABEL_PREFIX}a${index}]`;
    return o.audio === undefined ? '0:a:0' : o.audio;
  }

  /** Two RTP outputs (the RTP muxer carries one stream each): H.264 baseline, then Opus. */
  #rtpArgs(rtp: RtpOutputOptions): string[] {
    const host = isIP(rtp.host) === 6 ? `[${rtp.host}]` : rtp.host;
    const ssrc = (value: number | undefined) => (value === undefined ? [] : ['-ssrc', String(value | 0)]);
    // Per stream: the muxer's flags (no sender reports at all) or where its reports go.
    const rtcp = (port: number, rtcpPort: number | null | undefined) => ({
      flags: rtcpPort === null ? ['-rtpflags', 'skip_rtcp'] : [],
      url: `rtp://${host}:${port}?pkt_size=${RTP_PACKET_SIZE}${typeof rtcpPort === 'number' ? `&rtcpport=${rtcpPort}` : ''}`,
    });
    const video = rtcp(rtp.videoPort, rtp.videoRtcpPort);
    const sound = rtcp(rtp.audioPort, rtp.audioRtcpPort);
    const args = [
      '-map',
      `[${LABEL_PREFIX}vrtp]`,
      // Constrained baseline, level 3.1, no B-frames: what every browser's WebRTC stack decodes
      // (profile-level-id 42e01f), and nothing held back for reordering. The RTP muxer asks for no
      // global header, so x264 writes Annex B (no h264_mp4toannexb needed) with SPS/PPS in-band
      // before each keyframe: a viewer joining mid-stream decodes from the next one, ≤ 1 s away.
      ...['-c:v', 'libx264', '-preset', this.#options.preset ?? 'veryfast', '-tune', 'zerolatency'],
      ...['-profile:v', 'baseline', '-level:v', '3.1', '-pix_fmt', 'yuv420p', '-bf', '0'],
      ...['-b:v', String(rtp.videoBitrate), '-maxrate', String(rtp.videoBitrate), '-bufsize', String(rtp.videoBitrate)],
      ...['-g', String(this.#fps), '-keyint_min', String(this.#fps), '-sc_threshold', '0'],
      ...['-payload_type', String(rtp.videoPayloadType ?? 96), ...ssrc(rtp.videoSsrc), ...video.flags],
      ...['-f', 'rtp', video.url],
    ];
    const audio = this.#audioFor(this.#renditions.length);
    if (audio !== null) {
      args.push(
        ...['-map', audio, '-c:a', 'libopus', '-b:a', String(rtp.audioBitrate ?? 64_000), '-ar', '48000', '-ac', '2'],
        ...['-payload_type', String(rtp.audioPayloadType ?? 111), ...ssrc(rtp.audioSsrc), ...sound.flags],
        ...['-f', 'rtp', sound.url],
      );
    }
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
    this.#rungs = this.#renditions.map((config) => ({ config, parser: new Fmp4Parser(), playlist: new LlHlsPlaylist(this.#playlistOptions(config)), codecs: undefined }));
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
          rung.codecs = this.#hasAudio ? `${avc},${AAC_LC}` : avc;
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
    const audioBitrate = this.#hasAudio ? (this.#options.audioBitrate ?? 96_000) : 0;
    const master = renderMasterPlaylist(
      this.#rungs.map(({ config: r, codecs }) => ({
        name: r.name,
        // Container overhead (moof, CMAF boxes) is a few percent at 1/3 s fragments.
        bandwidth: ((r.maxVideoBitrate ?? r.videoBitrate * 1.2) + audioBitrate) * 1.05,
        averageBandwidth: (r.videoBitrate + audioBitrate) * 1.05,
        width: r.width,
        height: r.height,
        frameRate: (r.passthrough ? r.frameRate : undefined) ?? this.#fps,
        codecs: codecs!,
      })),
    );
    this.#options.origin.setMaster(this.streamId, master);
    this.#ready = true;
    this.emit('ready');
  }
}
