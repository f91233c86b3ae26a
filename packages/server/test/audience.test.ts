import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AmphiError, type Participant, type ServerMessage } from '@amphi/protocol';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { JanusMediaPlane, type AudienceStream, type MediaRoom } from '../src/media/index.js';
import { JanusConnection, JanusError } from '../src/media/janus/JanusConnection.js';
import { outwardIPv4 } from '../src/media/janus/JanusProcess.js';

/**
 * The Janus side of a lecture broadcast, against a real embedded Janus: the audience's
 * Streaming mountpoint fed by a real ffmpeg and watched by a real WebRTC peer (werift), and
 * RTP forwarders of a real publisher (werift sending ffmpeg's VP8) read by a real ffmpeg.
 */

const silent = { info() {}, warn() {}, error() {} };
const ip = outwardIPv4();

/** Waits until `check` holds (polling), or fails after `timeoutMs` saying what was awaited. */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Processes started by the tests, ended by PID afterwards. */
const children = new Set<ChildProcess>();
function ffmpeg(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  return { child, stderr: () => stderr, exited };
}
function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A UDP socket on loopback, counting the RTP sequence numbers it receives. */
async function rtpSink(): Promise<{ socket: Socket; port: number; seqs: number[] }> {
  const socket = createSocket('udp4');
  const seqs: number[] = [];
  socket.on('message', (msg) => seqs.push(msg.readUInt16BE(2)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, seqs };
}

/** Two consecutive free UDP ports (RTP, RTCP) for an ffmpeg reading an SDP. */
async function freeUdpPair(): Promise<number> {
  for (;;) {
    const a = createSocket('udp4');
    const b = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => a.once('error', reject).bind(0, '127.0.0.1', resolve));
      const port = a.address().port;
      if (port % 2 !== 0) continue;
      const ok = await new Promise<boolean>((resolve) => b.once('error', () => resolve(false)).bind(port + 1, '127.0.0.1', () => resolve(true)));
      if (ok) return port;
    } finally {
      a.close();
      try {
        b.close();
      } catch {
        // Never bound.
      }
    }
  }
}

/** The embedded Janus's API URL, API secret and plugin admin key, read from its generated configuration. */
function janusAccess(workDir: string): { url: string; apiSecret: string; adminKey: string } {
  const read = (file: string, key: string) => new RegExp(`${key} = "?([^"\\n]+)"?`).exec(readFileSync(path.join(workDir, file), 'utf8'))![1]!;
  return {
    url: `ws://127.0.0.1:${read('janus.transport.websockets.jcfg', 'ws_port')}`,
    apiSecret: read('janus.jcfg', 'api_secret'),
    adminKey: read('janus.plugin.streaming.jcfg', 'admin_key'),
  };
}

/** A werift peer connection with one video codec (H.264 for the audience, VP8 for the stage, as browsers send). */
function peerConnection(video: 'h264' | 'vp8'): RTCPeerConnection {
  const rtcpFeedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }];
  return new RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
      video: [
        video === 'h264'
          ? new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: 96, parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1', rtcpFeedback })
          : new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback }),
      ],
    },
    iceUseIpv6: false,
    iceUseTcp: false,
    // Janus gathers only on the outward interface (ice_enforce_list).
    ...(ip ? { iceInterfaceAddresses: { udp4: ip } } : {}),
  });
}

async function gathered(pc: RTCPeerConnection): Promise<string> {
  await until('ICE gathering', () => pc.iceGatheringState === 'complete', 5000);
  return pc.localDescription!.sdp;
}

/** A WebRTC viewer answering Janus' offer and counting the RTP packets of each kind it receives. */
async function viewer(offer: string): Promise<{ pc: RTCPeerConnection; answer: string; packets: { audio: number; video: number } }> {
  const pc = peerConnection('h264');
  const packets = { audio: 0, video: 0 };
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => packets[track.kind === 'audio' ? 'audio' : 'video']++));
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  return { pc, answer: await gathered(pc), packets };
}

