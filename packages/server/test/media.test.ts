import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { MAX_MESSAGE_BYTES, MAX_SDP_MESSAGE_BYTES } from '@amphi/protocol';
import { liveRoom } from './helpers.js';
import { startServer, type TestServer } from './harness.js';
import { JanusProcess } from '../src/media/janus/JanusProcess.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A browser-like offer (no trickle) with the given sending sections, enough for Janus to answer. */
function offer(sections: ('audio' | 'video')[]): string {
  const fingerprint = createHash('sha256').update(randomBytes(16)).digest('hex').toUpperCase().match(/../g)!.join(':');
  const ufrag = randomBytes(4).toString('hex');
  const pwd = randomBytes(12).toString('hex');
  const lines = ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', `a=group:BUNDLE ${sections.map((_, i) => i).join(' ')}`, 'a=msid-semantic: WMS amphi'];
  sections.forEach((kind, mid) => {
    const [pt, codec] = kind === 'audio' ? [111, 'opus/48000/2'] : [96, 'VP8/90000'];
    lines.push(
      `m=${kind} 9 UDP/TLS/RTP/SAVPF ${pt}`,
      'c=IN IP4 0.0.0.0',
      `a=ice-ufrag:${ufrag}`,
      `a=ice-pwd:${pwd}`,
      `a=fingerprint:sha-256 ${fingerprint}`,
      'a=setup:actpass',
      `a=mid:${mid}`,
      'a=sendonly',
      'a=rtcp-mux',
      `a=rtpmap:${pt} ${codec}`,
      `a=ssrc:${1000 + mid} cname:amphi`,
      `a=msid:amphi track${mid}`,
    );
  });
  return lines.join('\r\n') + '\r\n';
}

