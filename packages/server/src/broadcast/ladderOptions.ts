/**
 * The options of an `HlsLadder` and their validation: the rungs (encoded or passthrough), where
 * the program comes from (input streams or a composed graph) and the optional RTP output for the
 * WebRTC audience. Checked once, in the constructor, so a ladder that starts has arguments ffmpeg
 * accepts.
 */
import { isIP } from 'node:net';
import { BroadcastError } from './errors.js';
import { RENDITION_NAME, type HlsOrigin } from './HlsOrigin.js';
import type { LlHlsPlaylistOptions } from './LlHlsPlaylist.js';

/** A rung encoded by the ladder from the (program) video. */
export interface EncodedRendition {
  /** Rendition name in URLs (`720p`): 1–16 lowercase letters and digits. */
  readonly name: string;
  readonly passthrough?: false;
  /** Output size in pixels (even numbers: x264 with 4:2:0 needs them). */
  readonly width: number;
  readonly height: number;
  /** Target video bit rate in bits per second. */
  readonly videoBitrate: number;
  /** Peak video bit rate in bits per second (default 1.2 × `videoBitrate`); also the VBV buffer for one second. */
  readonly maxVideoBitrate?: number;
}

/**
 * The source's own H.264 (≤ 1080p) copied as the top rung; only its audio is encoded. Size,
 * frame rate and bit rate are what the master playlist announces: give the probed ones
 * (`probeSource`). Segment boundaries follow the source's keyframes.
 */
export interface PassthroughRendition {
  /** Rendition name in URLs (usually `src`). */
  readonly name: string;
  readonly passthrough: true;
  /** Source size in pixels (even, at most 1920×1080 landscape or portrait). */
  readonly width: number;
  readonly height: number;
  /** Source video bit rate in bits per second (probed, or the encoder's setting). */
  readonly videoBitrate: number;
  /** Source peak video bit rate in bits per second (default 1.2 × `videoBitrate`). */
  readonly maxVideoBitrate?: number;
  /** Source frame rate (default the ladder's `fps`). */
  readonly frameRate?: number;
  /**
   * Seconds between the source's keyframes (default 1): the rung's segment length, since a
   * segment can only start on one. Ask encoders for 1 or 2 s (OBS's "auto" is too long).
   */
  readonly keyframeInterval?: number;
  /** ffmpeg stream specifier of the H.264 video copied (default the ladder's `video`, else `0:v:0`). */
  readonly video?: string;
}

export type RenditionConfig = EncodedRendition | PassthroughRendition;

/** A composed program: a filter_complex prefix whose outputs carry the labels `video` and `audio`. */
export interface LadderGraph {
  /** The filter graph, e.g. `programLayout(…).filter`; its labels must not start with `ladder_`. */
  readonly filter: string;
  /** Label of its video output, brackets included (`[pv]`). */
  readonly video: string;
  /** Label of its audio output (`[pa]`), or null for video only. */
  readonly audio: string | null;
}

/** The WebRTC audience's feed: RTP to a Janus Streaming mountpoint. */
export interface RtpOutputOptions {
  /** Where the mountpoint listens (IPv4, IPv6 or host name). */
  readonly host: string;
  /** UDP ports of the mountpoint's video and audio (1–65535). */
  readonly videoPort: number;
  readonly audioPort: number;
  /**
   * Where ffmpeg sends each stream's RTCP sender reports: a port (give the mountpoint's video
   * `rtcp_port`, so Janus learns where its keyframe requests go), null for none
   * (`-rtpflags skip_rtcp`), or by default the RTP port + 1 (RFC 3550). Janus picks its ports
   * itself, so port + 1 may be another stream's: name the port or pass null. Neither may be the
   * other stream's RTP port.
   */
  readonly videoRtcpPort?: number | null;
  readonly audioRtcpPort?: number | null;
  /** Video size in pixels (even; at most level 3.1: 3600 macroblocks, 1280×720 at 30 fps). */
  readonly width: number;
  readonly height: number;
  /** Video bit rate in bits per second (also the peak and the one-second VBV buffer). */
  readonly videoBitrate: number;
  /** RTP payload types (dynamic, 96–127; defaults 96 and 111, the mountpoint's `videopt`/`audiopt`). */
  readonly videoPayloadType?: number;
  readonly audioPayloadType?: number;
  /** RTP SSRCs, 1 to 2^32 − 1 (default: random, chosen by ffmpeg). */
  readonly videoSsrc?: number;
  readonly audioSsrc?: number;
  /** Opus bit rate in bits per second (default 64 000). */
  readonly audioBitrate?: number;
  /** Where ffmpeg writes the SDP describing both RTP streams (default: not written). */
  readonly sdpFile?: string;
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
  /** ffmpeg stream specifier of the video to encode (default `0:v:0`); not with `graph`. */
  readonly video?: string;
  /** ffmpeg stream specifier of the audio (default `0:a:0`), or null for video only; not with `graph`. */
  readonly audio?: string | null;
  /** A composed program to encode instead of an input's streams (see programLayout.ts). */
  readonly graph?: LadderGraph;
  /** Also send the program over RTP (H.264 baseline + Opus) to a Janus Streaming mountpoint. */
  readonly rtp?: RtpOutputOptions;
  /** AAC bit rate in bits per second (default 96 000). */
  readonly audioBitrate?: number;
  /** ffmpeg executable (default `ffmpeg` on the PATH). */
  readonly ffmpegPath?: string;
  /** After SIGINT, how long (ms) `stop` waits before SIGKILL (default 3000). */
  readonly killAfterMs?: number;
  /** Options of every rendition's playlist. */
  readonly playlist?: LlHlsPlaylistOptions;
}

