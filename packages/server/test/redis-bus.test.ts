import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { testConfig } from '../src/index.js';
import { RedisBus } from '../src/realtime/bus/index.js';
import { describeBusContract } from '../src/realtime/bus/busContract.testkit.js';

const url = testConfig().redisUrl;

/** Deletes every key under the prefix (what a test left behind). */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(url!);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

// The real Redis of this machine; CI's second pass sets REDIS_URL.
describe.runIf(url)('RedisBus on the real Redis', () => {
  describeBusContract('RedisBus', async () => {
    const prefix = `amphi-test-${randomBytes(6).toString('hex')}-`;
    const a = new RedisBus({ url: url!, prefix });
    const b = new RedisBus({ url: url!, prefix });
    return {
      a,
      b,
      // Leases expire on Redis's clock: let the time pass for real (plus a margin for rounding).
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 20)),
      close: async () => {
        await Promise.all([a.close(), b.close()]);
        await dropKeys(prefix);
      },
    };
  });

  it('keeps its keys and channels under its prefix: buses with another prefix share nothing', async () => {
    const prefix = `amphi-test-${randomBytes(6).toString('hex')}-`;
    const ours = new RedisBus({ url: url!, prefix });
    const theirs = new RedisBus({ url: url!, prefix: `${prefix}other-` });
    const raw = new Redis(url!);
    try {
      await ours.claim('room:1:leader', 'instance-a', 60_000);
      await ours.hold('room:1:session', 'instance-a', 60_000, { value: 'S1', create: true });
      expect(await raw.get(`${prefix}room:1:leader`)).toBe('instance-a');
      expect(await raw.get(`${prefix}room:1:session`)).toBe('S1');
      expect(await raw.zrange(`${prefix}room:1:session:holders`, 0, -1)).toEqual(['instance-a']);
      expect(await theirs.get('room:1:leader')).toBeNull();
      expect(await theirs.claim('room:1:leader', 'instance-b', 60_000)).toBe(true);

      const heard: string[] = [];
      await theirs.subscribe('room:1', (m) => heard.push(m));
      const ownHeard: string[] = [];
      await ours.subscribe('room:1', (m) => ownHeard.push(m));
      await ours.publish('room:1', 'for our prefix only');
      await expect.poll(() => ownHeard).toEqual(['for our prefix only']);
      expect(heard).toEqual([]);
    } finally {
      raw.disconnect();
      await Promise.all([ours.close(), theirs.close()]);
      await dropKeys(prefix);
    }
  });
});
