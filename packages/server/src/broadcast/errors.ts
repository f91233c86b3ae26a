/**
 * Errors of the broadcast pipeline. They stay inside the server (an origin maps them to HTTP
 * statuses: `PART_TOO_FAR_AHEAD` → 400, `PART_TIMEOUT` → 503, `PLAYLIST_CLOSED` → 404/410);
 * none crosses the wire, so they are not in the protocol's registry.
 */
export type BroadcastErrorCode =
  /** A box declares a size below 8 bytes (or 0, "to the end of the file", which a pipe cannot use). */
  | 'FMP4_BOX_TOO_SMALL'
  /** A box declares a size above the parser's cap. */
  | 'FMP4_BOX_TOO_LARGE'
  /** A box's content is inconsistent (child overruns its parent, sample table overruns its box…). */
  | 'FMP4_MALFORMED'
  /** A box arrived where the stream's structure does not allow it (moof before moov, mdat without moof…). */
  | 'FMP4_UNEXPECTED_BOX'
  /** The stream ended in the middle of a box or of a fragment. */
  | 'FMP4_TRUNCATED'
  /** The playlist was closed: no more parts, and waiting for one is pointless. */
  | 'PLAYLIST_CLOSED'
  /** A blocking reload waited longer than its timeout. */
  | 'PART_TIMEOUT'
  /** A blocking reload asked for a segment more than two beyond the last one (RFC 8216bis §6.2.5.2). */
  | 'PART_TOO_FAR_AHEAD'
  /** A part given to the playlist has a negative or non-finite duration. */
  | 'INVALID_PART'
  /** A stream id or rendition name given to the origin does not match its pattern. */
  | 'INVALID_NAME'
  /** A master playlist given to the origin does not start with `#EXTM3U` or is too long. */
  | 'INVALID_MASTER_PLAYLIST'
  /** The origin already serves a rendition under this stream id and name. */
  | 'ALREADY_PUBLISHED'
  /** The origin was closed: nothing more can be published. */
  | 'ORIGIN_CLOSED'
  /** A ladder's ffmpeg could not start, exited while it was not asked to, or wrote output we cannot package. */
  | 'FFMPEG_FAILED'
  /** A ladder was started twice, or after it was stopped. */
  | 'LADDER_STATE'
  /** A ladder's configuration is unusable (no rendition, duplicate names, odd sizes…). */
  | 'INVALID_LADDER'
  /** The RTMP server's options are unusable (host not an IPv4 address, callback not on loopback, unsafe path…). */
  | 'INVALID_RTMP_OPTIONS'
  /** The RTMP server (nginx) could not start: port taken, executable or module missing, bad configuration. */
  | 'RTMP_FAILED'
  /** The RTMP server or ingest was closed: it cannot be started or asked again. */
  | 'RTMP_CLOSED'
  /** ffprobe could not describe a source (unreachable, no video stream, timed out). */
  | 'PROBE_FAILED';

export class BroadcastError extends Error {
  readonly code: BroadcastErrorCode;
  constructor(code: BroadcastErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'BroadcastError';
    this.code = code;
  }
}
