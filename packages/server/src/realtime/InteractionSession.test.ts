import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AmphiError, type InteractionEvent as WireEvent, type Participant, type Role, type ServerMessage } from '@amphi/protocol';
import type { InteractionEvent } from '../interaction/index.js';
import { InteractionSession, type InteractionMessage, type InteractionSessionOptions } from './InteractionSession.js';
import type { Peer } from './Peer.js';

/** A command whose client id may be left out (the tests do not retry). */
type WithoutClientId<T> = T extends unknown ? Omit<T, 'clientId'> & { clientId?: string } : never;

const silent = { warn: () => undefined, error: () => undefined };

function person(id: string, role: Role, userId?: string): Participant {
  return { id, name: id, role, ...(userId ? { userId } : {}), handRaised: false, mic: false, cam: false, screen: false, micLocked: false, connected: true };
}

function fakePeer() {
  const messages: ServerMessage[] = [];
  const peer: Peer = { send: (message) => messages.push(message), close: () => undefined };
  const events = () => messages.flatMap((m) => (m.type === 'interaction.events' ? m.events : []));
  return { peer, messages, events };
}

function session(options: Partial<InteractionSessionOptions> = {}) {
  let ids = 0;
  return new InteractionSession({ sessionId: 's1', anonymity: 'fromPeers', store: null, participant: () => undefined, log: silent, newId: () => `id-${++ids}`, ...options });
}

/** Joins a person to a session: a socket, synced (as RoomHub keys a person: account, else participant). */
function join(s: InteractionSession, who: Participant, lastSeq?: number) {
  const socket = fakePeer();
  const key = who.userId ?? who.id;
  void s.handle(who, key, socket.peer, { type: 'interaction.sync', ...(lastSeq !== undefined ? { lastSeq } : {}) });
  const act = (message: WithoutClientId<InteractionMessage>) => s.handle(who, key, socket.peer, message as InteractionMessage);
  return { ...socket, act };
}

const texts = (events: WireEvent[]) => events.map((e) => (e.kind === 'chat.message' ? e.text : e.kind));

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('InteractionSession', () => {
  it('answers a first sync with a snapshot, then sends events; a later sync gets what was missed', async () => {
    const s = session();
    const mod = join(s, person('mod', 'moderator'));
    expect(mod.messages[0]).toMatchObject({ type: 'interaction.snapshot', lastSeq: 0, chat: [] });
    await mod.act({ type: 'chat.send', clientId: 'c1', text: 'one', to: 'room' });
    await mod.act({ type: 'chat.send', clientId: 'c2', text: 'two', to: 'room' });
    expect(texts(mod.events())).toEqual(['one', 'two']);
    const back = join(s, person('ana', 'guest'), 1);
    expect(back.messages).toEqual([{ type: 'interaction.events', events: [expect.objectContaining({ seq: 2, text: 'two' })], lastSeq: 2 }]);
    // A seq the session never had (another session's): a snapshot.
    const lost = join(s, person('ben', 'guest'), 99);
    expect(lost.messages[0]).toMatchObject({ type: 'interaction.snapshot', lastSeq: 2 });
  });

  it('stamps events with the wall clock as media time (the programme clock of a live session)', async () => {
    const s = session();
    const mod = join(s, person('mod', 'moderator'));
    await mod.act({ type: 'chat.send', clientId: 'c1', text: 'now', to: 'room' });
    expect(mod.events()[0]).toMatchObject({ at: 1_000_000, mediaTime: 1_000_000 });
  });

  it('keys a signed-in person by account: their second tab is the same voter', async () => {
    const s = session();
    const mod = join(s, person('mod', 'moderator'));
    const tab1 = join(s, person('tab1', 'participant', 'user-1'));
    const tab2 = join(s, person('tab2', 'participant', 'user-1'));
    await mod.act({ type: 'poll.create', clientId: 'p', draft: { question: 'Q?', options: ['a', 'b'], kind: 'single' } });
    await mod.act({ type: 'poll.act', pollId: 'id-1', action: 'open' });
    await tab1.act({ type: 'poll.vote', pollId: 'id-1', choices: [0] });
    await tab2.act({ type: 'poll.vote', pollId: 'id-1', choices: [1] });
    expect(mod.events().at(-1)).toMatchObject({ poll: { results: { counts: [0, 1], voters: 1 } } });
    expect(tab1.events().at(-1)).toMatchObject({ personal: true, poll: { myChoices: [1] } });
  });

  it('closes a poll when its timer runs out, once', async () => {
    const s = session();
    const mod = join(s, person('mod', 'moderator'));
    await mod.act({ type: 'poll.create', clientId: 'p', draft: { question: 'Quick?', options: ['yes', 'no'], kind: 'single', durationMs: 10_000 } });
    await mod.act({ type: 'poll.act', pollId: 'id-1', action: 'open' });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(mod.events().filter((e) => e.kind === 'poll' && e.change === 'closed')).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(mod.events().filter((e) => e.kind === 'poll' && e.change === 'closed')).toEqual([expect.objectContaining({ poll: expect.objectContaining({ closedAt: 1_010_000 }) })]);
  });

  it('sends the reactions of each second as one tally, and nothing in a quiet second', async () => {
    const s = session();
    const ana = join(s, person('ana', 'viewer'));
    const ben = join(s, person('ben', 'viewer'));
    await ana.act({ type: 'reaction.send', reaction: 'clap' });
    await ben.act({ type: 'reaction.send', reaction: 'clap' });
    await ben.act({ type: 'reaction.send', reaction: 'heart' });
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    const tallies = ana.messages.filter((m) => m.type === 'interaction.reactions');
    expect(tallies).toEqual([{ type: 'interaction.reactions', counts: { clap: 2, heart: 1 }, total: 3, mediaTime: 1_001_000 }]);
  });

  it('refuses a reaction beyond the limit with RATE_LIMITED and a delay', async () => {
    const s = session();
    const ana = join(s, person('ana', 'viewer'));
    for (let i = 0; i < 10; i++) await ana.act({ type: 'reaction.send', reaction: 'heart' });
    expect(() => ana.act({ type: 'reaction.send', reaction: 'heart' })).toThrow(expect.objectContaining({ code: 'RATE_LIMITED', retryAfterMs: 500 }));
  });

  it('refuses everything once closed, and closes once', async () => {
    const s = session();
    const mod = join(s, person('mod', 'moderator'));
    s.close();
    s.close();
    expect(s.closed).toBe(true);
    await expect(mod.act({ type: 'chat.send', clientId: 'x', text: 'late', to: 'room' })).rejects.toBeInstanceOf(AmphiError);
    expect(() => mod.act({ type: 'interaction.sync' })).toThrow(AmphiError);
  });
});

