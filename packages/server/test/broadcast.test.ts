/**
 * A lecture's broadcast end to end on the server: the moderator starts it over the protocol, the
 * program (a slate while the stage is empty) becomes HLS on the origin, an OBS-like encoder (a real
 * ffmpeg pushing RTMP with the room's stream key, through the real nginx RTMP server) replaces the
 * stage with its own ladder (its H.264 passed through, plus a re-encoded rung), drops and comes back
 * within the grace, and wrong or revoked keys are refused. A program ffmpeg that dies is restarted. Viewers cannot run it or reach the stage.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BroadcastInfo } from '@amphi/protocol';
import { freePort, startServer, type TestServer } from './harness.js';
import { RawSocket, expectRoomWorks, liveRoom, until } from './helpers.js';
import { decodeSegment, masterVariants } from './hlsClient.js';

const started: ChildProcess[] = [];

/** The program ffmpegs the server (in this process) runs: the ones writing renditions to pipes. */
function ladderPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes('ffmpeg') && line.includes('pipe:3'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** An OBS-like encoder: a 320x180 test pattern with a tone, H.264 with 1 s GOPs and AAC, over RTMP. */
function encoder(url: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-ar', '48000', '-f', 'flv', url],
    ],
    { stdio: 'ignore' },
  );
  started.push(child);
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

