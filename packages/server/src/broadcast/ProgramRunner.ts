/**
 * Starts a broadcast's program runs (see Broadcast): for the stage, Janus RTP forwarders of the
 * chosen streams into one ffmpeg that composes them (programLayout) and encodes the ladder; for
 * an encoder, the same ffmpeg reading the RTMP server's copy of the stream, its H.264 passed
 * through as the top rung when it can be. Both also feed the WebRTC audience tier over RTP.
 *
 * Each stage stream gets its own UDP port and its own SDP file (one ffmpeg input each), so
 * programLayout's input indexes are simply the order below: screen, cameras, sounds.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProgramRun, ProgramRunFactory, ProgramSpec, RtpTarget, BroadcastLogger } from './Broadcast.js';
import { HlsLadder } from './HlsLadder.js';
import type { HlsOrigin } from './HlsOrigin.js';
import type { EncodedRendition, RenditionConfig, RtpOutputOptions } from './ladderOptions.js';
import { canPassThrough, probeSource } from './probeSource.js';
import { programLayout } from './programLayout.js';
import { RUNGS, SOURCE_RUNG } from './rungs.js';
import type { ProgramPlan, StageFeed } from './programPlan.js';

/** What the program needs from the stage's media (RoomMedia). */
export interface ProgramStage {
  forward(participantId: string, mid: string, target: { host: string; port: number; payloadType?: number }): Promise<{ stop(): Promise<void> }>;
  requestKeyframe(participantId: string): Promise<void>;
}


export interface ProgramRunnerOptions {
  origin: HlsOrigin;
  /** The stage of this broadcast's live session. */
  stage: ProgramStage;
  /** Where ffmpeg reads an encoder's stream (the RTMP server's pull URL), or null without RTMP ingest. */
  encoderUrl: (stream: string) => string | null;
  /** Rung names, highest first (`src` = the encoder's video passed through). */
  ladder: readonly string[];
  preset: string;
  /** Program frame rate (default 30). */
  fps?: number;
  /** Folder for the runs' SDP files. */
  workDir: string;
  log: BroadcastLogger;
  ffmpegPath?: string;
}

/** The stage program's size: the composition is drawn once at this size, then scaled per rung. */
const PROGRAM_WIDTH = 1280;
const PROGRAM_HEIGHT = 720;
/** The WebRTC tier's picture: at most this (H.264 level 3.1), never above the ladder's top rung. */
const RTP_MAX = { width: 960, height: 540, videoBitrate: 1_500_000 };
/** Payload types in the forwarders and SDP files (one stream per file, so they need not differ). */
const VIDEO_PT = 96;
const AUDIO_PT = 111;
/** Keyframe requests while the pipeline starts: a consumer that joins mid-stream cannot decode before one. */
const KEYFRAME_EVERY_MS = 1500;
const KEYFRAME_TRIES = 10;

export class ProgramRunner implements ProgramRunFactory {
  readonly #o: ProgramRunnerOptions;

  constructor(options: ProgramRunnerOptions) {
    this.#o = options;
  }

  async start(spec: ProgramSpec, streamId: string, audience: RtpTarget | null): Promise<ProgramRun> {
    return spec.kind === 'stage' ? this.#startStage(spec.plan, streamId, audience) : this.#startEncoder(spec.stream, streamId, audience);
  }

