/**
 * Load bots for the WebRTC audience benchmark (werift, as bench/media/bot.ts, whose transport
 * patch they reuse: a receiving transport with `__count` counts SRTP datagrams instead of
 * decrypting them, so the bots stay cheap and the machine measures Janus):
 *  - `CountingViewer`: a receive-only peer connection that accepts H.264 (Constrained Baseline)
 *    and Opus, answers Janus' offer (Streaming `watch` or VideoRoom subscriber) with all its
 *    candidates, and counts the packets that arrive;
 *  - `RelayPublisher`: a send-only peer connection publishing H.264 + Opus into a VideoRoom,
 *    relaying as they come the RTP packets ffmpeg sends to two local UDP sockets (werift rewrites
 *    SSRC, payload type, sequence and header extensions), so a VideoRoom gets the very packets a
 *    Streaming mountpoint gets from ffmpeg.
 */
import { createSocket, type Socket } from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, useSdesMid, type RTCDtlsTransport } from 'werift';
// Also loads the counting transport patch (see the file comment).
import { gathered } from '../media/bot.js';

const PT_H264 = 96;
const PT_OPUS = 111;

type CountingDtls = RTCDtlsTransport & { __count?: (data: Buffer) => void };

function peerConnection(ip: string): RTCPeerConnection {
  return new RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: PT_OPUS })],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          payloadType: PT_H264,
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
        }),
      ],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    iceUseIpv6: false,
    iceUseTcp: false,
    iceInterfaceAddresses: { udp4: ip } as never,
  });
}

export class CountingViewer {
  readonly #ip: string;
  #pc: RTCPeerConnection | null = null;
  /** RTP packets received (all streams). */
  packets = 0;

  constructor(ip: string) {
    this.#ip = ip;
  }

  /** Answers an offer (audio + H.264 video, candidates inside); packets are counted once DTLS is up. */
  async answer(offer: string): Promise<string> {
    await this.#pc?.close();
    const pc = (this.#pc = peerConnection(this.#ip));
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const dtls = pc.getTransceivers()[0]?.dtlsTransport as CountingDtls | undefined;
    if (dtls) dtls.__count = () => void this.packets++;
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  }

  async close(): Promise<void> {
    await this.#pc?.close();
    this.#pc = null;
  }
}

export class RelayPublisher {
  readonly #pc: RTCPeerConnection;
  readonly #tracks = { video: new MediaStreamTrack({ kind: 'video' }), audio: new MediaStreamTrack({ kind: 'audio' }) };
  readonly #sockets: Socket[] = [];
  /** RTP packets relayed from ffmpeg. */
  relayed = 0;

  constructor(ip: string) {
    this.#pc = peerConnection(ip);
    this.#pc.addTransceiver(this.#tracks.video, { direction: 'sendonly' });
    this.#pc.addTransceiver(this.#tracks.audio, { direction: 'sendonly' });
  }

  /** The publisher's offer, candidates inside. */
  async offer(): Promise<string> {
    await this.#pc.setLocalDescription(await this.#pc.createOffer());
    await gathered(this.#pc);
    return this.#pc.localDescription!.sdp;
  }

  async answer(sdp: string): Promise<void> {
    await this.#pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Opens the two loopback UDP ports ffmpeg sends its RTP to (video, audio). */
  async listen(): Promise<{ videoPort: number; audioPort: number }> {
    const open = (track: MediaStreamTrack) =>
      new Promise<number>((resolve, reject) => {
        const socket = createSocket('udp4');
        this.#sockets.push(socket);
        socket.on('message', (packet) => {
          // RTCP (payload types 200–204 with the marker bit: 72–76 without) is ffmpeg's sender reports: not relayed.
          const pt = packet[1]! & 0x7f;
          if (pt >= 72 && pt <= 76) return;
          this.relayed++;
          track.writeRtp(packet);
        });
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => resolve(socket.address().port));
      });
    return { videoPort: await open(this.#tracks.video), audioPort: await open(this.#tracks.audio) };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.close();
    await this.#pc.close();
  }
}
