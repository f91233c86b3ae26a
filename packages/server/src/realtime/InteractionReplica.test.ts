import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant, Role, ServerMessage } from '@amphi/protocol';
import type { InteractionCommand, InteractionEvent } from '../interaction/index.js';
import { MemoryBus, type Bus } from './bus/index.js';
import { InteractionReplica } from './InteractionReplica.js';
import type { InteractionLogStore } from './InteractionSession.js';
import type { Peer } from './Peer.js';

const LEASE_MS = 3000;
const FORWARD_TIMEOUT_MS = 1000;
const silent = { warn: () => undefined, error: () => undefined };

/** The database as the instances share it: one table, a primary key on seq (a second write of a seq fails). */
function sharedStore() {
  const rows: InteractionEvent[] = [];
  let starts = 0;
  const store: InteractionLogStore = {
    async append(_sessionId, batch) {
      if (batch.some((e) => rows.some((r) => r.seq === e.seq))) throw new Error('duplicate key value violates unique constraint');
      rows.push(...batch);
      rows.sort((x, y) => x.seq - y.seq);
    },
    async load(_sessionId, afterSeq = 0) {
      return rows.filter((r) => r.seq > afterSeq);
    },
    async lastSeq() {
      return rows.at(-1)?.seq ?? 0;
    },
    async savePoll() {},
    async deletePoll() {},
  };
  return { store, rows, ensureStarted: async () => void starts++, starts: () => starts };
}

type Shared = ReturnType<typeof sharedStore>;

/** An instance's replica of session s1, on its own connection to the bus. */
function instance(bus: Bus, shared: Shared, name: string) {
  const replica = new InteractionReplica({
    roomId: 'r1',
    bus,
    instanceId: name,
    ensureStarted: shared.ensureStarted,
    leaseMs: LEASE_MS,
    forwardTimeoutMs: FORWARD_TIMEOUT_MS,
    session: { sessionId: 's1', anonymity: 'fromPeers', store: shared.store, participant: () => undefined, log: silent },
  });
  return { replica, session: replica.session, bus };
}

/** Two instances on one bus and one store: A started first, so it leads; B, on its own connection, follows. */
async function leaderAndFollower() {
  const shared = sharedStore();
  const bus = new MemoryBus();
  const a = instance(bus, shared, 'a');
  await a.replica.started;
  const b = instance(bus.connect(), shared, 'b');
  await b.replica.started;
  return { shared, bus, a, b };
}

function person(id: string, role: Role = 'guest'): Participant {
  return { id, name: id, role, handRaised: false, mic: false, cam: false, screen: false, micLocked: false, connected: true };
}

/** A synced socket of a person on an instance: what it received. */
async function socket(at: ReturnType<typeof instance>, who: Participant) {
  const messages: ServerMessage[] = [];
  const peer: Peer = { send: (message) => messages.push(message), close: () => undefined };
  await at.session.handle(who, who.id, peer, { type: 'interaction.sync', id: 'sync' });
  const chat = () => messages.flatMap((m) => (m.type === 'interaction.events' ? m.events : [])).flatMap((e) => (e.kind === 'chat.message' ? [[e.seq, e.text] as const] : []));
  const say = async (text: string, clientId = text) => {
    await at.session.handle(who, who.id, peer, { type: 'chat.send', id: 'r', clientId, text, to: 'room' } satisfies InteractionCommand);
  };
  return { messages, chat, say };
}