  #encodedRungs(maxHeight = Infinity): EncodedRendition[] {
    const rungs = this.#o.ladder.filter((n) => n !== SOURCE_RUNG).map((n) => RUNGS[n]!).filter((r) => r.height < maxHeight);
    // Never an empty ladder: the smallest known rung at least.
    return rungs.length > 0 ? rungs : [RUNGS['360p']!];
  }

  #rtp(audience: RtpTarget | null, top: { width: number; height: number }): RtpOutputOptions | undefined {
    if (!audience) return undefined;
    const scale = Math.min(1, RTP_MAX.width / top.width, RTP_MAX.height / top.height);
    const even = (n: number) => Math.max(16, Math.round((n * scale) / 2) * 2);
    return {
      host: audience.host,
      videoPort: audience.videoPort,
      audioPort: audience.audioPort,
      // Janus chooses the ports: port + 1 may be another stream's, so RTCP goes where it says (or nowhere).
      videoRtcpPort: audience.videoRtcpPort ?? null,
      audioRtcpPort: null,
      width: even(top.width),
      height: even(top.height),
      videoBitrate: RTP_MAX.videoBitrate,
    };
  }

  async #startStage(plan: ProgramPlan, streamId: string, audience: RtpTarget | null): Promise<ProgramRun> {
    const dir = await mkdtemp(path.join(this.#o.workDir, 'program-'));
    const feeds: StageFeed[] = [...(plan.screen ? [plan.screen] : []), ...plan.cameras, ...plan.audios];
    const forwarders: { stop(): Promise<void> }[] = [];
    const cleanup = async () => {
      await Promise.all(forwarders.map((f) => f.stop().catch(() => undefined)));
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const input: string[] = [];
      const ports: number[] = [];
      for (const [i, feed] of feeds.entries()) {
        const port = await freeRtpPort();
        ports.push(port);
        const file = path.join(dir, `in${i}.sdp`);
        await writeFile(file, sdpFor(feed, port));
        input.push('-protocol_whitelist', 'file,udp,rtp', '-analyzeduration', '3000000', '-i', file);
      }
      const index = (f: StageFeed) => feeds.indexOf(f);
      // Nothing on stage: the graph's own sources (black, silence) are not paced, so a silent
      // input read in real time (-re) sets the program's clock.
      const silent = feeds.length === 0;
      if (silent) input.push('-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo');
      const graph = programLayout(plan.layout === 'slate' ? 'auto' : plan.layout, {
        screen: plan.screen ? index(plan.screen) : null,
        cameras: plan.cameras.map(index),
        audios: silent ? [0] : plan.audios.map(index),
        width: PROGRAM_WIDTH,
        height: PROGRAM_HEIGHT,
        fps: this.#o.fps ?? 30,
      });
      const rungs = this.#encodedRungs();
      const ladder = new HlsLadder({
        origin: this.#o.origin,
        streamId,
        input,
        renditions: rungs,
        graph,
        preset: this.#o.preset,
        fps: this.#o.fps ?? 30,
        ...(this.#o.ffmpegPath ? { ffmpegPath: this.#o.ffmpegPath } : {}),
        ...optional('rtp', this.#rtp(audience, rungs[0]!)),
      });
      ladder.start();
      // ffmpeg listens now: forward, then ask for keyframes until the program is playable.
      for (const [i, feed] of feeds.entries()) {
        forwarders.push(await this.#o.stage.forward(feed.participantId, feed.mid, { host: '127.0.0.1', port: ports[i]!, payloadType: feed.kind === 'video' ? VIDEO_PT : AUDIO_PT }));
      }
      const senders = [...new Set([plan.screen, ...plan.cameras].filter((f): f is StageFeed => f !== null).map((f) => f.participantId))];
      const keyframes = this.#requestKeyframes(senders, () => ladder.ready);
      return ladderRun(ladder, streamId, async () => {
        keyframes.cancel();
        await ladder.stop();
        await cleanup();
      });
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  async #startEncoder(stream: string, streamId: string, audience: RtpTarget | null): Promise<ProgramRun> {
    const url = this.#o.encoderUrl(stream);
    if (!url) throw new Error('no RTMP ingest on this server');
    const renditions: RenditionConfig[] = [];
    let top: { width: number; height: number } | undefined;
    if (this.#o.ladder.includes(SOURCE_RUNG)) {
      const probe = await probeSource(['-analyzeduration', '1000000', url], { timeoutMs: 8000 });
      if (canPassThrough(probe)) {
        renditions.push({
          name: SOURCE_RUNG,
          passthrough: true,
          width: probe.width,
          height: probe.height,
          videoBitrate: probe.bitrate ?? 4_000_000,
          frameRate: probe.fps,
          // OBS with the documented setting; a longer interval makes longer segments, still playable.
          keyframeInterval: 2,
        });
        top = probe;
      }
    }
    const encoded = this.#encodedRungs(top?.height ?? Infinity);
    renditions.push(...encoded);
    const ladder = new HlsLadder({
      origin: this.#o.origin,
      streamId,
      input: ['-fflags', 'nobuffer', '-analyzeduration', '1000000', '-i', url],
      renditions,
      preset: this.#o.preset,
      fps: this.#o.fps ?? 30,
      ...(this.#o.ffmpegPath ? { ffmpegPath: this.#o.ffmpegPath } : {}),
      ...optional('rtp', this.#rtp(audience, top ?? encoded[0]!)),
    });
    ladder.start();
    return ladderRun(ladder, streamId, () => ladder.stop());
  }

  #requestKeyframes(participants: readonly string[], done: () => boolean): { cancel(): void } {
    let tries = 0;
    const ask = () => {
      for (const pid of participants) this.#o.stage.requestKeyframe(pid).catch((err: unknown) => this.#o.log.warn({ err }, 'broadcast: keyframe request failed'));
    };
    ask();
    const timer = setInterval(() => {
      if (done() || ++tries >= KEYFRAME_TRIES) clearInterval(timer);
      else ask();
    }, KEYFRAME_EVERY_MS);
    timer.unref();
    return { cancel: () => clearInterval(timer) };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A ProgramRun over a started ladder. */
function ladderRun(ladder: HlsLadder, streamId: string, stop: () => Promise<void>): ProgramRun {
  let stopping: Promise<void> | undefined;
  return {
    streamId,
    onReady: (listener) => {
      if (ladder.ready) listener();
      else ladder.on('ready', listener);
    },
    onFailed: (listener) => {
      ladder.on('exited', (exit) => {
        if (!exit.expected) listener(`ffmpeg exited (code ${exit.code}, signal ${exit.signal})`);
      });
    },
    stop: () => (stopping ??= stop()),
  };
}

/** An SDP describing one forwarded stream arriving on `port` of the loopback. */
export function sdpFor(feed: StageFeed, port: number): string {
  const media =
    feed.kind === 'audio'
      ? [`m=audio ${port} RTP/AVP ${AUDIO_PT}`, `a=rtpmap:${AUDIO_PT} opus/48000/2`]
      : feed.codec === 'h264'
        ? [`m=video ${port} RTP/AVP ${VIDEO_PT}`, `a=rtpmap:${VIDEO_PT} H264/90000`, `a=fmtp:${VIDEO_PT} packetization-mode=1`]
        : [`m=video ${port} RTP/AVP ${VIDEO_PT}`, `a=rtpmap:${VIDEO_PT} VP8/90000`];
  return ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Amphi stage', 'c=IN IP4 127.0.0.1', 't=0 0', ...media, ''].join('\r\n');
}

/** An even UDP port whose next one (RTCP) is free too, on the loopback. */
async function freeRtpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = await bind(0);
    const port = a.address().port;
    a.close();
    if (port % 2 !== 0 || port >= 65535) continue;
    const pair = await Promise.allSettled([bind(port), bind(port + 1)]);
    for (const r of pair) if (r.status === 'fulfilled') r.value.close();
    if (pair.every((r) => r.status === 'fulfilled')) return port;
    // Taken meanwhile: try another.
  }
  throw new Error('no free UDP port pair for the program');
}

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}
