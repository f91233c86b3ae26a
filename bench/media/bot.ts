/**
 * A load bot's media, cheap enough that a 2-core machine measures the server and not the
 * bots: nothing is encoded or decoded.
 * - Sending: a werift peer connection (ICE, DTLS, SRTP) publishing a microphone and a camera
 *   with rid-based simulcast like Chrome (three layers on one video section, `mid` and
 *   `rtp-stream-id` header extensions), replaying pre-encoded VP8 frames and Opus packets
 *   (clips.ts) at their real rate through one shared pacer. A keyframe request from the media
 *   server (PLI/FIR) makes that layer jump to its next keyframe.
 * - Receiving: a werift peer connection whose SRTP is never decrypted: after DTLS, every
 *   datagram is only counted (RTP headers are in clear: SSRC → which stream).
 * The SDPs given to the signalling are werift's, lightly rewritten: one header-extension
 * numbering across sections (as browsers do), simulcast without an SSRC, and a compact answer
 * (transport attributes once, at session level) so a subscription to many streams fits our
 * protocol's SDP limit.
 */
import { randomInt } from 'node:crypto';
import { RTCDtlsTransport, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, useAudioLevelIndication, useSdesMid, useSdesRTPStreamId } from 'werift';
import { AUDIO_FRAME_MS, LAYERS, VIDEO_FPS, type Clips } from './clips.js';

/** Header-extension ids we put in every offer (and write into packets). */
const EXT_MID = 1;
const EXT_AUDIO_LEVEL = 2;
const EXT_RID = 3;
const PT_OPUS = 111;
const PT_VP8 = 96;
const MAX_PAYLOAD = 1100;

type Dtls = RTCDtlsTransport & { __count?: (data: Buffer) => void };

// A receiving bot's transport counts datagrams instead of decrypting them (see file comment).
const startSrtp = RTCDtlsTransport.prototype.startSrtp;
RTCDtlsTransport.prototype.startSrtp = function (this: Dtls) {
  const count = this.__count;
  if (!count) return startSrtp.call(this);
  if (this.srtpStarted) return;
  this.srtpStarted = true;
  this.iceTransport.connection.onData.subscribe((data: Buffer) => {
    const b0 = data[0]!;
    if (b0 < 128 || b0 > 191) return; // not RTP/RTCP
    const pt = data[1]!;
    if (pt >= 192 && pt <= 223) return; // RTCP
    count(data);
  });
};

function peerConnection(ip: string): RTCPeerConnection {
  return new RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: PT_OPUS, parameters: 'minptime=10;useinbandfec=1' })],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          payloadType: PT_VP8,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
        }),
      ],
    },
    headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid(), useSdesRTPStreamId()] },
    iceUseIpv6: false,
    iceUseTcp: false,
    iceInterfaceAddresses: { udp4: ip } as never,
  });
}

/** Resolves when a werift connection has gathered its candidates (or after 3 s). */
export async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * Janus answers a publisher as the DTLS client and sends its ClientHello as soon as its ICE is
 * up, which can be before werift has started its DTLS server: werift drops it and the handshake
 * waits for Janus's retransmission (1 s). Chrome caches such an early ClientHello; so do we.
 */
function cacheEarlyDtls(dtls: RTCDtlsTransport): void {
  const early: Buffer[] = [];
  const { unSubscribe } = dtls.iceTransport.connection.onData.subscribe((data: Buffer) => {
    if (dtls.state === 'new' && data[0]! >= 20 && data[0]! <= 63) early.push(Buffer.from(data));
  });
  dtls.onStateChange.subscribe((state) => {
    if (state !== 'connecting') return;
    unSubscribe();
    // The DTLS server is created right after the state changes.
    setImmediate(() => {
      for (const data of early.splice(0)) dtls.iceTransport.connection.onData.execute(data);
    });
  });
}

/** Media sections of an SDP: header lines and each section's lines. */
function sections(sdp: string): { head: string[]; media: string[][] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const head: string[] = [];
  const media: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push([line]);
    else if (media.length) media[media.length - 1]!.push(line);
    else head.push(line);
  }
  return { head, media };
}

