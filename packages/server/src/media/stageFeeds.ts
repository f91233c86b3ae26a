import { AmphiError, type MediaSource } from '@amphi/protocol';
import { JanusError, type JanusHandle } from './janus/JanusConnection.js';

/** A stream the stage sends now (published, active and not muted by moderation). */
export interface StageFeed {
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  /** The publisher's mid for this stream (what a forwarder names). */
  mid: string;
  /** Lower-case codec name as Janus names it (`opus`, `vp8`, `h264`, `vp9`, `av1`…). */
  codec: string;
  /**
   * This publication of the person's media (the Janus feed id). A fresh publish (new
   * connection, after a media-server restart…) gets a new one, and every forwarder of the
   * old one is gone: compare it, not only participant and mid, to know what to forward again.
   */
  publication: number;
}

/** Where a forwarder sends a stream's plain RTP. */
export interface ForwardTarget {
  /** IP address or name Janus resolves (e.g. 127.0.0.1 for an ffmpeg on the Janus host). */
  host: string;
  port: number;
  /**
   * Port the receiver sends RTCP feedback from (and gets sender reports on). Needed when the
   * receiver asks for keyframes itself, e.g. a Streaming mountpoint with the same `rtcpport`.
   */
  rtcpPort?: number | undefined;
  /** Payload type written into the packets (default: the publisher's own). */
  payloadType?: number | undefined;
  /** SSRC written into the packets (default: the publisher's own). */
  ssrc?: number | undefined;
}

/** An RTP forwarder of one published stream. */
export interface Forwarder {
  /** Janus' `stream_id` of the forwarder. */
  readonly id: number;
  /** Stops forwarding; safe twice, and harmless once the publisher or the room is gone. */
  stop(): Promise<void>;
}

/** What Janus says about one published stream beyond its mid and type. */
export interface StreamDetails {
  codec: string | undefined;
  /** Sent as several simulcast layers (a forwarder then has to pick one). */
  simulcast: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the codec and simulcast flag of every stream in the `publishers` list of a VideoRoom
 * event: feed id → mid → details. Complements `feedChanges`, which says which streams exist.
 */
export function streamDetails(data: Record<string, unknown>): Map<number, Map<string, StreamDetails>> {
  const feeds = new Map<number, Map<string, StreamDetails>>();
  if (!Array.isArray(data.publishers)) return feeds;
  for (const entry of data.publishers) {
    if (!isRecord(entry) || typeof entry.id !== 'number' || !Array.isArray(entry.streams)) continue;
    const byMid = new Map<string, StreamDetails>();
    for (const s of entry.streams) {
      if (!isRecord(s) || typeof s.mid !== 'string') continue;
      byMid.set(s.mid, { codec: typeof s.codec === 'string' ? s.codec.toLowerCase() : undefined, simulcast: s.simulcast === true });
    }
    feeds.set(entry.id, byMid);
  }
  return feeds;
}

/** The room a forwarder belongs to, as the VideoRoom API needs it. */
export interface ForwardRoom {
  /** Any handle attached to the VideoRoom plugin (requests name the room). */
  handle: JanusHandle;
  room: number;
  secret: string;
  /** Plugin admin key: required for forwarders when Janus has `lock_rtp_forward`. */
  adminKey: string | undefined;
}

// Janus VideoRoom errors meaning "already gone": no such room, no such feed (or forwarder).
const GONE_CODES = new Set([-1, 426, 428, 458, 459]);

/**
 * Starts forwarding one published stream as plain RTP (`rtp_forward`, 1.x `streams` form) and
 * returns its Janus id. A simulcast video forwards one layer at a time, the best one that
 * arrives, as a subscriber would get it; without `simulcast: true` only the lowest layer would
 * go out. The flag is set only for simulcast streams: on a single-layer stream Janus would
 * match no layer and forward nothing.
 */
export async function startRtpForward(
  at: ForwardRoom,
  feedId: number,
  stream: { mid: string; kind: 'audio' | 'video'; simulcast: boolean },
  target: ForwardTarget,
): Promise<number> {
  const { data } = await at.handle.message({
    request: 'rtp_forward',
    ...(at.adminKey ? { admin_key: at.adminKey } : {}),
    room: at.room,
    secret: at.secret,
    publisher_id: feedId,
    host: target.host,
    streams: [
      {
        mid: stream.mid,
        port: target.port,
        ...(target.rtcpPort !== undefined ? { rtcp_port: target.rtcpPort } : {}),
        ...(target.payloadType !== undefined ? { pt: target.payloadType } : {}),
        ...(target.ssrc !== undefined ? { ssrc: target.ssrc } : {}),
        ...(stream.kind === 'video' && stream.simulcast ? { simulcast: true } : {}),
      },
    ],
  });
  // Janus skips (without an error) a mid the publisher does not have.
  const created = Array.isArray(data.forwarders) ? data.forwarders[0] : undefined;
  const id = isRecord(created) ? created.stream_id : undefined;
  if (typeof id !== 'number') throw new AmphiError('INVALID_STATE', `Stream ${stream.mid} is not published.`);
  return id;
}

/** Stops a forwarder; resolves quietly when the room, the publisher or the forwarder is gone. */
export async function stopRtpForward(at: ForwardRoom, feedId: number, forwarderId: number): Promise<void> {
  try {
    await at.handle.message({
      request: 'stop_rtp_forward',
      ...(at.adminKey ? { admin_key: at.adminKey } : {}),
      room: at.room,
      secret: at.secret,
      publisher_id: feedId,
      stream_id: forwarderId,
    });
  } catch (err) {
    if (!(err instanceof JanusError && GONE_CODES.has(err.code))) throw err;
  }
}