/** Lets bus deliveries and store writes run (fake time does not move). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('InteractionReplica', () => {
  it('leads alone: numbers, stores and delivers, after making sure the session row exists', async () => {
    const shared = sharedStore();
    const a = instance(new MemoryBus(), shared, 'a');
    await a.replica.started;
    expect(a.replica.leading).toBe(true);
    expect(shared.starts()).toBe(1);
    const ana = await socket(a, person('ana'));
    await ana.say('hello');
    expect(ana.chat()).toEqual([[1, 'hello']]);
    expect(shared.rows.map((r) => r.seq)).toEqual([1]);
  });

  it('forwards a follower’s commands to the leader and mirrors its log: one order on both instances', async () => {
    const { shared, a, b } = await leaderAndFollower();
    expect([a.replica.leading, b.replica.leading]).toEqual([true, false]);
    const ana = await socket(a, person('ana'));
    const ben = await socket(b, person('ben'));
    await Promise.all([ana.say('a1'), ben.say('b1'), ana.say('a2'), ben.say('b2')]);
    await settle();
    expect(ben.chat()).toEqual(ana.chat());
    expect(ana.chat().map(([seq]) => seq)).toEqual([1, 2, 3, 4]);
    // A forwarded command resolves once its event is in the follower's log.
    await ben.say('b3');
    expect(b.session.lastSeq).toBe(5);
    expect(shared.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('relays the leader’s refusal with its code, and a rate limit with its delay', async () => {
    const { b } = await leaderAndFollower();
    const ben = await socket(b, person('ben'));
    await expect(b.session.handle(person('ben'), 'ben', { send: () => undefined, close: () => undefined }, { type: 'chat.delete', id: 'd', seq: 1 })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    for (let i = 0; i < 5; i++) await ben.say(`m${i}`);
    await expect(ben.say('one too many')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
  });

  it('starts a follower from the stored log, then mirrors what comes next', async () => {
    const shared = sharedStore();
    const bus = new MemoryBus();
    const a = instance(bus, shared, 'a');
    await a.replica.started;
    const ana = await socket(a, person('ana'));
    await ana.say('before b');
    const b = instance(bus.connect(), shared, 'b');
    const ben = await socket(b, person('ben'));
    expect(ben.messages[0]).toMatchObject({ type: 'interaction.snapshot', lastSeq: 1, chat: [expect.objectContaining({ text: 'before b' })] });
    await ana.say('after');
    await settle();
    expect(ben.chat()).toEqual([[2, 'after']]);
  });

  it('fills a batch lost on the bus from the store, in order', async () => {
    const { bus, a, b } = await leaderAndFollower();
    const ben = await socket(b, person('ben'));
    const ana = await socket(a, person('ana', 'moderator'));
    // The next batch published on the session's channel never reaches B.
    const publish = bus.publish.bind(bus);
    let dropped = 0;
    bus.publish = async (channel, message) => {
      if (dropped === 0 && message.includes('"type":"batch"')) {
        dropped++;
        return;
      }
      return publish(channel, message);
    };
    await ana.say('lost on the way');
    await settle();
    expect(ben.chat()).toEqual([]);
    await ana.say('next');
    await settle();
    expect(ben.chat()).toEqual([
      [1, 'lost on the way'],
      [2, 'next'],
    ]);
  });

  it('catches up from the store when the last batch is lost, at the leader’s next renewal', async () => {
    const { bus, a, b } = await leaderAndFollower();
    const ben = await socket(b, person('ben'));
    const publish = bus.publish.bind(bus);
    bus.publish = async (channel, message) => (message.includes('"type":"batch"') ? undefined : publish(channel, message));
    await (await socket(a, person('ana'))).say('only in the store');
    await settle();
    expect(ben.chat()).toEqual([]);
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    expect(ben.chat()).toEqual([[1, 'only in the store']]);
  });

  it('tells a follower’s client to retry when the leader does not answer; the retry is stored once', async () => {
    const { shared, bus, b } = await leaderAndFollower();
    const ben = await socket(b, person('ben'));
    // The leader's answers are lost (its command is recorded all the same).
    const publish = bus.publish.bind(bus);
    bus.publish = async (channel, message) => (message.includes('"type":"reply"') ? undefined : publish(channel, message));
    const first = ben.say('hello', 'c1');
    const refused = expect(first).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1000 });
    await vi.advanceTimersByTimeAsync(FORWARD_TIMEOUT_MS);
    await refused;
    bus.publish = publish;
    await ben.say('hello', 'c1');
    expect(shared.rows.map((r) => [r.seq, r.clientId])).toEqual([[1, 'c1']]);
    expect(ben.chat()).toEqual([[1, 'hello']]);
  });

  it('hands the lead over when the leader dies: the follower catches up and numbering continues', async () => {
    const shared = sharedStore();
    const bus = new MemoryBus();
    const aBus = bus.connect();
    const a = instance(aBus, shared, 'a');
    await a.replica.started;
    const b = instance(bus.connect(), shared, 'b');
    await b.replica.started;
    const ana = await socket(a, person('ana'));
    const ben = await socket(b, person('ben'));
    await ana.say('one');
    await ben.say('two');
    // A dies: its connection is gone, its timers never run again; its last batch was stored, not published.
    await aBus.close();
    a.session.close();
    shared.rows.push({ seq: 3, kind: 'chat.message', actorId: 'ana', clientId: 'three', at: Date.now(), mediaTime: Date.now(), payload: { text: 'three', to: 'room', name: 'ana', role: 'guest' } });
    // Nobody answers until A's lease lapses: Ben's client is told to retry, and does.
    const sent = ben.say('four').then(
      () => 'stored',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(LEASE_MS + LEASE_MS / 3);
    expect(await sent).toMatchObject({ code: 'RATE_LIMITED' });
    await ben.say('four');
    expect(b.replica.leading).toBe(true);
    expect(shared.starts()).toBe(2);
    expect(ben.chat()).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, 'four'],
    ]);
    expect(shared.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('gives the lead up on close: another instance takes it at once', async () => {
    const { a, b } = await leaderAndFollower();
    a.session.close();
    await settle();
    expect(b.replica.leading).toBe(true);
    const ben = await socket(b, person('ben'));
    await ben.say('here');
    expect(ben.chat()).toEqual([[1, 'here']]);
  });

  it('steps down when another instance wrote the seq it meant to write, and continues from the store', async () => {
    const shared = sharedStore();
    const a = instance(new MemoryBus(), shared, 'a');
    await a.replica.started;
    const ana = await socket(a, person('ana'));
    // Someone else stored seq 1 meanwhile (a former leader's last write).
    const other: InteractionEvent = { seq: 1, kind: 'chat.message', actorId: 'zoe', clientId: 'z', at: Date.now(), mediaTime: Date.now(), payload: { text: 'from before', to: 'room', name: 'zoe', role: 'guest' } };
    shared.rows.push(other);
    await expect(ana.say('mine')).rejects.toThrow(/duplicate key/);
    await settle();
    expect(a.replica.leading).toBe(true);
    await ana.say('mine');
    expect(ana.chat()).toEqual([
      [1, 'from before'],
      [2, 'mine'],
    ]);
  });

  it('adds the reactions counted on the other instances to what its sockets are shown', async () => {
    const shared = sharedStore();
    const bus = new MemoryBus();
    const a = instance(bus, shared, 'a');
    const b = instance(bus.connect(), shared, 'b');
    await Promise.all([a.replica.started, b.replica.started]);
    const ana = await socket(a, person('ana'));
    const ben = await socket(b, person('ben'));
    a.session.react({ participantId: 'ana', key: 'ana', name: 'ana', role: 'guest' }, 'clap');
    b.session.react({ participantId: 'ben', key: 'ben', name: 'ben', role: 'guest' }, 'clap');
    b.session.react({ participantId: 'ben', key: 'ben', name: 'ben', role: 'guest' }, 'heart');
    await vi.advanceTimersByTimeAsync(2000);
    for (const s of [ana, ben]) {
      const tallies = s.messages.filter((m) => m.type === 'interaction.reactions');
      const sum = (name: 'clap' | 'heart') => tallies.reduce((n, m) => n + (m.counts[name] ?? 0), 0);
      expect([sum('clap'), sum('heart')]).toEqual([2, 1]);
    }
  });
});
