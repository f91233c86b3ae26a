import { describe, expect, it } from 'vitest';
import { AmphiError, type ErrorCode } from '@amphi/protocol';
import { EventLog, isVisibleTo, type EventLogOptions, type InteractionEvent } from './EventLog.js';

/** A log with a controllable clock and media clock, and a record of what it delivered. */
function setup(options: EventLogOptions = {}) {
  let time = 1_000_000;
  let media: number | null = null;
  const log = new EventLog({ now: () => time, mediaClock: () => media, ...options });
  const delivered: InteractionEvent[][] = [];
  log.on('appended', (events) => delivered.push([...events]));
  return {
    log,
    delivered,
    advance: (ms: number) => (time += ms),
    setMedia: (ms: number | null) => (media = ms),
  };
}

const say = (text: string) => ({ kind: 'chat.message', payload: { text } });

/** A store whose writes the test completes or fails by hand. */
function manualStore() {
  const writes: { batch: readonly InteractionEvent[]; done: () => void; fail: (error: Error) => void }[] = [];
  const store = (batch: readonly InteractionEvent[]) =>
    new Promise<void>((resolve, reject) => writes.push({ batch, done: resolve, fail: reject }));
  return { store, writes };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AmphiError);
  expect(error).toMatchObject({ code });
}

