import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent, PollDraft, PollView } from '@amphi/protocol';
import { GUEST_COOKIE } from '../src/api/index.js';
import { startServer, type TestServer } from './harness.js';
import { RawSocket, liveRoom, rawSignUp, syncInteraction, until } from './helpers.js';
import { inProcess, ok, receivedEvents, type Instance, type TwoInstances } from './twoInstances.js';
import { decodeJwt } from 'jose';

// A viewer without an account is one voter per browser: POST /api/join gives the browser a
// guest cookie and puts its keyed hash (the guest key) in the ticket, then in resume tokens.

let server: TestServer;
beforeAll(async () => {
  // One proxy hop trusted, so a request can say it came over https (X-Forwarded-Proto).
  server = await startServer({ trustProxy: 1 });
});
afterAll(async () => server?.close());

interface GuestJoin {
  socket: RawSocket;
  ticket: string;
  /** The Set-Cookie line of the guest cookie (undefined when none was set). */
  setCookie: string | undefined;
  /** The guest cookie value the browser keeps afterwards. */
  cookie: string | undefined;
}

/** What a browser does: POST /api/join with the cookies it has, then hello on /ws. */
async function join(at: Pick<Instance, 'baseUrl'>, linkToken: string, name: string, options: { cookie?: string; headers?: Record<string, string> } = {}): Promise<GuestJoin> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.cookie !== undefined) headers.cookie = [headers.cookie, `${GUEST_COOKIE}=${options.cookie}`].filter(Boolean).join('; ');
  const res = await fetch(`${at.baseUrl}/api/join`, { method: 'POST', headers, body: JSON.stringify({ token: linkToken, displayName: name }) });
  const body = (await res.json()) as { ticket?: string };
  if (res.status !== 200 || !body.ticket) throw new Error(`join failed: ${res.status} ${JSON.stringify(body)}`);
  const setCookie = res.headers.getSetCookie().find((line) => line.startsWith(`${GUEST_COOKIE}=`));
  const socket = await RawSocket.open(at);
  socket.send({ type: 'hello', ticket: body.ticket });
  await socket.next('welcome');
  const cookie = setCookie ? /^[^=]+=([^;]*)/.exec(setCookie)?.[1] : options.cookie;
  return { socket, ticket: body.ticket, setCookie, cookie };
}

const draft: PollDraft = { question: 'Which is a prime?', options: ['4', '7', '9'], kind: 'single' };

/** The poll as a socket sees it in a fresh snapshot. */
async function pollIn(socket: RawSocket, pollId: string): Promise<PollView | undefined> {
  const answer = await syncInteraction(socket);
  if (answer.type !== 'interaction.snapshot') throw new Error('expected a snapshot');
  return answer.polls.find((p) => p.id === pollId);
}

/** A moderator's poll, created and opened; returns its id. */
async function openPoll(moderator: RawSocket): Promise<string> {
  await syncInteraction(moderator);
  await ok(moderator, { type: 'poll.create', clientId: randomUUID(), draft });
  const created = receivedEvents(moderator).findLast((e): e is Extract<InteractionEvent, { kind: 'poll' }> => e.kind === 'poll');
  if (!created) throw new Error('no poll created');
  await ok(moderator, { type: 'poll.act', pollId: created.pollId, action: 'open' });
  return created.pollId;
}