/** Labels the ladder adds to the filter graph; a caller's graph must not use this prefix. */
export const LABEL_PREFIX = 'ladder_';
/** H.264 level 3.1: frame size and macroblock rate caps (ITU-T H.264 table A-1). */
const LEVEL_31_FRAME_MBS = 3600;
const LEVEL_31_MBS_PER_SECOND = 108_000;

/** Throws `INVALID_LADDER` when the options cannot make a working ffmpeg command. */
export function validateLadderOptions(options: HlsLadderOptions, renditions: readonly RenditionConfig[], fps: number): void {
  validate(renditions, fps);
  validateSources(options);
  if (options.rtp) validateRtp(options.rtp, fps);
}

function validate(renditions: readonly RenditionConfig[], fps: number): void {
  if (renditions.length === 0) throw new BroadcastError('INVALID_LADDER', 'no rendition');
  if (!(fps > 0 && fps <= 120)) throw new BroadcastError('INVALID_LADDER', `fps ${fps}`);
  const names = new Set<string>();
  renditions.forEach((r, i) => {
    if (!RENDITION_NAME.test(r.name)) throw new BroadcastError('INVALID_LADDER', `rendition name ${JSON.stringify(r.name)} must match ${RENDITION_NAME.source}`);
    if (names.has(r.name)) throw new BroadcastError('INVALID_LADDER', `two renditions named ${r.name}`);
    names.add(r.name);
    checkSize(r.name, r.width, r.height);
    if (!(r.videoBitrate > 0)) throw new BroadcastError('INVALID_LADDER', `${r.name}: video bit rate ${r.videoBitrate}`);
    if (!r.passthrough) return;
    // The source is the best picture there is: it tops the ladder, and there is only one.
    if (i !== 0) throw new BroadcastError('INVALID_LADDER', `${r.name}: a passthrough rendition must be the first (top) rung, and the only one`);
    if (Math.max(r.width, r.height) > 1920 || Math.min(r.width, r.height) > 1080)
      throw new BroadcastError('INVALID_LADDER', `${r.name}: passthrough of ${r.width}x${r.height} (at most 1080p)`);
    if (r.frameRate !== undefined && !(r.frameRate > 0 && r.frameRate <= 120)) throw new BroadcastError('INVALID_LADDER', `${r.name}: frame rate ${r.frameRate}`);
    if (r.keyframeInterval !== undefined && !(r.keyframeInterval >= 0.5 && r.keyframeInterval <= 10))
      throw new BroadcastError('INVALID_LADDER', `${r.name}: keyframe interval ${r.keyframeInterval} s (0.5–10)`);
    if (r.video !== undefined && !STREAM_SPECIFIER.test(r.video))
      throw new BroadcastError('INVALID_LADDER', `${r.name}: ${JSON.stringify(r.video)} is not an input stream specifier (a filter output cannot be copied)`);
  });
}

/** An input stream specifier (`0:v:0`, `1:a`, `2:3`), as opposed to a filter label. */
const STREAM_SPECIFIER = /^\d+(:[A-Za-z0-9#_.-]+)*$/;
/** A filter graph label, brackets included. */
const GRAPH_LABEL = /^\[[A-Za-z0-9_]+\]$/;

function checkSize(name: string, width: number, height: number): void {
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < 16 || side > 4096 || side % 2 !== 0) throw new BroadcastError('INVALID_LADDER', `${name}: size ${width}x${height} (even, 16–4096)`);
  }
}