describe('media requests', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ turnUrls: ['turn:turn.example.edu:3478?transport=udp'], turnSecret: 'turn-secret', turnTtlS: 600 });
  });
  afterAll(() => server.close());

  it('gives each person short-lived TURN credentials in the welcome', async () => {
    const { moderator } = await liveRoom(server);
    const welcome = moderator.welcome;
    expect(welcome.iceServers).toEqual([{ urls: ['turn:turn.example.edu:3478?transport=udp'], username: expect.stringMatching(/^\d+:/), credential: expect.any(String) }]);
    const expiry = Number(welcome.iceServers[0]!.username!.split(':')[0]);
    expect(expiry * 1000).toBeGreaterThan(Date.now() + 590_000);
    expect(expiry * 1000).toBeLessThan(Date.now() + 610_000);
    moderator.close();
  });

  it('refuses media from a viewer, before it reaches the media server', async () => {
    const { guest, moderator } = await liveRoom(server);
    const viewer = await guest('Val');
    moderator.send({ type: 'participant.setRole', id: 'r', participantId: viewer.participantId, role: 'viewer' });
    await moderator.ack('r');
    await viewer.next('presence', (m) => !m.permissions.includes('media.camera'));
    viewer.send({ type: 'media.publish', id: 'p', sdp: offer(['audio', 'video']), sources: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }] });
    expect((await viewer.error('p')).code).toBe('NOT_ALLOWED');
    viewer.close();
    moderator.close();
  });

  it('refuses a screen share without the permission and media that was not declared', async () => {
    const { guest } = await liveRoom(server, { screenShare: 'presenters' });
    const ann = await guest('Ann');
    ann.send({ type: 'media.publish', id: 's', sdp: offer(['video']), sources: [{ mid: '0', source: 'screen' }] });
    expect((await ann.error('s')).code).toBe('NOT_ALLOWED');
    ann.send({ type: 'media.publish', id: 'u', sdp: offer(['audio', 'video']), sources: [{ mid: '0', source: 'mic' }] });
    expect((await ann.error('u')).code).toBe('MEDIA_REJECTED');
    ann.close();
  });

  it('accepts the large answers of a big classroom (~620 bytes per received stream), and refuses what is beyond', async () => {
    const { moderator } = await liveRoom(server);
    // 60 streams (30 people with a microphone and a camera): a ~40 KB answer passes the size
    // checks and the schema, and is refused only because no offer waits for it.
    const answer = 'v=0\r\n' + 'a=x:'.padEnd(620, 'y').concat('\r\n').repeat(64);
    expect(answer.length).toBeGreaterThan(MAX_MESSAGE_BYTES * 2);
    moderator.send({ type: 'media.subscriberAnswer', id: 'big', sdp: answer });
    expect((await moderator.error('big')).code).toBe('INVALID_STATE');
    moderator.send(JSON.stringify({ type: 'media.subscriberAnswer', id: 'huge', sdp: 'x'.repeat(MAX_SDP_MESSAGE_BYTES) }));
    expect((await moderator.next('error', (m) => m.code === 'MESSAGE_TOO_LARGE')).code).toBe('MESSAGE_TOO_LARGE');
    // Only SDP messages get the larger cap.
    moderator.send(JSON.stringify({ type: 'hand.raise', id: 'padded', pad: 'x'.repeat(MAX_MESSAGE_BYTES) }));
    expect((await moderator.error('padded')).code).toBe('MESSAGE_TOO_LARGE');
    moderator.close();
  });

  it('publishes through Janus: an answer comes back, then the ack', async () => {
    const { moderator } = await liveRoom(server);
    moderator.send({ type: 'media.publish', id: 'pub', sdp: offer(['audio', 'video']), sources: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }] });
    const answer = await moderator.next('media.answer', () => true, 15_000);
    expect(answer.sdp).toContain('a=mid:0');
    expect(answer.sdp).toContain('a=mid:1');
    expect(answer.sdp).toMatch(/a=recvonly/);
    await moderator.ack('pub');
    // Renegotiating on the same connection is accepted too.
    moderator.send({ type: 'media.state', id: 'mic', mic: true });
    await moderator.ack('mic');
    moderator.send({ type: 'media.receive', id: 'recv' });
    await moderator.ack('recv');
    moderator.close();
  });

  it('rebuilds the room after Janus dies: everyone is told to publish again, and publishing works', async () => {
    const { moderator, guest } = await liveRoom(server);
    const ann = await guest('Ann');
    const sources = [{ mid: '0', source: 'mic' as const }, { mid: '1', source: 'camera' as const }];
    moderator.send({ type: 'media.publish', id: 'first', sdp: offer(['audio', 'video']), sources });
    await moderator.ack('first');
    const pid = janusPid(server);
    process.kill(pid, 'SIGKILL');
    await moderator.next('media.reset', (m) => m.reason === 'restarted', 10_000);
    await ann.next('media.reset', () => true, 10_000);
    moderator.send({ type: 'media.publish', id: 'again', sdp: offer(['audio', 'video']), sources, fresh: true });
    await moderator.next('media.answer', () => true, 15_000);
    await moderator.next('ack', (m) => m.id === 'again', 15_000);
    expect(janusPid(server)).not.toBe(pid);
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^amphi_janus_restarts 1$/m);
    expect(metrics).toMatch(/^amphi_janus_connected 1$/m);
    moderator.close();
    ann.close();
  });
});

describe('media on external Janus hosts', () => {
  it('drives Janus servers listed in the configuration (URL, API secret, admin key) instead of its own', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'amphi-external-janus-'));
    const janus = new JanusProcess({ workDir });
    const external = await janus.start();
    const server = await startServer({ janusUrls: [external.url], janusApiSecret: external.apiSecret, janusAdminKey: external.adminKey });
    try {
      const { moderator } = await liveRoom(server);
      moderator.send({ type: 'media.publish', id: 'pub', sdp: offer(['audio', 'video']), sources: [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }] });
      expect((await moderator.next('media.answer', () => true, 15_000)).sdp).toContain('a=mid:1');
      await moderator.ack('pub');
      // Amphi started no Janus of its own.
      expect(() => janusPid(server)).toThrow();
      moderator.close();
    } finally {
      await server.close();
      await janus.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

/** The PID of the Janus this test server started (its configuration is in the server's data folder). */
function janusPid(server: TestServer): number {
  // pgrep exits with 1 (throws) when there is none.
  const out = execFileSync('pgrep', ['-f', `janus -F ${path.join(server.config.dataDir, 'janus')}`], { encoding: 'utf8' }).trim().split('\n');
  expect(out).toHaveLength(1);
  return Number(out[0]);
}