describe('POST /api/join for a person without an account', () => {
  it('gives the browser an HttpOnly, SameSite=Lax guest cookie for /api/join only, kept 30 days, and its hash in the ticket', async () => {
    const { links } = await liveRoom(server);
    const first = await join(server, links.participant.token, 'Alice');
    expect(first.cookie).toMatch(/^[\w-]{22}$/);
    const attributes = first.setCookie!.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/api/join', `max-age=${30 * 24 * 3600}`]));
    expect(attributes).not.toContain('secure');
    const gk = decodeJwt(first.ticket).gk;
    expect(gk).toEqual(expect.stringMatching(/^g:[\w-]{43}$/));
    expect(gk).not.toContain(first.cookie);
    // The same browser again: the same cookie (another 30 days), the same key.
    const again = await join(server, links.participant.token, 'Alice', { cookie: first.cookie! });
    expect(again.cookie).toBe(first.cookie);
    expect(decodeJwt(again.ticket).gk).toBe(gk);
  });

  it('marks the guest cookie Secure when the request came over https', async () => {
    const { links } = await liveRoom(server);
    const { setCookie } = await join(server, links.participant.token, 'Alice', { headers: { 'x-forwarded-proto': 'https' } });
    expect(setCookie!.split(';').map((a) => a.trim().toLowerCase())).toContain('secure');
  });

  it('replaces a cookie value it could not have set with a fresh one', async () => {
    const { links } = await liveRoom(server);
    for (const forged of ['short', 'x'.repeat(40), 'not%20base64url%21%21%21%21%21%21%21%21']) {
      const { cookie, ticket } = await join(server, links.participant.token, 'Mallory', { cookie: forged });
      expect(cookie).toMatch(/^[\w-]{22}$/);
      expect(cookie).not.toBe(forged);
      expect(decodeJwt(ticket).gk).toBe(server.signer.guestKey(cookie!));
    }
  });

  it('sets no guest cookie for a signed-in person, whose ticket carries their account instead', async () => {
    const { links } = await liveRoom(server);
    const session = await rawSignUp(server);
    const { setCookie, ticket } = await join(server, links.participant.token, 'Chloé', {
      cookie: 'AAAAAAAAAAAAAAAAAAAAAA',
      headers: { cookie: `amphi_session=${session.cookie}`, 'x-csrf-token': session.csrfToken },
    });
    expect(setCookie).toBeUndefined();
    expect(decodeJwt(ticket)).toMatchObject({ uid: session.user.id });
    expect(decodeJwt(ticket)).not.toHaveProperty('gk');
  });
});

describe('a guest voter', () => {
  it('is one voter in two tabs of one browser and after a reconnection; another browser is another voter', async () => {
    const { links, moderator } = await liveRoom(server);
    const tab1 = await join(server, links.participant.token, 'Alice');
    const tab2 = await join(server, links.participant.token, 'Alice', { cookie: tab1.cookie! });
    const bob = await join(server, links.participant.token, 'Bob');
    expect(tab2.socket.participantId).not.toBe(tab1.socket.participantId);
    for (const { socket } of [tab1, tab2, bob]) await syncInteraction(socket);
    const pollId = await openPoll(moderator);

    // The second tab changes the ballot of the first.
    await ok(tab1.socket, { type: 'poll.vote', pollId, choices: [0] });
    await ok(tab2.socket, { type: 'poll.vote', pollId, choices: [1] });
    expect((await pollIn(moderator, pollId))?.results).toEqual({ counts: [0, 1, 0], voters: 1, correctVoters: null });
    expect((await pollIn(tab1.socket, pollId))?.myChoices).toEqual([1]);

    await ok(bob.socket, { type: 'poll.vote', pollId, choices: [2] });
    expect((await pollIn(moderator, pollId))?.results).toMatchObject({ counts: [0, 1, 1], voters: 2 });

    // The first tab's connection drops; it takes its place back and votes again: still one ballot.
    tab1.socket.terminate();
    const resumed = await RawSocket.open(server);
    resumed.send({ type: 'resume', resumeToken: tab1.socket.welcome.resumeToken });
    const welcome = await resumed.next('welcome');
    expect(decodeJwt(welcome.resumeToken).gk).toBe(decodeJwt(tab1.ticket).gk);
    await syncInteraction(resumed);
    await ok(resumed, { type: 'poll.vote', pollId, choices: [0] });
    expect((await pollIn(moderator, pollId))?.results).toMatchObject({ counts: [1, 0, 1], voters: 2 });
    for (const s of [moderator, tab2.socket, bob.socket, resumed]) s.close();
  });

  it('made up by a client (a well-formed cookie it chose) is a voter of its own, not anyone else', async () => {
    const { links, moderator } = await liveRoom(server);
    const alice = await join(server, links.participant.token, 'Alice');
    const madeUp = await join(server, links.participant.token, 'Mallory', { cookie: 'M'.repeat(22) });
    expect(madeUp.cookie).toBe('M'.repeat(22));
    expect(decodeJwt(madeUp.ticket).gk).not.toBe(decodeJwt(alice.ticket).gk);
    for (const { socket } of [alice, madeUp]) await syncInteraction(socket);
    const pollId = await openPoll(moderator);
    await ok(alice.socket, { type: 'poll.vote', pollId, choices: [0] });
    await ok(madeUp.socket, { type: 'poll.vote', pollId, choices: [1] });
    expect((await pollIn(moderator, pollId))?.results).toMatchObject({ counts: [1, 1, 0], voters: 2 });
    expect((await pollIn(alice.socket, pollId))?.myChoices).toEqual([0]);
  });

  it('has a key and a cookie no other participant ever receives', async () => {
    const { links, moderator } = await liveRoom(server);
    const bob = await join(server, links.participant.token, 'Bob');
    const alice = await join(server, links.participant.token, 'Alice');
    const tab2 = await join(server, links.participant.token, 'Alice', { cookie: alice.cookie! });
    await moderator.next('participant.joined', (m) => m.participant.id === tab2.socket.participantId);
    for (const s of [moderator, bob.socket, alice.socket, tab2.socket]) await syncInteraction(s);
    const pollId = await openPoll(moderator);
    await ok(alice.socket, { type: 'poll.vote', pollId, choices: [1] });
    await ok(alice.socket, { type: 'question.ask', clientId: randomUUID(), text: 'Why is 9 not prime?', anonymous: false });
    await ok(alice.socket, { type: 'hand.raise' });
    await until(() => bob.socket.messages.some((m) => m.type === 'participant.updated' && m.participant.id === alice.socket.participantId && m.participant.handRaised), 'the raised hand at Bob');
    const gk = String(decodeJwt(alice.ticket).gk);
    for (const other of [moderator, bob.socket]) {
      const seen = JSON.stringify(other.messages);
      expect(seen).toContain(alice.socket.participantId);
      expect(seen).not.toContain(gk);
      expect(seen).not.toContain(alice.cookie);
    }
    // Not even Alice's own messages name it (only her tokens carry it).
    expect(JSON.stringify(alice.socket.messages.filter((m) => m.type !== 'welcome'))).not.toContain(gk);
  });
});

