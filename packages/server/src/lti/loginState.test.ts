import { describe, expect, it } from 'vitest';
import { MemoryLoginStateStore, type LoginState } from './loginState.js';

const entry = (expiresAt: number): LoginState => ({ nonce: 'n', iss: 'https://moodle.test', clientId: 'c', expiresAt });

describe('MemoryLoginStateStore', () => {
  it('gives a state back once', async () => {
    const store = new MemoryLoginStateStore({ now: () => 0 });
    await store.put('s1', entry(100));
    expect(await store.take('s1')).toEqual(entry(100));
    expect(await store.take('s1')).toBeUndefined();
    expect(await store.take('never-put')).toBeUndefined();
  });

  it('forgets expired states when new ones come, and keeps at most its capacity, dropping the oldest', async () => {
    let now = 0;
    const store = new MemoryLoginStateStore({ now: () => now, capacity: 3 });
    await store.put('s1', entry(100));
    await store.put('s2', entry(200));
    now = 150;
    await store.put('s3', entry(300));
    expect(store.size).toBe(2);
    expect(await store.take('s1')).toBeUndefined();
    await store.put('s4', entry(400));
    await store.put('s5', entry(500));
    expect(store.size).toBe(3);
    expect(await store.take('s2')).toBeUndefined();
    expect(await store.take('s5')).toEqual(entry(500));
  });
});