describe('InteractionSession across instances (the seams)', () => {
  /** A leader and a follower joined by hand the way a bus would join them. */
  function pair() {
    const published: InteractionEvent[][] = [];
    const follower: InteractionSession = session({
      follower: true,
      forward: (actor, command) => leader.submit(actor, command),
    });
    const leader: InteractionSession = session({
      published: (batch) => {
        published.push([...batch]);
        follower.receive(batch);
      },
    });
    return { leader, follower, published };
  }

  it('delivers what the leader commits to the follower\'s sockets, in the same order', async () => {
    const { leader, follower, published } = pair();
    const here = join(leader, person('mod', 'moderator'));
    const there = join(follower, person('ana', 'guest'));
    await here.act({ type: 'chat.send', clientId: 'c1', text: 'from the leader', to: 'room' });
    await there.act({ type: 'chat.send', clientId: 'c2', text: 'from the follower', to: 'room' });
    expect(texts(there.events())).toEqual(['from the leader', 'from the follower']);
    expect(there.events()).toEqual(here.events());
    expect(published.flat().map((e) => e.seq)).toEqual([1, 2]);
    expect(follower.since(0)).toEqual(leader.since(0));
  });

  it('reports a gap instead of skipping events', async () => {
    const leader = session();
    const mod = join(leader, person('mod', 'moderator'));
    for (const text of ['a', 'b']) await mod.act({ type: 'chat.send', clientId: text, text, to: 'room' });
    const all = leader.since(0);
    if (!all.complete) throw new Error('expected the log');
    const follower = session({ follower: true });
    expect(follower.receive(all.events.slice(1))).toEqual({ ok: false, gap: { expected: 1, got: 2 } });
    expect(follower.receive(all.events)).toEqual({ ok: true, added: 2 });
  });

  it('continues the numbering when the follower takes the lead', async () => {
    const { leader, follower } = pair();
    const here = join(leader, person('mod', 'moderator'));
    await here.act({ type: 'chat.send', clientId: 'c1', text: 'before', to: 'room' });
    leader.close();
    follower.lead();
    const there = join(follower, person('mod2', 'moderator'), 1);
    await there.act({ type: 'chat.send', clientId: 'c2', text: 'after', to: 'room' });
    expect(there.events()).toEqual([expect.objectContaining({ seq: 2, text: 'after' })]);
  });
});