describe('a guest voter across two instances', () => {
  let two: TwoInstances;
  beforeAll(async () => {
    two = await inProcess();
  });
  afterAll(async () => two?.close());

  it('keeps their key when a tab joins on the other instance and when a resume lands there', async () => {
    const { a, b } = two;
    const { links, moderator } = await liveRoom(a);
    const tab1 = await join(a, links.participant.token, 'Alice');
    const tab2 = await join(b, links.participant.token, 'Alice', { cookie: tab1.cookie! });
    expect(decodeJwt(tab2.ticket).gk).toBe(decodeJwt(tab1.ticket).gk);
    for (const { socket } of [tab1, tab2]) await syncInteraction(socket);
    const pollId = await openPoll(moderator);
    await until(async () => (await pollIn(tab2.socket, pollId))?.state === 'open', 'the poll open on B');

    await ok(tab1.socket, { type: 'poll.vote', pollId, choices: [0] });
    await ok(tab2.socket, { type: 'poll.vote', pollId, choices: [1] });
    // Votes are applied in order: once the second shows, the first was counted before it.
    let results: PollView['results'] = null;
    await until(async () => (results = (await pollIn(moderator, pollId))?.results ?? null)?.counts[1] === 1, 'the vote from B');
    expect(results).toMatchObject({ counts: [0, 1, 0], voters: 1 });

    // The balancer sends tab1's new connection to B: B takes the person back from the token alone.
    tab1.socket.terminate();
    const moved = await RawSocket.open(b);
    moved.send({ type: 'resume', resumeToken: tab1.socket.welcome.resumeToken });
    const welcome = await moved.next('welcome');
    expect(welcome.participantId).toBe(tab1.socket.participantId);
    expect(decodeJwt(welcome.resumeToken).gk).toBe(decodeJwt(tab1.ticket).gk);
    await syncInteraction(moved);
    await ok(moved, { type: 'poll.vote', pollId, choices: [2] });
    await until(async () => (results = (await pollIn(moderator, pollId))?.results ?? null)?.counts[2] === 1, 'the vote after the move');
    expect(results).toMatchObject({ counts: [0, 0, 1], voters: 1 });
    for (const s of [moderator, tab2.socket, moved]) s.close();
  });
});