describe('EventLog', () => {
  it('numbers events 1, 2, 3 and stamps them with the server time and the media time', async () => {
    const { log, advance, setMedia } = setup();
    const first = await log.append({ actorId: 'ana' }, say('hello'));
    advance(500);
    setMedia(42_000);
    const second = await log.append({ actorId: 'ben', clientId: 'c1' }, () => say('hi'));
    expect(first.event).toEqual({ seq: 1, kind: 'chat.message', actorId: 'ana', at: 1_000_000, mediaTime: null, payload: { text: 'hello' } });
    expect(second.event).toMatchObject({ seq: 2, actorId: 'ben', clientId: 'c1', at: 1_000_500, mediaTime: 42_000 });
    expect(log.lastSeq).toBe(2);
    expect(Object.isFrozen(second.event)).toBe(true);
  });

  it('delivers each event once, in order, through `appended`', async () => {
    const { log, delivered } = setup();
    for (const text of ['a', 'b', 'c']) await log.append({ actorId: 'ana' }, say(text));
    expect(delivered.flat().map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('stores a retried command once and answers the retry with the stored event', async () => {
    const { log, delivered } = setup();
    let decided = 0;
    const decide = () => {
      decided += 1;
      return say('once');
    };
    const first = await log.append({ actorId: 'ana', clientId: 'm-1' }, decide);
    const retry = await log.append({ actorId: 'ana', clientId: 'm-1' }, decide);
    expect(retry).toEqual({ event: first.event, duplicate: true });
    expect(decided).toBe(1);
    expect(delivered.flat()).toHaveLength(1);
  });

  it('keeps the same client id of two different people apart', async () => {
    const { log } = setup();
    await log.append({ actorId: 'ana', clientId: '1' }, say('from ana'));
    const ben = await log.append({ actorId: 'ben', clientId: '1' }, say('from ben'));
    expect(ben).toMatchObject({ duplicate: false, event: { seq: 2 } });
  });

  it('forgets client ids after the retry window', async () => {
    const { log, advance } = setup({ dedup: { maxAgeMs: 60_000 } });
    await log.append({ actorId: 'ana', clientId: 'm-1' }, say('one'));
    advance(60_001);
    const later = await log.append({ actorId: 'ana', clientId: 'm-1' }, say('two'));
    expect(later).toMatchObject({ duplicate: false, event: { seq: 2 } });
  });

  it('rejects with the rule’s error when `decide` refuses, and records nothing', async () => {
    const { log } = setup();
    await expectCode(
      log.append({ actorId: 'ana', clientId: 'x' }, () => {
        throw new AmphiError('NOT_ALLOWED');
      }),
      'NOT_ALLOWED',
    );
    expect(log.lastSeq).toBe(0);
    // The refused client id is not remembered: a later, allowed command with it is recorded.
    expect(await log.append({ actorId: 'ana', clientId: 'x' }, say('ok'))).toMatchObject({ duplicate: false });
  });

  it('refuses an origin without actor or with an oversized client id', async () => {
    const { log } = setup();
    await expectCode(log.append({ actorId: '' }, say('x')), 'VALIDATION_FAILED');
    await expectCode(log.append({ actorId: 'ana', clientId: '' }, say('x')), 'VALIDATION_FAILED');
    await expectCode(log.append({ actorId: 'ana', clientId: 'x'.repeat(129) }, say('x')), 'VALIDATION_FAILED');
  });

  describe('since', () => {
    it('returns exactly the events after a seq, in order', async () => {
      const { log } = setup();
      for (const text of ['a', 'b', 'c', 'd']) await log.append({ actorId: 'ana' }, say(text));
      expect(log.since(1)).toMatchObject({ complete: true, events: [{ seq: 2 }, { seq: 3 }, { seq: 4 }] });
      expect(log.since(0).events).toHaveLength(4);
      expect(log.since(4)).toEqual({ complete: true, events: [] });
    });

    it('says "expired" when the seq is older than the retained window (the caller sends a snapshot)', async () => {
      const { log } = setup({ retention: { maxEvents: 3 } });
      for (const text of ['a', 'b', 'c', 'd', 'e']) await log.append({ actorId: 'ana' }, say(text));
      expect(log.firstRetainedSeq).toBe(3);
      expect(log.since(2)).toMatchObject({ complete: true, events: [{ seq: 3 }, { seq: 4 }, { seq: 5 }] });
      expect(log.since(1)).toEqual({ complete: false, events: [], reason: 'expired' });
    });

    it('drops events older than the maximum age from the window', async () => {
      const { log, advance } = setup({ retention: { maxAgeMs: 10_000 } });
      await log.append({ actorId: 'ana' }, say('old'));
      advance(10_001);
      await log.append({ actorId: 'ana' }, say('new'));
      expect(log.since(0)).toMatchObject({ complete: false, reason: 'expired' });
      expect(log.since(1)).toMatchObject({ complete: true, events: [{ seq: 2 }] });
    });

    it('says "ahead" for a seq the log has not reached (a client of an earlier session)', async () => {
      const { log } = setup();
      await log.append({ actorId: 'ana' }, say('a'));
      expect(log.since(7)).toEqual({ complete: false, events: [], reason: 'ahead' });
    });

    it('continues the numbering of a restarted log, and sends older clients to the snapshot', async () => {
      const { log } = setup({ lastSeq: 500 });
      expect(log.since(500)).toEqual({ complete: true, events: [] });
      const { event } = await log.append({ actorId: 'ana' }, say('again'));
      expect(event.seq).toBe(501);
      expect(log.since(499)).toMatchObject({ complete: false, reason: 'expired' });
    });

    it('refuses a seq that is not a non-negative integer', () => {
      const { log } = setup();
      for (const seq of [-1, 1.5, Number.NaN]) expect(() => log.since(seq)).toThrow(AmphiError);
    });
  });

  describe('recent history for late joiners', () => {
    it('keeps the last N events of the given kinds, beyond the retained window', async () => {
      const { log } = setup({ retention: { maxEvents: 2 }, histories: { chat: { kinds: ['chat.message'], limit: 3 } } });
      for (let i = 1; i <= 5; i++) {
        await log.append({ actorId: 'ana' }, say(`m${i}`));
        await log.append({ actorId: 'ana' }, { kind: 'hand.raised', payload: null });
      }
      expect(log.recent('chat').map((e) => e.payload)).toEqual([{ text: 'm3' }, { text: 'm4' }, { text: 'm5' }]);
      // Older than the window, still readable through the history (a moderator deletes it).
      expect(log.get(5)).toMatchObject({ payload: { text: 'm3' } });
    });

    it('refuses an unknown history name', () => {
      const { log } = setup();
      expect(() => log.recent('nope')).toThrow(AmphiError);
    });
  });

  describe('redaction', () => {
    it('erases the payload of the redacted event everywhere it is kept', async () => {
      const { log } = setup({ histories: { chat: { kinds: ['chat.message'], limit: 10 } } });
      await log.append({ actorId: 'ana', clientId: 'm' }, say('something rude'));
      const tombstone = await log.append({ actorId: 'mod' }, { kind: 'chat.deleted', payload: { seq: 1 }, redacts: 1 });
      expect(tombstone.event).toMatchObject({ seq: 2, redacts: 1 });
      const erased = { seq: 1, payload: null, redactedBy: 2 };
      expect(log.get(1)).toMatchObject(erased);
      expect(log.since(0).events[0]).toMatchObject(erased);
      expect(log.recent('chat')[0]).toMatchObject(erased);
      // A late retry of the deleted message does not bring the text back.
      expect((await log.append({ actorId: 'ana', clientId: 'm' }, say('x'))).event).toMatchObject(erased);
    });
  });

  describe('persist before deliver', () => {
    it('delivers nothing until the store has written the batch', async () => {
      const { store, writes } = manualStore();
      const { log, delivered } = setup({ store });
      const pending = log.append({ actorId: 'ana' }, say('a'));
      await settle();
      expect(writes).toHaveLength(1);
      expect(delivered).toEqual([]);
      expect(log.lastSeq).toBe(0);
      writes[0]!.done();
      expect((await pending).event.seq).toBe(1);
      expect(delivered.flat().map((e) => e.seq)).toEqual([1]);
    });

    it('stores the commands that arrive during a write together, in one batch', async () => {
      const { store, writes } = manualStore();
      const { log, delivered } = setup({ store });
      const a = log.append({ actorId: 'ana' }, say('a'));
      const b = log.append({ actorId: 'ben' }, say('b'));
      const c = log.append({ actorId: 'cat' }, say('c'));
      await settle();
      expect(writes.map((w) => w.batch.map((e) => e.seq))).toEqual([[1]]);
      writes[0]!.done();
      await settle();
      expect(writes.map((w) => w.batch.map((e) => e.seq))).toEqual([[1], [2, 3]]);
      writes[1]!.done();
      expect((await Promise.all([a, b, c])).map((r) => r.event.seq)).toEqual([1, 2, 3]);
      expect(delivered.map((batch) => batch.map((e) => e.seq))).toEqual([[1], [2, 3]]);
    });

    it('answers a retry that arrives while the original is being stored with the same event', async () => {
      const { store, writes } = manualStore();
      const { log } = setup({ store });
      const original = log.append({ actorId: 'ana', clientId: 'm' }, say('a'));
      const retry = log.append({ actorId: 'ana', clientId: 'm' }, say('a'));
      await settle();
      writes[0]!.done();
      const [first, second] = await Promise.all([original, retry]);
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ event: first.event, duplicate: true });
      expect(writes.flatMap((w) => w.batch)).toHaveLength(1);
    });

    it('rejects a batch whose write failed and reuses its seqs, so seqs stay contiguous', async () => {
      const { store, writes } = manualStore();
      const { log, delivered } = setup({ store });
      const lost = log.append({ actorId: 'ana', clientId: 'm' }, say('lost'));
      await settle();
      writes[0]!.fail(new Error('database down'));
      await expect(lost).rejects.toThrow('database down');
      const retried = log.append({ actorId: 'ana', clientId: 'm' }, say('lost'));
      await settle();
      expect(writes[1]!.batch[0]).toMatchObject({ seq: 1 });
      writes[1]!.done();
      expect(await retried).toMatchObject({ duplicate: false, event: { seq: 1 } });
      expect(delivered.flat().map((e) => e.seq)).toEqual([1]);
    });

    it('refuses new commands with RATE_LIMITED when too many wait behind the write under way', async () => {
      const { store, writes } = manualStore();
      const { log } = setup({ store, maxQueued: 2, maxBatch: 1 });
      // The first is being written; the next two wait.
      const accepted = ['1', '2', '3'].map((text) => log.append({ actorId: 'a' }, say(text)));
      expect(log.queued).toBe(2);
      await expectCode(log.append({ actorId: 'a' }, say('4')), 'RATE_LIMITED');
      for (let i = 0; i < 3; i++) {
        await settle();
        writes[i]!.done();
      }
      expect((await Promise.all(accepted)).map((r) => r.event.seq)).toEqual([1, 2, 3]);
    });
  });

  describe('close', () => {
    it('rejects queued and later commands, emits `closed` once, and is safe to call twice', async () => {
      const { store, writes } = manualStore();
      const { log } = setup({ store, maxBatch: 1 });
      let closed = 0;
      log.on('closed', () => (closed += 1));
      const inFlight = log.append({ actorId: 'a' }, say('1'));
      const queued = log.append({ actorId: 'a' }, say('2'));
      await settle();
      log.close();
      log.close();
      expect(closed).toBe(1);
      await expectCode(queued, 'INVALID_STATE');
      await expectCode(log.append({ actorId: 'a' }, say('3')), 'INVALID_STATE');
      // The write already under way completes for its caller.
      writes[0]!.done();
      expect((await inFlight).event.seq).toBe(1);
    });
  });
});

describe('isVisibleTo', () => {
  const restricted = { restrictedTo: ['ana'] };
  it('shows an unrestricted event to everyone', () => {
    expect(isVisibleTo({}, 'ben', 'guest')).toBe(true);
  });
  it('shows a restricted event to the moderators and the listed people only', () => {
    expect(isVisibleTo(restricted, 'ana', 'participant')).toBe(true);
    expect(isVisibleTo(restricted, 'mod', 'moderator')).toBe(true);
    expect(isVisibleTo(restricted, 'ben', 'presenter')).toBe(false);
    expect(isVisibleTo(restricted, 'ben', 'participant')).toBe(false);
  });
});

describe('EventLog as a follower', () => {
  /** A leader and a follower fed with every batch the leader commits. */
  function pair(options: EventLogOptions = {}) {
    const leader = setup(options);
    const follower = setup({ ...options, follower: true });
    leader.log.on('appended', (batch) => follower.log.receive(batch));
    return { leader, follower };
  }

  it('mirrors the leader: same events, same seqs, delivered through `appended`', async () => {
    const { leader, follower } = pair();
    await leader.log.append({ actorId: 'ana', clientId: 'c1' }, say('a'));
    await leader.log.append({ actorId: 'ben' }, say('b'));
    expect(follower.delivered.flat()).toEqual(leader.delivered.flat());
    expect(follower.log.lastSeq).toBe(2);
    expect(follower.log.since(0)).toEqual(leader.log.since(0));
  });

  it('refuses to number events itself until it leads', async () => {
    const { follower } = pair();
    expect(follower.log.leader).toBe(false);
    await expectCode(follower.log.append({ actorId: 'ana' }, say('x')), 'INVALID_STATE');
  });

  it('skips events it already has, and reports a gap without taking anything', async () => {
    const source = setup();
    for (const text of ['1', '2', '3', '4']) await source.log.append({ actorId: 'ana' }, say(text));
    const [e1, e2, e3, e4] = source.delivered.flat();
    const { log, delivered } = setup({ follower: true });
    expect(log.receive([e1!, e2!])).toEqual({ ok: true, added: 2 });
    expect(log.receive([e2!, e3!])).toEqual({ ok: true, added: 1 });
    expect(log.receive([e1!])).toEqual({ ok: true, added: 0 });
    const gap = setup({ follower: true });
    expect(gap.log.receive([e3!, e4!])).toEqual({ ok: false, gap: { expected: 1, got: 3 } });
    expect(gap.log.lastSeq).toBe(0);
    expect(delivered.flat().map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('refuses a batch whose own seqs are out of order', async () => {
    const source = setup();
    for (const text of ['1', '2', '3']) await source.log.append({ actorId: 'ana' }, say(text));
    const [e1, , e3] = source.delivered.flat();
    const { log } = setup({ follower: true });
    expect(() => log.receive([e1!, e3!])).toThrow(AmphiError);
    expect(log.lastSeq).toBe(0);
  });

  it('continues the numbering once it leads, and still knows the retries of what it received', async () => {
    const { leader, follower } = pair();
    await leader.log.append({ actorId: 'ana', clientId: 'c1' }, say('a'));
    follower.log.lead();
    expect(follower.log.leader).toBe(true);
    let decided = 0;
    const retry = await follower.log.append({ actorId: 'ana', clientId: 'c1' }, () => {
      decided += 1;
      return say('a');
    });
    expect(retry).toMatchObject({ duplicate: true, event: { seq: 1 } });
    expect(decided).toBe(0);
    expect((await follower.log.append({ actorId: 'ben' }, say('b'))).event.seq).toBe(2);
    expect(() => follower.log.receive([])).toThrow(AmphiError);
  });

  it('hands the numbering back: queued commands are refused, the batch being stored completes, and it mirrors again', async () => {
    const { store, writes } = manualStore();
    const { log, delivered } = setup({ store });
    const storing = log.append({ actorId: 'ana', clientId: 'c1' }, say('a'));
    const queued = log.append({ actorId: 'ben', clientId: 'c2' }, say('b'));
    log.follow();
    expect(log.leader).toBe(false);
    await expectCode(queued, 'INVALID_STATE');
    await expectCode(log.append({ actorId: 'ben' }, say('c')), 'INVALID_STATE');
    writes[0]!.done();
    expect(await storing).toMatchObject({ event: { seq: 1 } });
    expect(writes).toHaveLength(1);
    // The new leader numbered the next event: the mirror continues from it.
    const next = { seq: 2, kind: 'chat.message', actorId: 'ben', clientId: 'c2', at: 1_000_000, mediaTime: null, payload: { text: 'b' } };
    expect(log.receive([next])).toEqual({ ok: true, added: 1 });
    expect(delivered.flat().map((e) => e.seq)).toEqual([1, 2]);
  });

  it('applies redactions it receives, keeping what `residue` leaves', async () => {
    const residue = (event: InteractionEvent) => ({ kept: (event.payload as { text: string }).text.length });
    const { leader, follower } = pair({ residue, histories: { chat: { kinds: ['chat.message'], limit: 10 } } });
    await leader.log.append({ actorId: 'ana' }, say('secret'));
    await leader.log.append({ actorId: 'mod' }, { kind: 'chat.deleted', payload: { seq: 1 }, redacts: 1 });
    for (const log of [leader.log, follower.log]) {
      expect(log.get(1)).toMatchObject({ payload: { kept: 6 }, redactedBy: 2 });
      expect(log.recent('chat')).toEqual([log.get(1)]);
    }
  });
});

describe('EventLog histories', () => {
  it('keeps in a history only the events its filter accepts', async () => {
    const { log } = setup({
      histories: {
        public: { kinds: ['chat.message'], limit: 2, filter: (e) => e.restrictedTo === undefined },
        private: { kinds: ['chat.message'], limit: 2, filter: (e) => e.restrictedTo !== undefined },
      },
    });
    await log.append({ actorId: 'ana' }, say('p1'));
    await log.append({ actorId: 'ana' }, { ...say('secret'), restrictedTo: ['ana'] });
    await log.append({ actorId: 'ana' }, say('p2'));
    await log.append({ actorId: 'ana' }, say('p3'));
    expect(log.recent('public').map((e) => e.seq)).toEqual([3, 4]);
    expect(log.recent('private').map((e) => e.seq)).toEqual([2]);
  });

  it('stamps an event with the media time at its own server time', async () => {
    const { log } = setup({ mediaClock: (now) => now - 3000 });
    const { event } = await log.append({ actorId: 'ana' }, say('x'));
    expect(event.mediaTime).toBe(event.at - 3000);
  });
});
