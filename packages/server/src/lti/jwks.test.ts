import { describe, expect, it } from 'vitest';
import { JwksCache } from './jwks.js';
import { isLtiError } from './ltiError.js';
import { REGISTRATION, signingKey } from './lti.testkit.js';

describe('JwksCache', () => {
  it('shares one fetch between launches that need the keys at the same time', async () => {
    const key = await signingKey('k1');
    let fetches = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = new JwksCache({
      fetchJwks: async () => {
        fetches += 1;
        await gate;
        return { keys: [key.publicJwk] };
      },
      now: () => 0,
    });
    const getKey = cache.keysFor(REGISTRATION);
    const both = Promise.all([getKey({ alg: 'RS256', kid: 'k1' }, { payload: '', signature: '' }), getKey({ alg: 'RS256', kid: 'k1' }, { payload: '', signature: '' })]);
    release();
    await both;
    expect(fetches).toBe(1);
  });

  it('refuses with LTI_INVALID when the keys cannot be fetched, and does not retry within the cooldown', async () => {
    let now = 0;
    let fetches = 0;
    const cache = new JwksCache({
      fetchJwks: () => {
        fetches += 1;
        return fetches === 1 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve({ not: 'a key set' });
      },
      now: () => now,
      cooldownMs: 1000,
    });
    const getKey = cache.keysFor(REGISTRATION);
    const token = { payload: '', signature: '' };
    for (const attempt of [1, 2]) {
      const error: unknown = await Promise.resolve(getKey({ alg: 'RS256', kid: 'k1' }, token)).then(() => undefined, (e: unknown) => e);
      expect(isLtiError(error), `attempt ${attempt}`).toBe(true);
    }
    expect(fetches).toBe(1);
    now = 1000;
    await Promise.resolve(getKey({ alg: 'RS256', kid: 'k1' }, token)).catch(() => undefined);
    expect(fetches).toBe(2);
  });

  it('keeps the previous keys when a later fetch fails', async () => {
    const key = await signingKey('k1');
    let now = 0;
    let up = true;
    const cache = new JwksCache({ fetchJwks: () => (up ? Promise.resolve({ keys: [key.publicJwk] }) : Promise.reject(new Error('down'))), now: () => now });
    const getKey = cache.keysFor(REGISTRATION);
    const token = { payload: '', signature: '' };
    await getKey({ alg: 'RS256', kid: 'k1' }, token);
    up = false;
    now = 120_000;
    await Promise.resolve(getKey({ alg: 'RS256', kid: 'k2' }, token)).catch(() => undefined);
    await expect(getKey({ alg: 'RS256', kid: 'k1' }, token)).resolves.toBeDefined();
  });
});