/** The program's sources: input stream specifiers, or a caller's graph (not both). */
function validateSources(o: HlsLadderOptions): void {
  const fail = (detail: string) => new BroadcastError('INVALID_LADDER', detail);
  if (o.input.length === 0) throw fail('no input arguments');
  if (!o.graph) {
    if (o.video !== undefined && !STREAM_SPECIFIER.test(o.video)) throw fail(`video ${JSON.stringify(o.video)} is not an input stream specifier`);
    if (o.audio != null && !STREAM_SPECIFIER.test(o.audio)) throw fail(`audio ${JSON.stringify(o.audio)} is not an input stream specifier`);
    return;
  }
  const { filter, video, audio } = o.graph;
  if (o.audio !== undefined || (o.video !== undefined && !o.renditions?.[0]?.passthrough))
    throw fail('with a graph, audio comes from the graph, and video only names the stream a passthrough rung copies');
  if (typeof filter !== 'string' || filter.trim() === '') throw fail('empty graph filter');
  for (const label of audio === null ? [video] : [video, audio]) {
    if (!GRAPH_LABEL.test(label)) throw fail(`graph label ${JSON.stringify(label)} must look like [pv]`);
    if (label.startsWith(`[${LABEL_PREFIX}`)) throw fail(`graph label ${label}: the ${LABEL_PREFIX} prefix is the ladder's`);
    if (!filter.includes(label)) throw fail(`graph filter never produces ${label}`);
  }
  if (video === audio) throw fail('graph video and audio labels are the same');
}

function validateRtp(rtp: RtpOutputOptions, fps: number): void {
  const fail = (detail: string) => new BroadcastError('INVALID_LADDER', `rtp: ${detail}`);
  if (isIP(rtp.host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(rtp.host)) throw fail(`host ${JSON.stringify(rtp.host)}`);
  const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;
  for (const port of [rtp.videoPort, rtp.audioPort, rtp.videoRtcpPort ?? 1, rtp.audioRtcpPort ?? 1]) if (!isPort(port)) throw fail(`port ${port} (1–65535)`);
  if (rtp.videoPort === rtp.audioPort) throw fail(`video and audio on the same port ${rtp.videoPort}`);
  // A sender report landing on the other stream's RTP port would be read as a media packet.
  const rtcp = (port: number, given: number | null | undefined) => (given === undefined ? port + 1 : given);
  for (const [stream, port, given] of [['video', rtp.videoPort, rtp.videoRtcpPort], ['audio', rtp.audioPort, rtp.audioRtcpPort]] as const) {
    const to = rtcp(port, given);
    if (to === null) continue;
    if (to > 65535) throw fail(`${stream} RTCP would go to port ${to}: name its port`);
    if (to === rtp.videoPort || to === rtp.audioPort) throw fail(`${stream} RTCP would go to RTP port ${to} (ports overlap)`);
  }
  checkSize('rtp', rtp.width, rtp.height);
  const macroblocks = Math.ceil(rtp.width / 16) * Math.ceil(rtp.height / 16);
  if (macroblocks > LEVEL_31_FRAME_MBS || macroblocks * fps > LEVEL_31_MBS_PER_SECOND)
    throw fail(`${rtp.width}x${rtp.height} at ${fps} fps exceeds H.264 level 3.1`);
  if (!(rtp.videoBitrate > 0)) throw fail(`video bit rate ${rtp.videoBitrate}`);
  if (rtp.audioBitrate !== undefined && !(rtp.audioBitrate >= 6000 && rtp.audioBitrate <= 510_000)) throw fail(`Opus bit rate ${rtp.audioBitrate} (6000–510000)`);
  const types = [rtp.videoPayloadType ?? 96, rtp.audioPayloadType ?? 111];
  for (const type of types) if (!Number.isInteger(type) || type < 96 || type > 127) throw fail(`payload type ${type} (dynamic: 96–127)`);
  if (types[0] === types[1]) throw fail('video and audio share a payload type');
  for (const ssrc of [rtp.videoSsrc, rtp.audioSsrc]) {
    // 0 is ffmpeg's "pick one at random", so it cannot be asked for.
    if (ssrc !== undefined && !(Number.isInteger(ssrc) && ssrc >= 1 && ssrc <= 0xffffffff)) throw fail(`SSRC ${ssrc} (1 to 2^32 − 1)`);
  }
  if (rtp.videoSsrc !== undefined && rtp.videoSsrc === rtp.audioSsrc) throw fail('video and audio share an SSRC');
  if (rtp.sdpFile !== undefined && rtp.sdpFile === '') throw fail('empty SDP file path');
}
