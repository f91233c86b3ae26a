import { describe, expect, it } from 'vitest';
import { confirmInPlatformStorage, storageFrame, type MessageTarget, type StorageHost } from './platformStorage.js';

const ORIGIN = 'https://moodle.example.edu';
const storage = { target: '_parent', origin: ORIGIN, key: 'amphi_state_abc', value: 'abc-state' };

interface Sent {
  readonly message: unknown;
  readonly targetOrigin: string;
}

/** The app's window in a fake LMS page: records what is posted to the parent, delivers messages to listeners, fires timers by hand. */
function fakeHost(options: { frames?: Record<string, MessageTarget> } = {}) {
  const sent: Sent[] = [];
  const listeners = new Set<(event: MessageEvent) => void>();
  const timers: (() => void)[] = [];
  const parent = { postMessage: (message: unknown, targetOrigin: string) => sent.push({ message, targetOrigin }), frames: options.frames ?? {} };
  const host: StorageHost = {
    parent,
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  };
  return {
    host,
    sent,
    listeners,
    deliver: (data: unknown, origin = ORIGIN) => {
      for (const listener of [...listeners]) listener({ data, origin } as MessageEvent);
    },
    timeout: () => timers.splice(0).forEach((fire) => fire()),
    timerOptions: { setTimer: (fn: () => void) => timers.push(fn), clearTimer: () => timers.splice(0) },
  };
}

const answer = (value: unknown, messageId = 'm1') => ({ subject: 'lti.get_data.response', message_id: messageId, key: storage.key, value });

describe('confirmInPlatformStorage', () => {
  it('asks the parent for the key, to the platform origin only', async () => {
    const fake = fakeHost();
    const confirmed = confirmInPlatformStorage(storage, fake.host, { messageId: 'm1', ...fake.timerOptions });
    expect(fake.sent).toEqual([{ message: { subject: 'lti.get_data', message_id: 'm1', key: storage.key }, targetOrigin: ORIGIN }]);
    fake.deliver(answer('abc-state'));
    await expect(confirmed).resolves.toBe(true);
    expect(fake.listeners.size).toBe(0);
  });

  it('refuses another value, and an error answer', async () => {
    const fake = fakeHost();
    const other = confirmInPlatformStorage(storage, fake.host, { messageId: 'm1', ...fake.timerOptions });
    fake.deliver(answer('someone-else'));
    await expect(other).resolves.toBe(false);

    const failed = confirmInPlatformStorage(storage, fake.host, { messageId: 'm2', ...fake.timerOptions });
    fake.deliver({ subject: 'lti.get_data.response', message_id: 'm2', error: { code: 'bad_request', message: 'no such key' } });
    await expect(failed).resolves.toBe(false);
  });

  it('ignores answers from another origin or to another message, and gives up when the platform never answers', async () => {
    const fake = fakeHost();
    let settled: boolean | null = null;
    const confirmed = confirmInPlatformStorage(storage, fake.host, { messageId: 'm1', ...fake.timerOptions }).then((ok) => (settled = ok));
    fake.deliver(answer('abc-state'), 'https://evil.example');
    fake.deliver(answer('abc-state', 'other-message'));
    fake.deliver('not an object');
    await Promise.resolve();
    expect(settled).toBeNull();
    fake.timeout();
    await confirmed;
    expect(settled).toBe(false);
    expect(fake.listeners.size).toBe(0);
  });

  it('asks a named storage frame of the platform page', async () => {
    const framed: Sent[] = [];
    const fake = fakeHost({ frames: { 'lti-storage': { postMessage: (message, targetOrigin) => framed.push({ message, targetOrigin }) } } });
    const confirmed = confirmInPlatformStorage({ ...storage, target: 'lti-storage' }, fake.host, { messageId: 'm1', ...fake.timerOptions });
    expect(fake.sent).toEqual([]);
    expect(framed).toHaveLength(1);
    fake.deliver(answer('abc-state'));
    await expect(confirmed).resolves.toBe(true);
  });

  it('refuses at once when the named frame does not exist', async () => {
    const fake = fakeHost();
    expect(storageFrame(fake.host, 'missing-frame')).toBeNull();
    await expect(confirmInPlatformStorage({ ...storage, target: 'missing-frame' }, fake.host, fake.timerOptions)).resolves.toBe(false);
  });
});
