/**
 * The HLS master (multivariant) playlist of a ladder, written by us because ffmpeg's omits the
 * codecs of a passthrough rung and adds an audio-only variant in fMP4 mode. The video codec
 * string (`avc1.PPCCLL`) is read from the avcC box of each rung's init segment, so it is what the
 * encoder really produced (profile and level follow the preset and the resolution).
 */
import { BroadcastError } from './errors.js';

export interface MasterVariant {
  /** Rendition name: its media playlist is `<name>/playlist.m3u8`. */
  readonly name: string;
  /** Peak bit rate in bits per second (`BANDWIDTH`). */
  readonly bandwidth: number;
  /** Average bit rate in bits per second (`AVERAGE-BANDWIDTH`). */
  readonly averageBandwidth: number;
  readonly width: number;
  readonly height: number;
  /** Frames per second. */
  readonly frameRate: number;
  /** RFC 6381 codecs, e.g. `avc1.64001f,mp4a.40.2`. */
  readonly codecs: string;
}

/** Renders the master playlist, one `EXT-X-STREAM-INF` per variant, in the order given. */
export function renderMasterPlaylist(variants: readonly MasterVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(v.bandwidth)},AVERAGE-BANDWIDTH=${Math.round(v.averageBandwidth)},` +
        `RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.frameRate.toFixed(3)},CODECS="${v.codecs}"`,
      `${v.name}/playlist.m3u8`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Containers walked on the way to avcC; `stsd` and `avc1`/`avc3` have fixed fields before their children. */
const PATH = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'];
/** stsd: version/flags + entry_count. */
const STSD_HEADER = 8;
/** VisualSampleEntry fields before its child boxes (ISO/IEC 14496-12 §12.1.3). */
const VISUAL_SAMPLE_ENTRY = 78;

/**
 * The `avc1.PPCCLL` codec string of the first H.264 track of an init segment (ftyp + moov), from
 * its avcC box (AVCProfileIndication, profile_compatibility, AVCLevelIndication); undefined when
 * the init segment has no H.264 track. Throws `FMP4_MALFORMED` on a box that overruns its parent.
 */
export function avcCodecString(init: Uint8Array): string | undefined {
  const view = new DataView(init.buffer, init.byteOffset, init.byteLength);
  const search = (start: number, end: number, depth: number): string | undefined => {
    for (const box of boxes(view, start, end)) {
      if (depth < PATH.length) {
        if (box.type !== PATH[depth]) continue;
        const found = search(box.start + (box.type === 'stsd' ? STSD_HEADER : 0), box.end, depth + 1);
        if (found) return found;
      } else if (box.type === 'avc1' || box.type === 'avc3') {
        const avcC = boxes(view, box.start + VISUAL_SAMPLE_ENTRY, box.end).find((b) => b.type === 'avcC');
        if (!avcC || avcC.end - avcC.start < 4) throw new BroadcastError('FMP4_MALFORMED', `${box.type} without a usable avcC`);
        const hex = [1, 2, 3].map((i) => view.getUint8(avcC.start + i).toString(16).padStart(2, '0')).join('');
        return `${box.type}.${hex}`;
      }
    }
    return undefined;
  };
  return search(0, init.byteLength, 0);
}

interface Box {
  readonly type: string;
  /** Content start (after the header) and box end, offsets in the viewed bytes. */
  readonly start: number;
  readonly end: number;
}

function boxes(view: DataView, start: number, end: number): Box[] {
  const result: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    }
    const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
    if (size < header || at + size > end) throw new BroadcastError('FMP4_MALFORMED', `${type} of ${size} bytes does not fit in its parent`);
    result.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return result;
}
