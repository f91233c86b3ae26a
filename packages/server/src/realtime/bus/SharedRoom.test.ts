import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ROOM_SETTINGS } from '@amphi/protocol';
import { LiveSession, type Identity } from '../../rooms/index.js';
import { MemoryBus } from './MemoryBus.js';
import { SharedRoom } from './SharedRoom.js';
import { SharedSessions } from './SharedSessions.js';

const ROOM = { id: 'room-1', title: 'Algebra', kind: 'classroom' as const, settings: DEFAULT_ROOM_SETTINGS };
const log = { warn: () => undefined };

function person(id: string, role: Identity['role'] = 'participant'): Identity {
  return { participantId: id, name: id, role };
}

/**
 * Instances on one in-process bus, each with the room's LiveSession wrapped in a SharedRoom
 * the way the hub wires it: news go to the room, `ended` goes through `SharedRoom.ended`, and
 * every end written to "the database" is counted per instance.
 */
function instances() {
  const bus = new MemoryBus();
  const written: { instance: string; reason: string }[] = [];
  const writes: Promise<void>[] = [];
  const make = (name: string) => {
    let room: SharedRoom | null = null;
    const sessions = new SharedSessions({ bus: bus.connect(), instanceId: name, onNews: (news) => room?.news(news), log });
    const session = new LiveSession({ room: ROOM, newId: () => `${name}-session` });
    room = new SharedRoom({ roomId: ROOM.id, session, sessions, instanceId: name, recordTtlMs: 60_000, track: (w) => void writes.push(w), log });
    const shared = room;
    session.on('ended', (info, reason) => {
      if (!info) return;
      writes.push(shared.ended(reason, async () => void written.push({ instance: name, reason })));
    });
    return { session, room: shared, sessions };
  };
  return { written, settled: () => Promise.all(writes), a: make('a'), b: make('b') };
}

/** A moderator arrives on A the way the hub places them: share first, then arrive. */
async function startOnA(a: ReturnType<typeof instances>['a']) {
  const identity = await a.room.share({ id: 'shared-1', startedAt: 1000 });
  a.session.arrive(person('mod', 'moderator'), identity ?? undefined);
}

describe('SharedRoom', () => {
  it('starts on the moderator’s instance under the shared id, which the other instance takes up; only the first writes the start', async () => {
    const { a, b } = instances();
    await startOnA(a);
    expect(a.session.info?.id).toBe('shared-1');
    expect(a.room.recordsStart).toBe(true);
    await b.room.share();
    expect(b.session.state).toBe('live');
    expect(b.session.info?.id).toBe('shared-1');
    expect(b.room.recordsStart).toBe(false);
  });

  it('writes the end once, on the last instance to empty', async () => {
    const { a, b, written, settled } = instances();
    await startOnA(a);
    await b.room.share();
    b.session.arrive(person('bea'));
    a.session.leave('mod', 'left');
    await settled();
    expect(written).toEqual([]);
    b.session.leave('bea', 'left');
    await settled();
    expect(written).toEqual([{ instance: 'b', reason: 'empty' }]);
  });

  it('writes nothing when an instance shuts down while another still runs the session', async () => {
    const { a, b, written, settled } = instances();
    await startOnA(a);
    await b.room.share();
    b.session.arrive(person('bea'));
    a.session.close();
    await settled();
    expect(written).toEqual([]);
    expect(b.session.state).toBe('live');
  });

  it('ends the session on every instance when a moderator ends it; only the moderator’s instance writes it', async () => {
    const { a, b, written, settled } = instances();
    await startOnA(a);
    await b.room.share();
    b.session.arrive(person('bea'));
    a.session.end('mod');
    await vi.waitFor(() => expect(b.session.isClosed).toBe(true));
    await settled();
    expect(written).toEqual([{ instance: 'a', reason: 'moderator' }]);
  });

  it('ends it everywhere when the room is deleted on one instance', async () => {
    const { a, b, written, settled } = instances();
    await startOnA(a);
    await b.room.share();
    b.room.endEverywhere();
    b.session.end(null, 'closed');
    await vi.waitFor(() => expect(a.session.isClosed).toBe(true));
    await settled();
    expect(written).toEqual([{ instance: 'b', reason: 'closed' }]);
  });

  it('lets go of a session made for a moderator whose arrival never came', async () => {
    const { a, b, settled } = instances();
    a.session.arrive(person('ann'));
    await a.room.share({ id: 'shared-1', startedAt: 1000 });
    a.session.leave('ann', 'left');
    expect(a.session.isClosed).toBe(true);
    await settled();
    expect(await b.room.share()).toBeNull();
    expect(b.session.state).toBe('pending');
  });

  it('remembers who left here, for resume tokens shown to other instances', async () => {
    const { a, b } = instances();
    await startOnA(a);
    a.session.arrive(person('ann'));
    a.session.arrive(person('bob'));
    a.session.leave('ann', 'left');
    a.session.setRole('mod', 'bob', 'presenter');
    expect(a.room.departed('ann')).toBe(true);
    expect(a.room.departed('bob')).toBe(false);
    await vi.waitFor(async () => expect(await b.sessions.participant(ROOM.id, 'shared-1', 'ann')).toEqual({ gone: true }));
    expect(await b.sessions.participant(ROOM.id, 'shared-1', 'bob')).toEqual({ role: 'presenter' });
  });
});
