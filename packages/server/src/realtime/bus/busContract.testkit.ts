/**
 * The contract every Bus keeps, written once and run against MemoryBus (unit tests, with a
 * controlled clock) and RedisBus (integration tests, against the real Redis).
 */
import { describe, expect, it } from 'vitest';
import { BusClosedError, type Bus } from './Bus.js';

export interface BusPair {
  /** Two buses on the same medium (two processes' buses on one Redis; one MemoryBus twice). */
  a: Bus;
  b: Bus;
  /** Lets `ms` milliseconds pass for the leases (fake clock, or real waiting). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Lease length that no test outlives; SHORT_MS is the one tests let expire. */
const LONG_MS = 60_000;
const SHORT_MS = 200;

/** Resolves once `received` holds `count` messages (checked after each delivery). */
function collect(count: number): { received: string[]; listener: (m: string) => void; done: Promise<void> } {
  const received: string[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    received,
    listener: (message) => {
      received.push(message);
      if (received.length === count) resolve();
    },
    done,
  };
}

export function describeBusContract(name: string, open: () => Promise<BusPair>): void {
  const withPair = (test: (pair: BusPair) => Promise<void>) => async () => {
    const pair = await open();
    try {
      await test(pair);
    } finally {
      await pair.close();
    }
  };
  let n = 0;
  /** A key or channel no other test uses. */
  const fresh = (what: string) => `${what}-${++n}`;

  describe(`${name}: channels`, () => {
    it(
      'delivers a channel’s messages in publishing order to every subscriber, on both buses',
      withPair(async ({ a, b }) => {
        const channel = fresh('room');
        const onA = collect(200);
        const onB = collect(200);
        await a.subscribe(channel, onA.listener);
        await b.subscribe(channel, onB.listener);
        const sent = Array.from({ length: 200 }, (_, i) => `message ${i}`);
        await Promise.all(sent.map((m) => a.publish(channel, m)));
        await Promise.all([onA.done, onB.done]);
        expect(onA.received).toEqual(sent);
        expect(onB.received).toEqual(sent);
      }),
    );

    it(
      'delivers nothing from other channels, nor to a listener that unsubscribed',
      withPair(async ({ a, b }) => {
        const [channel, other] = [fresh('room'), fresh('room')];
        const kept = collect(2);
        const dropped: string[] = [];
        await b.subscribe(channel, kept.listener);
        const subscription = await b.subscribe(channel, (m) => dropped.push(m));
        await a.publish(other, 'elsewhere');
        await a.publish(channel, 'first');
        await expect.poll(() => dropped.length).toBe(1);
        await subscription.unsubscribe();
        await subscription.unsubscribe();
        await a.publish(channel, 'second');
        await kept.done;
        expect(kept.received).toEqual(['first', 'second']);
        expect(dropped).toEqual(['first']);
      }),
    );

    it(
      'keeps delivering to the other listeners when one throws, and reports the error',
      withPair(async ({ a, b }) => {
        const channel = fresh('room');
        const errors: Error[] = [];
        b.on('error', (error) => errors.push(error));
        const good = collect(2);
        await b.subscribe(channel, () => {
          throw new Error('listener failed');
        });
        await b.subscribe(channel, good.listener);
        await a.publish(channel, 'one');
        await a.publish(channel, 'two');
        await good.done;
        expect(good.received).toEqual(['one', 'two']);
        expect(errors.map((e) => e.message)).toEqual(['listener failed', 'listener failed']);
      }),
    );
  });

  describe(`${name}: exclusive leases`, () => {
    it(
      'gives a free lease to one holder, refuses it to others while it runs, and lets its holder extend and release it',
      withPair(async ({ a, b }) => {
        const key = fresh('leader');
        expect(await a.claim(key, 'instance-a', LONG_MS)).toBe(true);
        expect(await b.claim(key, 'instance-b', LONG_MS)).toBe(false);
        expect(await a.claim(key, 'instance-a', LONG_MS)).toBe(true);
        expect(await b.get(key)).toBe('instance-a');
        expect(await b.release(key, 'instance-b')).toBe(false);
        expect(await a.get(key)).toBe('instance-a');
        expect(await a.release(key, 'instance-a')).toBe(true);
        expect(await b.get(key)).toBeNull();
        expect(await b.claim(key, 'instance-b', LONG_MS)).toBe(true);
      }),
    );

    it(
      'frees a lease its holder stops extending',
      withPair(async ({ a, b, advance }) => {
        const key = fresh('leader');
        expect(await a.claim(key, 'instance-a', SHORT_MS)).toBe(true);
        await advance(SHORT_MS);
        expect(await b.get(key)).toBeNull();
        expect(await b.claim(key, 'instance-b', LONG_MS)).toBe(true);
        expect(await a.claim(key, 'instance-a', LONG_MS)).toBe(false);
      }),
    );

    it(
      'stores plain values until they expire',
      withPair(async ({ a, b, advance }) => {
        const [kept, fading] = [fresh('value'), fresh('value')];
        await a.put(kept, 'one', LONG_MS);
        await a.put(kept, 'two', LONG_MS);
        await a.put(fading, 'soon gone', SHORT_MS);
        await advance(SHORT_MS);
        expect(await b.get(kept)).toBe('two');
        expect(await b.get(fading)).toBeNull();
        expect(await b.get(fresh('never-set'))).toBeNull();
      }),
    );

    it(
      'refuses a lease length that is not a positive whole number of milliseconds',
      withPair(async ({ a }) => {
        await expect(a.claim(fresh('leader'), 'x', 0)).rejects.toThrow(RangeError);
        await expect(a.put(fresh('value'), 'x', 1.5)).rejects.toThrow(RangeError);
        await expect(a.hold(fresh('shared'), 'x', -1, { value: 'v', create: true })).rejects.toThrow(RangeError);
      }),
    );
  });

  describe(`${name}: shared leases`, () => {
    it(
      'makes a shared lease with its value, lets others join it, and refuses holders who want another value',
      withPair(async ({ a, b }) => {
        const key = fresh('session');
        expect(await a.hold(key, 'a', LONG_MS, { value: 'S1', create: true })).toBe('S1');
        expect(await b.hold(key, 'b', LONG_MS)).toBe('S1');
        expect(await b.hold(key, 'c', LONG_MS, { value: 'S2', create: true })).toBe('S1');
        expect(await b.hold(key, 'd', LONG_MS, { value: 'S1' })).toBe('S1');
        expect(await b.get(key)).toBe('S1');
        // a, b and d hold it; c was refused.
        expect(await a.unhold(key, 'c')).toBe(3);
        expect(await a.unhold(key, 'a')).toBe(2);
        expect(await b.unhold(key, 'd')).toBe(1);
        expect(await a.get(key)).toBe('S1');
        expect(await b.unhold(key, 'b')).toBe(0);
        expect(await a.get(key)).toBeNull();
      }),
    );

    it(
      'joins nothing when there is no lease and no value to create it with',
      withPair(async ({ a, b }) => {
        const key = fresh('session');
        expect(await a.hold(key, 'a', LONG_MS)).toBeNull();
        expect(await a.hold(key, 'a', LONG_MS, { value: 'S1' })).toBeNull();
        expect(await b.get(key)).toBeNull();
        expect(await b.hold(key, 'b', LONG_MS, { value: 'S1', create: true })).toBe('S1');
        // Only b holds it: a never joined.
        expect(await b.unhold(key, 'b')).toBe(0);
      }),
    );

    it(
      'lives while any holder renews it, and ends when the last hold runs out',
      withPair(async ({ a, b, advance }) => {
        const key = fresh('session');
        expect(await a.hold(key, 'a', SHORT_MS, { value: 'S1', create: true })).toBe('S1');
        expect(await b.hold(key, 'b', LONG_MS)).toBe('S1');
        await advance(SHORT_MS);
        expect(await a.get(key)).toBe('S1');
        // a's hold ran out: b is the only holder left.
        expect(await b.unhold(key, 'b')).toBe(0);
        expect(await a.get(key)).toBeNull();

        const lapsing = fresh('session');
        await a.hold(lapsing, 'a', SHORT_MS, { value: 'S2', create: true });
        await b.hold(lapsing, 'b', SHORT_MS);
        await advance(SHORT_MS);
        expect(await a.get(lapsing)).toBeNull();
        expect(await b.hold(lapsing, 'b', LONG_MS, { value: 'S2' })).toBeNull();
        expect(await b.hold(lapsing, 'b', LONG_MS, { value: 'S3', create: true })).toBe('S3');
      }),
    );

    it(
      'is ended for every holder by a revoke that names its value, and only then',
      withPair(async ({ a, b }) => {
        const key = fresh('session');
        await a.hold(key, 'a', LONG_MS, { value: 'S1', create: true });
        await b.hold(key, 'b', LONG_MS);
        expect(await b.revoke(key, 'S0')).toBe(false);
        expect(await a.get(key)).toBe('S1');
        expect(await b.revoke(key, 'S1')).toBe(true);
        expect(await a.get(key)).toBeNull();
        expect(await a.hold(key, 'a', LONG_MS, { value: 'S1' })).toBeNull();
        expect(await a.unhold(key, 'b')).toBe(0);
      }),
    );
  });

  describe(`${name}: lifecycle`, () => {
    it(
      'closes once (safe twice), emits closed once, and rejects calls afterwards',
      withPair(async ({ a }) => {
        let closed = 0;
        a.on('closed', () => closed++);
        await a.close();
        await a.close();
        expect(closed).toBe(1);
        expect(a.isClosed).toBe(true);
        await expect(a.publish('room', 'late')).rejects.toThrow(BusClosedError);
        await expect(a.subscribe('room', () => undefined)).rejects.toThrow(BusClosedError);
        await expect(a.claim('key', 'x', LONG_MS)).rejects.toThrow(BusClosedError);
        await expect(a.get('key')).rejects.toThrow(BusClosedError);
        await expect(a.hold('key', 'x', LONG_MS)).rejects.toThrow(BusClosedError);
      }),
    );
  });
}