/** The sections of an SDP, by kind, with their rtpmap lines. */
function mLines(sdp: string): { kind: string; rtpmaps: string[] }[] {
  return sdp
    .split(/\r?\nm=/)
    .slice(1)
    .map((section) => ({ kind: section.split(' ')[0]!, rtpmaps: section.split(/\r?\n/).filter((l) => l.startsWith('a=rtpmap:')) }));
}

describe('the Janus side of a lecture broadcast', () => {
  let workDir: string;
  let plane: JanusMediaPlane;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'amphi-audience-'));
    // One viewer per Janus host, so the limit is easy to reach.
    plane = new JanusMediaPlane({ janus: { kind: 'embedded', workDir, rtpPortRange: [30000, 39999], eventLoops: 1 }, audienceMaxViewers: 1, log: silent });
  });
  afterAll(async () => {
    for (const child of children) stop(child);
    await plane.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('serves the program from ffmpeg to a WebRTC viewer: H.264 and Opus packets arrive', async () => {
    const audience = await plane.createAudience({ description: 'lecture test' });
    let pc: RTCPeerConnection | undefined;
    const sender = (() => {
      const { host, videoPort, videoRtcpPort, audioPort } = audience.rtpTarget;
      expect(host).toBe('127.0.0.1');
      return ffmpeg([
        ...['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ...['-map', '0:v', '-c:v', 'libx264', '-profile:v', 'baseline', '-tune', 'zerolatency', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '15', '-b:v', '300k'],
        ...['-payload_type', '96', '-f', 'rtp', `rtp://${host}:${videoPort}?rtcpport=${videoRtcpPort}&pkt_size=1200`],
        ...['-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '48k', '-payload_type', '111', '-f', 'rtp', `rtp://${host}:${audioPort}?pkt_size=1200`],
      ]);
    })();
    try {
      const offer = await audience.watch('viewer-1');
      const sections = mLines(offer);
      expect(sections.map((s) => s.kind).sort()).toEqual(['audio', 'video']);
      // Janus adds retransmission (rtx) to the video.
      expect(sections.find((s) => s.kind === 'video')!.rtpmaps).toContain('a=rtpmap:96 H264/90000');
      expect(sections.find((s) => s.kind === 'audio')!.rtpmaps).toEqual(['a=rtpmap:111 opus/48000/2']);
      expect(offer).toContain('profile-level-id=42e01f');
      expect(audience.viewers).toBe(1);

      const watching = await viewer(offer);
      pc = watching.pc;
      await audience.start('viewer-1', watching.answer);
      await until('video and audio packets at the viewer', () => watching.packets.video >= 30 && watching.packets.audio >= 30, 30_000);
      expect(sender.child.exitCode).toBeNull();
    } finally {
      await pc?.close();
      stop(sender.child);
      await audience.close();
    }
  });

  it('counts viewers across the audience streams of a Janus host and refuses beyond the limit', async () => {
    const first = await plane.createAudience();
    const second = await plane.createAudience();
    try {
      expect(first.rtpTarget.videoPort).not.toBe(second.rtpTarget.videoPort);
      expect(await first.watch('ann')).toContain('m=video');
      // The same viewer watching again takes no second seat.
      expect(await first.watch('ann')).toContain('m=video');
      const refused = await second.watch('bob').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AmphiError);
      expect((refused as AmphiError).code).toBe('AUDIENCE_FULL');
      expect(second.viewers).toBe(0);
      await first.leave('ann');
      expect(first.viewers).toBe(0);
      expect(await second.watch('bob')).toContain('m=audio');
      // Closing a stream frees its viewers' seats.
      await second.close();
      expect(await first.watch('carl')).toContain('m=video');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('destroys the mountpoint on close, once, and refuses viewers afterwards', async () => {
    const audience = await plane.createAudience();
    const access = janusAccess(workDir);
    const connection = await JanusConnection.connect(access.url, { apiSecret: access.apiSecret });
    try {
      const session = await connection.createSession();
      const handle = await session.attach('janus.plugin.streaming');
      const listed = async () => {
        const { data } = await handle.message({ request: 'list', admin_key: access.adminKey });
        return (data.list as { id: number }[]).map((m) => m.id);
      };
      // Private (hidden from plain listings), but there.
      expect(await listed()).toContain(audience.id);
      const { data } = await handle.message({ request: 'list' });
      expect((data.list as { id: number }[]).map((m) => m.id)).not.toContain(audience.id);

      let closedEvents = 0;
      audience.on('closed', () => closedEvents++);
      await Promise.all([audience.close(), audience.close()]);
      await audience.close();
      expect(closedEvents).toBe(1);
      expect(await listed()).not.toContain(audience.id);
      const info = await handle.message({ request: 'info', id: audience.id }).catch((err: unknown) => err);
      expect(info).toBeInstanceOf(JanusError);
      expect((info as JanusError).code).toBe(455); // No such mountpoint.
      await expect(audience.watch('late')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    } finally {
      connection.close();
    }
  });

  describe('stage forwarding', () => {
    let room: MediaRoom;
    let feedsChanged = 0;
    let answer: string | undefined;
    const people = new Map<string, Participant>();
    let publisher: RTCPeerConnection | undefined;
    let bobPublisher: RTCPeerConnection | undefined;
    let camera: ReturnType<typeof ffmpeg> | undefined;
    let relay: Socket | undefined;

    beforeAll(() => {
      room = plane.createRoom({
        send: (_pid: string, message: ServerMessage) => {
          if (message.type === 'media.answer') answer = message.sdp;
        },
        broadcast: () => {},
        participant: (id) => people.get(id),
        feedsChanged: () => feedsChanged++,
        mediaReset: () => {},
        log: silent,
      });
    });
    afterAll(async () => {
      await publisher?.close();
      await bobPublisher?.close();
      if (camera) stop(camera.child);
      relay?.close();
      await room.close();
    });

    it('lists a published camera, forwards it to an ffmpeg that decodes it, and stops forwarders', async () => {
      people.set('ann', { id: 'ann', name: 'Ann', role: 'presenter', handRaised: false, mic: false, cam: true, screen: false, micLocked: false, connected: true });
      // A real publisher: werift sends the VP8 that ffmpeg encodes (keyframe every 2 s).
      const pc = (publisher = peerConnection('vp8'));
      const track = new MediaStreamTrack({ kind: 'video' });
      pc.addTransceiver(track, { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const offer = await gathered(pc);
      const mid = /a=mid:(\S+)/.exec(offer)![1]!;
      const source = createSocket('udp4');
      relay = source;
      source.on('message', (packet) => track.writeRtp(packet));
      await new Promise<void>((resolve) => source.bind(0, '127.0.0.1', resolve));
      camera = ffmpeg([
        ...['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15'],
        ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '30', '-b:v', '300k', '-payload_type', '96'],
        ...['-f', 'rtp', `rtp://127.0.0.1:${source.address().port}?pkt_size=1100`],
      ]);

      await room.publish('ann', offer, [{ mid, source: 'camera' }], { fresh: true, mayShareScreen: false });
      await pc.setRemoteDescription({ type: 'answer', sdp: answer! });
      await until('the camera on stage', () => room.stageFeeds().length === 1);
      expect(room.stageFeeds()).toEqual([{ participantId: 'ann', source: 'camera', kind: 'video', mid, codec: 'vp8', publication: expect.any(Number) }]);
      expect(feedsChanged).toBeGreaterThan(0);

      // ffmpeg reads the forwarded RTP through an SDP and decodes frames.
      const port = await freeUdpPair();
      const sdpFile = path.join(workDir, 'forward.sdp');
      writeFileSync(sdpFile, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=forward', 'c=IN IP4 127.0.0.1', 't=0 0', `m=video ${port} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', ''].join('\n'));
      const reader = ffmpeg(['-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile, '-frames:v', '5', '-f', 'null', '-']);
      const toReader = await room.forward('ann', mid, { host: '127.0.0.1', port, payloadType: 96 });
      await room.requestKeyframe('ann');
      expect(await reader.exited).toBe(0);
      expect(reader.stderr()).toMatch(/Video: vp8.*320x180/);
      expect(reader.stderr()).toMatch(/frame=\s*5\b/);
      await toReader.stop();
      await toReader.stop();

      // After stop() returns, the forwarder sends nothing more while another one goes on.
      const stopped = await rtpSink();
      const kept = await rtpSink();
      try {
        const a = await room.forward('ann', mid, { host: '127.0.0.1', port: stopped.port });
        const b = await room.forward('ann', mid, { host: '127.0.0.1', port: kept.port });
        await until('packets on both forwarders', () => stopped.seqs.length >= 10 && kept.seqs.length >= 10);
        expect(stopped.seqs.some((seq) => kept.seqs.includes(seq))).toBe(true);
        await a.stop();
        const mark = kept.seqs.length;
        await until('more packets on the forwarder kept', () => kept.seqs.length >= mark + 40);
        const later = kept.seqs.slice(mark + 10);
        expect(stopped.seqs.filter((seq) => later.includes(seq))).toEqual([]);

        // Unpublishing empties the stage and ends the publisher's forwarders; stopping one then is harmless.
        const before = feedsChanged;
        await room.unpublish('ann');
        await until('feedsChanged after unpublish', () => feedsChanged > before);
        expect(room.stageFeeds()).toEqual([]);
        await b.stop();
        await expect(room.forward('ann', mid, { host: '127.0.0.1', port: kept.port })).rejects.toMatchObject({ code: 'INVALID_STATE' });
      } finally {
        stopped.socket.close();
        kept.socket.close();
      }
    });

    it('leaves out what moderation mutes', async () => {
      people.set('bob', { id: 'bob', name: 'Bob', role: 'presenter', handRaised: false, mic: true, cam: false, screen: false, micLocked: false, connected: true });
      // Stays connected for the next test: a closed connection unpublishes.
      const pc = (bobPublisher = peerConnection('vp8'));
      pc.addTransceiver('audio', { direction: 'sendonly' });
      pc.addTransceiver('video', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const offer = await gathered(pc);
      const [micMid, camMid] = [...offer.matchAll(/a=mid:(\S+)/g)].map((m) => m[1]!);
      await room.publish('bob', offer, [{ mid: micMid!, source: 'mic' }, { mid: camMid!, source: 'camera' }], { fresh: true, mayShareScreen: false });
      await pc.setRemoteDescription({ type: 'answer', sdp: answer! });
      await until('the microphone on stage', () => room.stageFeeds().length > 0);
      // The camera is off for Bob: Janus drops it, so it is no program input.
      const publication = room.stageFeeds()[0]?.publication;
      expect(room.stageFeeds()).toEqual([{ participantId: 'bob', source: 'mic', kind: 'audio', mid: micMid, codec: 'opus', publication: expect.any(Number) }]);
      const before = feedsChanged;
      people.set('bob', { ...people.get('bob')!, cam: true });
      room.applyState('bob');
      await until('feedsChanged after unmuting the camera', () => feedsChanged > before);
      expect(room.stageFeeds()).toEqual([
        { participantId: 'bob', source: 'mic', kind: 'audio', mid: micMid, codec: 'opus', publication },
        { participantId: 'bob', source: 'camera', kind: 'video', mid: camMid, codec: 'vp8', publication },
      ]);
    });

    it('reports the stage empty and the audience gone when Janus dies', async () => {
      const audience: AudienceStream = await plane.createAudience();
      const events: string[] = [];
      audience.on('reset', () => events.push('reset'));
      audience.on('closed', () => events.push('closed'));
      await audience.watch('dan');
      expect(room.stageFeeds().length).toBeGreaterThan(0);
      const before = feedsChanged;
      const pid = Number(execFileSync('pgrep', ['-f', `janus -F ${workDir}`], { encoding: 'utf8' }).trim());
      process.kill(pid, 'SIGKILL');
      await until('the audience reset', () => events.length === 2);
      expect(events).toEqual(['reset', 'closed']);
      expect(audience.viewers).toBe(0);
      await until('feedsChanged after the reset', () => feedsChanged > before);
      expect(room.stageFeeds()).toEqual([]);
      await audience.close(); // Harmless after a reset.
      // The restarted Janus serves a new audience stream, with a free seat again.
      const again = await plane.createAudience();
      expect(await again.watch('dan')).toContain('m=video');
      await again.close();
    });
  });
});
