import { describe, expect, it } from 'vitest';
import { MemoryBus } from './MemoryBus.js';
import { describeBusContract } from './busContract.testkit.js';

describeBusContract('MemoryBus', async () => {
  let time = 1_000_000;
  const a = new MemoryBus({ now: () => time });
  const b = a.connect();
  return {
    a,
    b,
    advance: async (ms) => {
      time += ms;
    },
    close: async () => {
      await Promise.all([a.close(), b.close()]);
    },
  };
});

describe('MemoryBus', () => {
  it('never delivers inside publish: a listener runs after the publisher’s synchronous code', async () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    await bus.subscribe('room', (m) => seen.push(m));
    const published = bus.publish('room', 'hello');
    seen.push('after publish');
    await published;
    await expect.poll(() => seen).toEqual(['after publish', 'hello']);
    await bus.close();
  });

  it('closes one connection without touching the others: their subscriptions and every lease live on', async () => {
    const bus = new MemoryBus();
    const other = bus.connect();
    const heard: string[] = [];
    const gone: string[] = [];
    await other.subscribe('room', (m) => heard.push(m));
    await bus.subscribe('room', (m) => gone.push(m));
    await bus.claim('leader', 'instance-a', 60_000);
    await bus.close();
    expect(await other.get('leader')).toBe('instance-a');
    await other.publish('room', 'still here');
    await expect.poll(() => heard).toEqual(['still here']);
    expect(gone).toEqual([]);
    await other.close();
  });
});
