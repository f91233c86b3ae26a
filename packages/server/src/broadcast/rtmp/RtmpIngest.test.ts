import { describe, expect, it } from 'vitest';
import { RtmpIngest, keyHint, type RtmpIngestEvents } from './RtmpIngest.js';

const GOOD = 'amphi_GoodKeyGoodKeyGoodKeyGoodKey00';
const STREAM = 'room-1';

/** An ingest that knows one key, a movable clock, and everything it emitted, in order. */
function setup(options: { maxFailures?: number; authorize?: (key: string) => Promise<string | null> } = {}) {
  const clock = { now: 0 };
  const asked: string[] = [];
  const ingest = new RtmpIngest({
    authorize: async (key) => {
      asked.push(key);
      return options.authorize ? options.authorize(key) : key === GOOD ? STREAM : null;
    },
    now: () => clock.now,
    ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
  });
  const events: [keyof RtmpIngestEvents, unknown][] = [];
  ingest.on('publish', (e) => events.push(['publish', e]));
  ingest.on('unpublish', (e) => events.push(['unpublish', e]));
  ingest.on('refused', (e) => events.push(['refused', e]));
  ingest.on('closed', () => events.push(['closed', undefined]));
  return { ingest, clock, asked, events };
}

/** A deferred promise, to hold `authorize` in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RtmpIngest', () => {
  it('accepts a known key under its internal name and emits publish only once nginx has the answer', async () => {
    const { ingest, events } = setup();
    const decision = await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    expect(decision).toEqual({ accepted: true, stream: STREAM });
    expect(events).toEqual([]);
    ingest.confirmPublish('1');
    expect(events).toEqual([['publish', { stream: STREAM, remoteAddress: '192.0.2.1' }]]);
    expect(ingest.liveStreams()).toEqual([STREAM]);
  });

  it('emits unpublish when the connection ends, and publish again when the encoder reconnects', async () => {
    const { ingest, events } = setup();
    await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.confirmPublish('1');
    ingest.publishDone('1');
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '7' })).toEqual({ accepted: true, stream: STREAM });
    ingest.confirmPublish('7');
    expect(events).toEqual([
      ['publish', { stream: STREAM, remoteAddress: '192.0.2.1' }],
      ['unpublish', { stream: STREAM, reason: 'done' }],
      ['publish', { stream: STREAM, remoteAddress: '192.0.2.1' }],
    ]);
  });

  it('refuses an unknown key and never puts the key in its events', async () => {
    const { ingest, events, asked } = setup();
    const wrong = 'amphi_WrongKeyWrongKeyWrongKeyWrong0';
    expect(await ingest.requestPublish({ key: wrong, remoteAddress: '192.0.2.1', clientId: '1' })).toEqual({ accepted: false, reason: 'unknown_key' });
    expect(asked).toEqual([wrong]);
    expect(events).toEqual([['refused', { remoteAddress: '192.0.2.1', reason: 'unknown_key', keyHint: 'amphi_Wron…' }]]);
    expect(JSON.stringify(events)).not.toContain(wrong);
    ingest.confirmPublish('1');
    ingest.publishDone('1');
    expect(events).toHaveLength(1);
  });

  it('refuses a second encoder with the same key while the first one publishes', async () => {
    const { ingest, events } = setup();
    await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.confirmPublish('1');
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '198.51.100.2', clientId: '2' })).toEqual({ accepted: false, reason: 'busy' });
    // The refused one ending changes nothing for the live one.
    ingest.publishDone('2');
    expect(ingest.liveStreams()).toEqual([STREAM]);
    expect(events.map(([name]) => name)).toEqual(['publish', 'refused']);
  });

  it('frees the name when the answer never reached nginx', async () => {
    const { ingest, events } = setup();
    await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.cancelPublish('1');
    ingest.confirmPublish('1');
    expect(events).toEqual([]);
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '2' })).toEqual({ accepted: true, stream: STREAM });
  });

  it('refuses a publish whose connection ended while its key was being checked', async () => {
    const held = deferred<string | null>();
    const { ingest, events } = setup({ authorize: () => held.promise });
    const decision = ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.publishDone('1');
    held.resolve(STREAM);
    expect(await decision).toEqual({ accepted: false, reason: 'gone' });
    ingest.confirmPublish('1');
    expect(events.map(([name]) => name)).toEqual(['refused']);
  });

  it('refuses an address at once, without asking, after 10 refused keys within a minute, and forgives it a minute later', async () => {
    const { ingest, clock, asked } = setup();
    for (let i = 0; i < 10; i++) {
      clock.now = i * 1000;
      expect(await ingest.requestPublish({ key: `amphi_guess${i}`, remoteAddress: '203.0.113.9', clientId: String(i) })).toMatchObject({ reason: 'unknown_key' });
    }
    expect(asked).toHaveLength(10);
    // Even the right key is refused now: the address is over its limit.
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '203.0.113.9', clientId: '10' })).toEqual({ accepted: false, reason: 'rate_limited' });
    expect(asked).toHaveLength(10);
    // Other addresses are not affected; an IPv4-mapped address is the same address.
    expect(await ingest.requestPublish({ key: 'amphi_other', remoteAddress: '::ffff:203.0.113.9', clientId: '11' })).toMatchObject({ reason: 'rate_limited' });
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '12' })).toMatchObject({ accepted: true });
    // The first failure (t = 0) leaves the window at t = 60 s: one more guess is allowed.
    clock.now = 60_000;
    expect(await ingest.requestPublish({ key: 'amphi_late', remoteAddress: '203.0.113.9', clientId: '13' })).toMatchObject({ reason: 'unknown_key' });
    expect(await ingest.requestPublish({ key: 'amphi_later', remoteAddress: '203.0.113.9', clientId: '14' })).toMatchObject({ reason: 'rate_limited' });
  });

  it('counts checks in flight, so parallel guesses cannot pass the limit', async () => {
    const held = deferred<string | null>();
    const { ingest, asked } = setup({ maxFailures: 3, authorize: () => held.promise });
    const pending = [0, 1, 2].map((i) => ingest.requestPublish({ key: `amphi_guess${i}`, remoteAddress: '203.0.113.9', clientId: String(i) }));
    expect(await ingest.requestPublish({ key: 'amphi_guess3', remoteAddress: '203.0.113.9', clientId: '3' })).toMatchObject({ reason: 'rate_limited' });
    expect(asked).toHaveLength(3);
    held.resolve(null);
    for (const decision of await Promise.all(pending)) expect(decision).toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses with reason error when authorize throws or returns an unusable name, without counting a failure', async () => {
    let answer: () => Promise<string | null> = () => Promise.reject(new Error('database down'));
    const { ingest } = setup({ maxFailures: 1, authorize: () => answer() });
    const thrown = await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    expect(thrown).toMatchObject({ accepted: false, reason: 'error' });
    expect(thrown.accepted ? undefined : thrown.error).toBeInstanceOf(Error);
    answer = async () => 'bad name\r\nSet-Cookie: x';
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '2' })).toMatchObject({ accepted: false, reason: 'error', error: { code: 'INVALID_NAME' } });
    answer = async () => STREAM;
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '3' })).toEqual({ accepted: true, stream: STREAM });
  });

  it('ends every live stream when nginx is lost, so the same key can publish on the restarted one', async () => {
    const { ingest, events } = setup();
    await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.confirmPublish('1');
    ingest.serverLost();
    expect(ingest.liveStreams()).toEqual([]);
    // The restarted nginx numbers its connections from 1 again.
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' })).toEqual({ accepted: true, stream: STREAM });
    ingest.confirmPublish('1');
    expect(events.map(([name, e]) => [name, (e as { reason?: string }).reason])).toEqual([
      ['publish', undefined],
      ['unpublish', 'server_lost'],
      ['publish', undefined],
    ]);
  });

  it('ends live streams on close, refuses later publishes, and is safe to close twice', async () => {
    const { ingest, events } = setup();
    await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.confirmPublish('1');
    ingest.close();
    ingest.close();
    expect(events).toEqual([
      ['publish', { stream: STREAM, remoteAddress: '192.0.2.1' }],
      ['unpublish', { stream: STREAM, reason: 'closed' }],
      ['closed', undefined],
    ]);
    expect(ingest.closed).toBe(true);
    expect(await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '2' })).toEqual({ accepted: false, reason: 'closed' });
  });

  it('keeps a listener that throws from breaking the ingest', async () => {
    const { ingest, events } = setup();
    ingest.onListenerError = () => {};
    ingest.on('publish', () => {
      throw new Error('listener failed');
    });
    await ingest.requestPublish({ key: GOOD, remoteAddress: '192.0.2.1', clientId: '1' });
    ingest.confirmPublish('1');
    ingest.publishDone('1');
    expect(events.map(([name]) => name)).toEqual(['publish', 'unpublish']);
  });

  it('hints a key by its first ten characters', () => {
    expect(keyHint(GOOD)).toBe('amphi_Good…');
  });
});