const join = (lines: string[]) => lines.join('\r\n') + '\r\n';

// ------------------------------------------------------------------ pacing

/** One stream being replayed: a simulcast layer or a microphone. */
interface Outgoing {
  dtls: RTCDtlsTransport;
  ssrc: number;
  seq: number;
  /** Next frame's index in the clip. */
  index: number;
  /** Time (ms, performance.now) the next frame is due. */
  due: number;
  send: (s: Outgoing) => void;
  keyframeWanted: boolean;
  lastKeyJump: number;
  rtpTime: number;
  pictureId: number;
}

/** A new outgoing stream's state: random sequence number and RTP time, first frame due at `start`. */
function outgoing(dtls: RTCDtlsTransport, ssrc: number, start: number): Omit<Outgoing, 'send'> {
  return { dtls, ssrc, seq: randomInt(0, 65535), index: 0, due: start, keyframeWanted: false, lastKeyJump: 0, rtpTime: randomInt(0, 2 ** 31), pictureId: 0 };
}

class Pacer {
  readonly #streams = new Set<Outgoing>();
  #timer: NodeJS.Timeout | undefined;
  packetsSent = 0;

  add(stream: Outgoing): void {
    this.#streams.add(stream);
    this.#timer ??= setInterval(() => this.#tick(), 5);
  }

  remove(stream: Outgoing): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Largest lateness of a frame (ms) since the last reset, and frames late by more than 200 ms. */
  lateMaxMs = 0;
  late200 = 0;
  #lastTick = 0;
  /** Longest gap between two ticks (ms): the event loop was busy or the process descheduled. */
  gapMaxMs = 0;

  resetLateness(): void {
    this.lateMaxMs = 0;
    this.late200 = 0;
    this.gapMaxMs = 0;
  }

  #tick(): void {
    const now = performance.now();
    if (this.#lastTick) this.gapMaxMs = Math.max(this.gapMaxMs, now - this.#lastTick);
    this.#lastTick = now;
    for (const s of this.#streams) {
      const late = now - s.due;
      if (late > this.lateMaxMs) this.lateMaxMs = late;
      if (late > 200) this.late200++;
      // Late by more than a second (machine overloaded): drop the backlog rather than burst.
      if (now - s.due > 1000) s.due = now;
      while (s.due <= now && this.#streams.has(s)) s.send(s);
    }
  }
}

export const pacer = new Pacer();

function header(ssrc: number, seq: number, timestamp: number, pt: number, marker: boolean, extensions: { id: number; payload: Buffer }[]): RtpHeader {
  return new RtpHeader({ payloadType: pt, sequenceNumber: seq, timestamp, ssrc, marker, extension: extensions.length > 0, extensionProfile: 0xbede, extensions });
}

// ------------------------------------------------------------------ the bot

export interface BotMediaOptions {
  clips: Clips;
  /** Address to gather ICE candidates on (the one Janus uses). */
  ip: string;
  /**
   * `talk`: Opus at 50 packets/s with a loud audio level; `quiet`: the same, faint (unmuted,
   * not speaking); `muted`: the section is published but only a silence packet every 400 ms
   * goes out, as a browser with a disabled track and DTX.
   */
  audio: 'talk' | 'quiet' | 'muted';
}

export interface Counted {
  rtp: number;
  audio: number;
  video: number;
}

export class BotMedia {
  readonly #o: BotMediaOptions;
  #pub: RTCPeerConnection | null = null;
  #sub: RTCPeerConnection | null = null;
  #outgoing: Outgoing[] = [];
  /** SSRC → kind, from the subscription offer. */
  #kinds = new Map<number, 'audio' | 'video'>();
  /** Packets counted on all receiving connections so far. */
  readonly counted: Counted = { rtp: 0, audio: 0, video: 0 };
  /** performance.now() of the first packet on the current receiving connection, or null. */
  firstPacketAt: number | null = null;
  /** SSRC → packets on the current receiving connection. */
  readonly perSsrc = new Map<number, number>();
  /** SSRC → performance.now() of its last packet on the current receiving connection. */
  readonly #lastAt = new Map<number, number>();
  keyframesSent = 0;
  /** Receives connection events (for diagnosis). */
  trace?: (what: string, since: number) => void;
  #closed = false;

