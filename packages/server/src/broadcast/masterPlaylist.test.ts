import { describe, expect, it } from 'vitest';
import { BroadcastError } from './errors.js';
import { box, initSegment, u32 } from './fmp4.testkit.js';
import { avcCodecString, renderMasterPlaylist } from './masterPlaylist.js';

/** An init segment whose video sample entry carries an avcC with the given profile, compatibility and level. */
function h264Init(profile: number, compatibility: number, level: number): Uint8Array {
  const avcC = box('avcC', new Uint8Array([1, profile, compatibility, level, 0xff, 0xe0, 0]));
  const avc1 = box('avc1', new Uint8Array(78), avcC);
  const stsd = box('stsd', u32(0, 1), avc1);
  const trak = box('trak', box('mdia', box('minf', box('stbl', stsd))));
  return box('moov', trak);
}

describe('master playlist', () => {
  it('reads the avc1 codec string from the avcC box of the init segment', () => {
    expect(avcCodecString(h264Init(0x64, 0x00, 0x1f))).toBe('avc1.64001f');
    expect(avcCodecString(h264Init(0x42, 0xc0, 0x0d))).toBe('avc1.42c00d');
  });

  it('finds no H.264 codec in an init segment without an avc1 sample entry', () => {
    expect(avcCodecString(initSegment([{ id: 1, handler: 'soun', timescale: 48000 }]))).toBeUndefined();
  });

  it('refuses an init segment whose boxes overrun their parent', () => {
    const init = h264Init(0x64, 0, 0x1f);
    new DataView(init.buffer).setUint32(8, 9999);
    expect(() => avcCodecString(init)).toThrow(BroadcastError);
  });

  it('lists one variant per rendition with bandwidth, resolution, frame rate and codecs', () => {
    const text = renderMasterPlaylist([
      { name: '720p', bandwidth: 3_500_000.4, averageBandwidth: 2_900_000, width: 1280, height: 720, frameRate: 30, codecs: 'avc1.64001f,mp4a.40.2' },
      { name: '360p', bandwidth: 1_000_000, averageBandwidth: 900_000, width: 640, height: 360, frameRate: 30, codecs: 'avc1.64001e,mp4a.40.2' },
    ]);
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:9',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=3500000,AVERAGE-BANDWIDTH=2900000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2"',
        '720p/playlist.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=900000,RESOLUTION=640x360,FRAME-RATE=30.000,CODECS="avc1.64001e,mp4a.40.2"',
        '360p/playlist.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('announces a passed-through source first, at its own size and frame rate', () => {
    const text = renderMasterPlaylist([
      { name: 'src', bandwidth: 6_300_000, averageBandwidth: 5_250_000, width: 1920, height: 1080, frameRate: 30000 / 1001, codecs: 'avc1.640028,mp4a.40.2' },
      { name: '360p', bandwidth: 1_000_000, averageBandwidth: 900_000, width: 640, height: 360, frameRate: 30, codecs: 'avc1.64001e,mp4a.40.2' },
    ]);
    const lines = text.split('\n');
    expect(lines[3]).toBe('#EXT-X-STREAM-INF:BANDWIDTH=6300000,AVERAGE-BANDWIDTH=5250000,RESOLUTION=1920x1080,FRAME-RATE=29.970,CODECS="avc1.640028,mp4a.40.2"');
    expect(lines[4]).toBe('src/playlist.m3u8');
  });
});
