import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from './MemoryBus.js';
import { SharedSessions, liveSessionIds, type SessionNews } from './SharedSessions.js';

const LEASE_MS = 3000;
const ROOM = 'room-1';
const S1 = { id: 'session-1', startedAt: 1_000 };
const S2 = { id: 'session-2', startedAt: 2_000 };

/** Instances on one in-process bus: each with its SharedSessions and the news it received. */
function fleet() {
  const bus = new MemoryBus();
  const warnings: string[] = [];
  const instance = (instanceId: string) => {
    const news: SessionNews[] = [];
    const sessions = new SharedSessions({ bus, instanceId, leaseMs: LEASE_MS, onNews: (n) => news.push(n), log: { warn: (_obj, msg) => warnings.push(msg ?? '') } });
    return { sessions, news };
  };
  return { bus, warnings, a: instance('a'), b: instance('b'), c: instance('c') };
}

const noop = () => undefined;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SharedSessions', () => {
  it('starts a room’s session under the candidate, tells the other instances, and lets them take it up with the same identity', async () => {
    const { a, b } = fleet();
    await b.sessions.join('another-room', 'b/0', noop);
    expect(await a.sessions.start(ROOM, 'a/1', S1, noop)).toEqual(S1);
    await vi.waitFor(() => expect(b.news).toEqual([{ type: 'started', roomId: ROOM, id: S1.id, from: 'a' }]));
    expect(a.news).toEqual([]);
    expect(await b.sessions.join(ROOM, 'b/1', noop)).toEqual(S1);
  });

  it('gives a second start the session already in force (two moderators on two instances at once)', async () => {
    const { a, b } = fleet();
    expect(await a.sessions.start(ROOM, 'a/1', S1, noop)).toEqual(S1);
    expect(await b.sessions.start(ROOM, 'b/1', S2, noop)).toEqual(S1);
    // b holds it too: a leaving does not end it.
    expect(await a.sessions.leave(ROOM, 'a/1')).toBe(false);
    expect(await b.sessions.leave(ROOM, 'b/1')).toBe(true);
  });

  it('finds no session to take up when none runs', async () => {
    const { a } = fleet();
    expect(await a.sessions.join(ROOM, 'a/1', noop)).toBeNull();
  });

  it('keeps the session while any instance holds it, and tells the last one to leave that it was the last', async () => {
    const { a, b, c } = fleet();
    await a.sessions.start(ROOM, 'a/1', S1, noop);
    await b.sessions.join(ROOM, 'b/1', noop);
    expect(await a.sessions.leave(ROOM, 'a/1')).toBe(false);
    expect(await c.sessions.join(ROOM, 'c/1', noop)).toEqual(S1);
    expect(await c.sessions.leave(ROOM, 'c/1')).toBe(false);
    expect(await b.sessions.leave(ROOM, 'b/1')).toBe(true);
    expect(await c.sessions.join(ROOM, 'c/2', noop)).toBeNull();
  });

  it('renews its holds: a session outlives its lease many times over while its instance runs', async () => {
    const { a, b } = fleet();
    await a.sessions.start(ROOM, 'a/1', S1, noop);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 5);
    expect(await b.sessions.join(ROOM, 'b/1', noop)).toEqual(S1);
  });

  it('lets go within one lease of an instance that stops renewing (as when it dies)', async () => {
    const { a, b } = fleet();
    await a.sessions.start(ROOM, 'a/1', S1, noop);
    // Closing stops the renewals without leaving: what a killed process does.
    await a.sessions.close();
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    expect(await b.sessions.join(ROOM, 'b/1', noop)).toBeNull();
  });

  it('ends the session for every instance: they are told, and their next renewal finds it gone', async () => {
    const { a, b, c } = fleet();
    const lost = vi.fn();
    await a.sessions.start(ROOM, 'a/1', S1, noop);
    await b.sessions.join(ROOM, 'b/1', lost);
    await a.sessions.end(ROOM, 'a/1', S1);
    await vi.waitFor(() => expect(b.news).toContainEqual({ type: 'ended', roomId: ROOM, id: S1.id, from: 'a' }));
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(await c.sessions.join(ROOM, 'c/1', noop)).toBeNull();
    // A new session of the room starts afresh.
    expect(await c.sessions.start(ROOM, 'c/1', S2, noop)).toEqual(S2);
  });

  it('remembers who left a session and role changes, for as long as asked', async () => {
    const { a, b } = fleet();
    await a.sessions.recordParticipant(ROOM, S1.id, 'ann', { gone: true }, 60_000);
    await a.sessions.recordParticipant(ROOM, S1.id, 'bob', { role: 'presenter' }, 60_000);
    expect(await b.sessions.participant(ROOM, S1.id, 'ann')).toEqual({ gone: true });
    expect(await b.sessions.participant(ROOM, S1.id, 'bob')).toEqual({ role: 'presenter' });
    expect(await b.sessions.participant(ROOM, S2.id, 'ann')).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await b.sessions.participant(ROOM, S1.id, 'ann')).toBeNull();
  });

  it('never trusts what is on the bus: news and records in an unknown shape are ignored', async () => {
    const { bus, a, b, warnings } = fleet();
    await a.sessions.join(ROOM, 'a/0', noop);
    await bus.publish('sessions', '{"type":"ended","roomId":42}');
    await bus.publish('sessions', 'not json');
    await bus.put(`room:${ROOM}:session:${S1.id}:participant:ann`, '{"role":"emperor"}', 60_000);
    expect(await b.sessions.participant(ROOM, S1.id, 'ann')).toBeNull();
    await bus.hold(`room:${ROOM}:session`, 'x', 60_000, { value: '{"id":7}', create: true });
    expect(await b.sessions.join(ROOM, 'b/1', noop)).toBeNull();
    await vi.waitFor(() => expect(warnings.filter((w) => w.includes('unknown shape'))).toHaveLength(3));
    expect(a.news).toEqual([]);
  });

  it('tells which sessions still run on some instance (the others were interrupted)', async () => {
    const { bus, a } = fleet();
    await a.sessions.start(ROOM, 'a/1', S1, noop);
    const rows = [
      { id: S1.id, roomId: ROOM },
      { id: 'session-0', roomId: ROOM },
      { id: 'session-9', roomId: 'room-9' },
    ];
    expect(await liveSessionIds(bus, rows)).toEqual(new Set([S1.id]));
  });
});