  constructor(options: BotMediaOptions) {
    this.#o = options;
  }

  /** A fresh publishing connection's offer (all candidates inside) and what each section carries. */
  async publishOffer(): Promise<{ sdp: string; sources: { mid: string; source: 'mic' | 'camera' }[] }> {
    this.#stopSending();
    await this.#pub?.close();
    const pc = (this.#pub = peerConnection(this.#o.ip));
    pc.addTransceiver('audio', { direction: 'sendonly' });
    // Highest first, as Chrome lists the encodings of our web client (h, m, l).
    pc.addTransceiver('video', { direction: 'sendonly', simulcast: [...LAYERS].reverse().map((l) => ({ rid: l.rid, direction: 'send' as const })) });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const { head, media } = sections(pc.localDescription!.sdp);
    const out = [...head];
    const sources: { mid: string; source: 'mic' | 'camera' }[] = [];
    for (const section of media) {
      const kind = section[0]!.startsWith('m=audio') ? 'audio' : 'video';
      const mid = section.find((l) => l.startsWith('a=mid:'))!.slice(6);
      sources.push({ mid, source: kind === 'audio' ? 'mic' : 'camera' });
      for (const line of section) {
        if (line.startsWith('a=extmap:')) {
          const uri = line.split(' ')[1]!;
          const id = uri.endsWith('sdes:mid') ? EXT_MID : uri.endsWith('ssrc-audio-level') ? EXT_AUDIO_LEVEL : uri.endsWith('rtp-stream-id') ? EXT_RID : 0;
          if (id) out.push(`a=extmap:${id} ${uri}`);
        } else if (line.startsWith('a=ssrc:')) {
          // Audio: one SSRC of ours; video: none (simulcast by rid, as Chrome does).
          if (kind === 'audio') out.push(`a=ssrc:${this.#audioSsrc} ${line.split(' ').slice(1).join(' ')}`);
        } else if (line.startsWith('a=candidate:') || line === 'a=end-of-candidates') {
          // Bundled: the candidates once, in the first section.
          if (section === media[0]) out.push(line);
        } else out.push(line);
      }
    }
    return { sdp: join(out), sources };
  }

  readonly #audioSsrc = randomInt(1, 2 ** 32 - 1);

  /** The media server's answer: media starts flowing once DTLS is up. */
  async publishAnswer(sdp: string): Promise<void> {
    const pc = this.#pub;
    if (!pc) return;
    const dtls = pc.getTransceivers()[0]!.dtlsTransport;
    cacheEarlyDtls(dtls);
    await pc.setRemoteDescription({ type: 'answer', sdp });
    const answeredAt = performance.now();
    pc.iceConnectionStateChange.subscribe((state) => this.trace?.(`pub-ice-${state}`, answeredAt));
    dtls.onStateChange.subscribe((state) => this.trace?.(`pub-dtls-${state}`, answeredAt));
    const start = () => {
      if (pc === this.#pub && !this.#closed && this.#outgoing.length === 0) this.#startSending(pc, dtls);
    };
    if (dtls.state === 'connected') start();
    else
      dtls.onStateChange.subscribe((state) => {
        if (state === 'connected') start();
      });
  }

  /**
   * Answers an offer of the receiving connection (a new connection when `fresh` or none yet);
   * the answer is compacted (transport attributes once) and accepts only the `mid` extension.
   */
  async answer(offer: string, fresh: boolean): Promise<string> {
    if (fresh || !this.#sub) {
      await this.#sub?.close();
      this.#sub = peerConnection(this.#o.ip);
      this.firstPacketAt = null;
      this.perSsrc.clear();
      this.#lastAt.clear();
    }
    const pc = this.#sub;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const parsed = sections(offer);
    this.#kinds.clear();
    for (const section of parsed.media) {
      const kind = section[0]!.startsWith('m=audio') ? 'audio' : 'video';
      for (const line of section) if (line.startsWith('a=ssrc:')) this.#kinds.set(Number(line.slice(7).split(' ')[0]), kind);
    }
    const dtls = pc.getTransceivers()[0]?.dtlsTransport as Dtls | undefined;
    if (dtls && !dtls.__count) dtls.__count = (data) => this.#count(pc, data);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return this.#compact(pc.localDescription!.sdp, offer);
  }

  #count(pc: RTCPeerConnection, data: Buffer): void {
    if (pc !== this.#sub) return;
    this.firstPacketAt ??= performance.now();
    const ssrc = data.readUInt32BE(8);
    this.counted.rtp++;
    if (this.#kinds.get(ssrc) === 'audio') this.counted.audio++;
    else this.counted.video++;
    this.perSsrc.set(ssrc, (this.perSsrc.get(ssrc) ?? 0) + 1);
    this.#lastAt.set(ssrc, performance.now());
  }

  /** Kind of a received SSRC, from the last subscription offer. */
  kindOf(ssrc: number): 'audio' | 'video' | undefined {
    return this.#kinds.get(ssrc);
  }

  /** Streams of the current receiving connection that carried a packet after `since`. */
  activeStreams(since: number): number {
    let n = 0;
    for (const at of this.#lastAt.values()) if (at > since) n++;
    return n;
  }

  /** Publishing and sending media. */
  get sending(): boolean {
    return this.#outgoing.length > 0;
  }

  #compact(answer: string, offer: string): string {
    const { head, media } = sections(answer);
    const offered = sections(offer).media;
    const transport = ['a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:', 'a=setup:'];
    const sessionLevel: string[] = [];
    const out: string[] = [];
    media.forEach((section, i) => {
      const [m, ...rest] = section;
      const keep: string[] = [m!];
      const midExt = offered[i]?.find((l) => l.startsWith('a=extmap:') && l.endsWith('sdes:mid'));
      for (const line of rest) {
        if (transport.some((t) => line.startsWith(t))) {
          if (i === 0) sessionLevel.push(line);
        } else if (line.startsWith('a=candidate:') || line === 'a=end-of-candidates') {
          if (i === 0) keep.push(line.replace(/ generation \d+ ufrag \S+$/, ''));
        } else if (line.startsWith('c=') || line.startsWith('a=mid:') || /^a=(recvonly|inactive|sendonly|sendrecv)$/.test(line) || line === 'a=rtcp-mux') keep.push(line);
        else if (line.startsWith('a=rtpmap:') && !keep.some((l) => l.startsWith('a=rtpmap:'))) keep.push(line);
      }
      if (midExt && !m!.startsWith('m=application') && !m!.includes(' 0 ')) keep.push(midExt);
      out.push(...keep);
    });
    const session = head.filter((l) => !l.startsWith('a=extmap-allow-mixed') && !l.startsWith('a=msid-semantic'));
    return join([...session, ...sessionLevel, ...out]);
  }

  /** Closes both connections (e.g. after `media.reset`); sending stops. */
  async reset(): Promise<void> {
    this.#stopSending();
    const pub = this.#pub;
    const sub = this.#sub;
    this.#pub = null;
    this.#sub = null;
    this.firstPacketAt = null;
    await Promise.all([pub?.close(), sub?.close()]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.reset();
  }

  /** Receiving connection's state (for waits). */
  get receiving(): string {
    return this.#sub?.connectionState ?? 'none';
  }

  get packetsOnCurrentSubscription(): number {
    let n = 0;
    for (const v of this.perSsrc.values()) n += v;
    return n;
  }

  #stopSending(): void {
    for (const s of this.#outgoing) pacer.remove(s);
    this.#outgoing = [];
  }

  #startSending(pc: RTCPeerConnection, dtls: RTCDtlsTransport): void {
    const { clips, audio } = this.#o;
    const [audioT, videoT] = pc.getTransceivers();
    const midOf = (t: typeof audioT) => Buffer.from(t?.mid ?? '');
    const audioMid = midOf(audioT);
    const videoMid = midOf(videoT);
    const start = performance.now() + Math.random() * 1000 / VIDEO_FPS;
    const byMediaSsrc = new Map<number, Outgoing>();
    // Video: one stream per simulcast layer.
    LAYERS.forEach((layer, li) => {
      const frames = clips.video[li]!;
      const rid = Buffer.from(layer.rid);
      const stream: Outgoing = {
        ...outgoing(dtls, randomInt(1, 2 ** 32 - 1), start),
        pictureId: randomInt(0, 2 ** 15),
        send: (s) => {
          if (s.keyframeWanted && performance.now() - s.lastKeyJump > 300) {
            // Jump to the next keyframe of the clip (decodable on its own).
            let i = s.index;
            while (!frames[i % frames.length]!.key) i++;
            s.index = i % frames.length;
            s.keyframeWanted = false;
            s.lastKeyJump = performance.now();
          }
          const frame = frames[s.index]!;
          if (frame.key) this.keyframesSent++;
          const count = Math.ceil(frame.data.length / (MAX_PAYLOAD - 4));
          const size = Math.ceil(frame.data.length / count);
          for (let p = 0; p < count; p++) {
            const chunk = frame.data.subarray(p * size, Math.min(frame.data.length, (p + 1) * size));
            const payload = Buffer.allocUnsafe(4 + chunk.length);
            // VP8 payload descriptor (RFC 7741): X, S on the first packet, PID 0; I; 15-bit picture id.
            payload[0] = 0x80 | (p === 0 ? 0x10 : 0);
            payload[1] = 0x80;
            payload.writeUInt16BE(0x8000 | s.pictureId, 2);
            chunk.copy(payload, 4);
            const h = header(s.ssrc, s.seq, s.rtpTime >>> 0, PT_VP8, p === count - 1, [
              { id: EXT_MID, payload: videoMid },
              { id: EXT_RID, payload: rid },
            ]);
            s.seq = (s.seq + 1) & 0xffff;
            void dtls.sendRtp(payload, h);
            pacer.packetsSent++;
          }
          s.pictureId = (s.pictureId + 1) & 0x7fff;
          s.rtpTime += 90000 / VIDEO_FPS;
          s.index = (s.index + 1) % frames.length;
          s.due += 1000 / VIDEO_FPS;
        },
      };
      byMediaSsrc.set(stream.ssrc, stream);
      this.#outgoing.push(stream);
    });
    // Audio: Opus packets every 20 ms, or a silence packet every 400 ms when muted (DTX).
    const level = Buffer.from([audio === 'talk' ? 0x80 | 20 : audio === 'quiet' ? 0x80 | 70 : 0x80 | 127]);
    const silence = Buffer.from([0xf8, 0xff, 0xfe]);
    const interval = audio === 'muted' ? 400 : AUDIO_FRAME_MS;
    this.#outgoing.push({
      ...outgoing(dtls, this.#audioSsrc, start),
      send: (s) => {
        const payload = audio === 'muted' ? silence : clips.audio[s.index]!;
        const h = header(s.ssrc, s.seq, s.rtpTime >>> 0, PT_OPUS, false, [
          { id: EXT_MID, payload: audioMid },
          { id: EXT_AUDIO_LEVEL, payload: level },
        ]);
        s.seq = (s.seq + 1) & 0xffff;
        void dtls.sendRtp(payload, h);
        pacer.packetsSent++;
        s.rtpTime += (48000 * interval) / 1000;
        s.index = (s.index + 1) % clips.audio.length;
        s.due += interval;
      },
    });
    dtls.onRtcp.subscribe((rtcp) => {
      const fb = (rtcp as { type: number; feedback?: { mediaSsrc?: number; fir?: { ssrc: number }[] } }).feedback;
      if ((rtcp as { type: number }).type !== 206 || !fb) return;
      const targets = fb.fir ? fb.fir.map((e) => e.ssrc) : [fb.mediaSsrc ?? 0];
      for (const ssrc of targets) {
        const stream = byMediaSsrc.get(ssrc);
        if (stream) stream.keyframeWanted = true;
        else for (const s of byMediaSsrc.values()) s.keyframeWanted = true;
      }
    });
    for (const s of this.#outgoing) pacer.add(s);
  }
}