describe('lecture broadcast', () => {
  let server: TestServer;
  let rtmpPort: number;
  let dir: string;
  beforeAll(async () => {
    rtmpPort = await freePort();
    dir = mkdtempSync(path.join(tmpdir(), 'amphi-broadcast-'));
    // Light for two shared cores: one re-encoded rung at ultrafast, no WebRTC tier (tested apart).
    server = await startServer({ rtmpPort, hlsLadder: ['src', '360p'], hlsPreset: 'ultrafast', audienceWebrtcMax: 0 });
  });
  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const broadcastOf = (socket: RawSocket): BroadcastInfo | null | undefined => {
    for (let i = socket.messages.length - 1; i >= 0; i--) {
      const m = socket.messages[i]!;
      if (m.type === 'session.updated' || m.type === 'status') return m.session?.broadcast;
      if (m.type === 'welcome') return m.session?.broadcast;
    }
    return undefined;
  };

  it('runs from the waiting screen to the end, from the stage and from an encoder', async () => {
    const { owner, room, moderator, links } = await liveRoom(server, {}, 'lecture');
    // A student without an account, through the room's link: a viewer.
    const viewer = await RawSocket.join(server, server.api(), { token: links.participant.token, displayName: 'Léa' });
    expect(viewer.welcome.you.role).toBe('viewer');
    expect(viewer.welcome.session?.broadcast).toMatchObject({ state: 'idle', hls: null });

    // The audience cannot run the broadcast, nor reach the stage's media.
    viewer.send({ type: 'broadcast.start', id: 'v-start' });
    expect((await viewer.error('v-start')).code).toBe('NOT_ALLOWED');
    viewer.send({ type: 'media.receive', id: 'v-receive' });
    expect((await viewer.error('v-receive')).code).toBe('NOT_ALLOWED');
    viewer.send({ type: 'media.publish', id: 'v-publish', sdp: 'v=0 not really an offer', sources: [{ mid: '0', source: 'mic' }] });
    expect((await viewer.error('v-publish')).code).toBe('NOT_ALLOWED');

    // Started with nobody sending on the stage: a slate, playable over HLS.
    moderator.send({ type: 'broadcast.start', id: 'start' });
    await moderator.ack('start');
    await viewer.next('session.updated', (m) => m.session.broadcast?.state === 'live');
    await viewer.next('session.updated', (m) => m.session.broadcast?.hls !== null, 20_000);
    const slate = broadcastOf(viewer)!;
    expect(slate).toMatchObject({ state: 'live', source: 'stage', encoderConnected: false });
    const slateMaster = await (await fetch(server.baseUrl + slate.hls!)).text();
    expect(Object.keys(masterVariants(slateMaster))).toEqual(['360p']);
    const slateBase = server.baseUrl + slate.hls!.replace(/\/master\.m3u8$/, '');
    const slateStreams = await decodeSegment(slateBase, '360p', dir);
    expect(slateStreams.find((s) => s.codec_name === 'h264')).toMatchObject({ width: 640, height: 360 });
    expect(slateStreams.find((s) => s.codec_name === 'aac')).toBeDefined();

    // The program's ffmpeg dies: the broadcast starts a new one, under a new HLS path.
    const ladders = ladderPids();
    expect(ladders).toHaveLength(1);
    process.kill(ladders[0]!, 'SIGKILL');
    await viewer.next('session.updated', (m) => m.session.broadcast?.hls === null, 10_000);
    await viewer.next('session.updated', (m) => !!m.session.broadcast?.hls && m.session.broadcast.hls !== slate.hls, 20_000);
    const restarted = broadcastOf(viewer)!;
    expect(restarted).toMatchObject({ state: 'live', startedAt: slate.startedAt });
    expect((await decodeSegment(server.baseUrl + restarted.hls!.replace(/\/master\.m3u8$/, ''), '360p', dir)).find((s) => s.codec_name === 'h264')).toBeDefined();
    expect(ladderPids()).toHaveLength(1);

    // A wrong key is refused: the encoder is turned away, the broadcast does not change.
    const rtmp = `rtmp://127.0.0.1:${rtmpPort}/live`;
    const wrong = encoder(`${rtmp}/amphi_${'x'.repeat(40)}`);
    expect(await wrong.exited).not.toBe(0);
    expect(broadcastOf(viewer)?.source).toBe('stage');

    // The room's key: the encoder replaces the stage, its H.264 passed through as `src`.
    const { key } = await owner.api.rotateStreamKey(room.id);
    let obs = encoder(`${rtmp}/${key}`);
    await viewer.next('session.updated', (m) => m.session.broadcast?.encoderConnected === true, 10_000);
    await viewer.next('session.updated', (m) => m.session.broadcast?.source === 'encoder' && m.session.broadcast.hls !== null, 20_000);
    const fromEncoder = broadcastOf(viewer)!;
    expect(fromEncoder.hls).not.toBe(slate.hls);
    const master = masterVariants(await (await fetch(server.baseUrl + fromEncoder.hls!)).text());
    expect(Object.keys(master)).toEqual(['src', '360p']);
    expect(master.src).toMatch(/RESOLUTION=320x180.*CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    const base = server.baseUrl + fromEncoder.hls!.replace(/\/master\.m3u8$/, '');
    expect((await decodeSegment(base, 'src', dir)).find((s) => s.codec_name === 'h264')).toMatchObject({ width: 320, height: 180 });
    expect((await decodeSegment(base, '360p', dir)).find((s) => s.codec_name === 'h264')).toMatchObject({ width: 640, height: 360 });

    // The encoder drops and comes back within the grace: the same broadcast goes on from it.
    obs.child.kill('SIGKILL');
    await viewer.next('session.updated', (m) => m.session.broadcast?.encoderConnected === false, 15_000);
    expect(broadcastOf(viewer)).toMatchObject({ state: 'live', source: 'encoder' });
    obs = encoder(`${rtmp}/${key}`);
    await viewer.next('session.updated', (m) => m.session.broadcast?.encoderConnected === true, 10_000);
    await viewer.next('session.updated', (m) => !!m.session.broadcast?.hls && m.session.broadcast.hls !== fromEncoder.hls, 20_000);
    const resumed = broadcastOf(viewer)!;
    expect(resumed).toMatchObject({ state: 'live', source: 'encoder', startedAt: fromEncoder.startedAt });
    expect((await decodeSegment(server.baseUrl + resumed.hls!.replace(/\/master\.m3u8$/, ''), 'src', dir))[0]).toBeDefined();
    // Never two ladders for one broadcast: one ffmpeg reads the encoder's stream.
    expect(server.hls.size).toBe(1);

    // A revoked key is refused from then on.
    obs.child.kill('SIGKILL');
    await viewer.next('session.updated', (m) => m.session.broadcast?.encoderConnected === false, 15_000);
    await owner.api.revokeStreamKey(room.id);
    const revoked = encoder(`${rtmp}/${key}`);
    expect(await revoked.exited).not.toBe(0);

    // The moderator stops it: viewers see the end, the HLS stream is gone.
    moderator.send({ type: 'broadcast.stop', id: 'stop' });
    await moderator.ack('stop');
    await viewer.next('session.updated', (m) => m.session.broadcast?.state === 'ended');
    await until(() => server.hls.size === 0, 'the HLS stream to be unpublished', 10_000);
    expect((await fetch(server.baseUrl + resumed.hls!)).status).toBe(404);
    viewer.close();
    moderator.close();
  }, 150_000);

  it('shows a lecture’s audience to moderators only, and the stage to everyone', async () => {
    const { moderator, links } = await liveRoom(server, {}, 'lecture');
    const join = (name: string) => RawSocket.join(server, server.api(), { token: links.participant.token, displayName: name });
    const ann = await join('Ann');
    await moderator.next('participant.joined', (m) => m.participant.name === 'Ann');
    const bob = await join('Bob');
    await moderator.next('participant.joined', (m) => m.participant.name === 'Bob');
    const presenceOf = async (socket: RawSocket) => (await socket.next('presence')).participants.map((p) => p.name).sort();
    // Each viewer sees the stage and themselves; the moderator sees everyone.
    expect(await presenceOf(ann)).toEqual(['Ann', 'Prof. Martin']);
    expect(await presenceOf(bob)).toEqual(['Bob', 'Prof. Martin']);
    // Bob on stage: everyone is told; back in the audience and leaving: still told (Ann knew him).
    moderator.send({ type: 'participant.setRole', id: 'promote', participantId: bob.participantId, role: 'presenter' });
    await ann.next('participant.updated', (m) => m.participant.id === bob.participantId && m.participant.role === 'presenter');
    moderator.send({ type: 'participant.setRole', id: 'demote', participantId: bob.participantId, role: 'viewer' });
    await ann.next('participant.updated', (m) => m.participant.id === bob.participantId && m.participant.role === 'viewer');
    bob.send({ type: 'leave', id: 'bye' });
    await ann.next('participant.left', (m) => m.participantId === bob.participantId);
    // A viewer who never was on stage comes and goes unseen by the audience, not by the moderator.
    const cat = await join('Cat');
    await moderator.next('participant.joined', (m) => m.participant.name === 'Cat');
    cat.send({ type: 'hand.raise', id: 'hand' });
    await moderator.next('participant.updated', (m) => m.participant.id === cat.participantId && m.participant.handRaised);
    cat.send({ type: 'leave', id: 'bye' });
    await moderator.next('participant.left', (m) => m.participantId === cat.participantId);
    await expectRoomWorks(moderator, [ann]);
    expect(ann.messages.some((m) => JSON.stringify(m).includes(cat.participantId))).toBe(false);
    ann.close();
    moderator.close();
  });

  it('refuses an encoder when the room has no live lecture, and broadcasting in a classroom', async () => {
    const { owner, room, moderator } = await liveRoom(server, {}, 'classroom');
    moderator.send({ type: 'broadcast.start', id: 'classroom-start' });
    expect((await moderator.error('classroom-start')).code).toBe('INVALID_STATE');
    const lecture = await owner.api.createRoom({ title: 'Nobody here', kind: 'lecture' });
    const { key } = await owner.api.rotateStreamKey(lecture.id);
    const turnedAway = encoder(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`);
    expect(await turnedAway.exited).not.toBe(0);
    expect(room.kind).toBe('classroom');
    moderator.close();
  }, 30_000);
});
