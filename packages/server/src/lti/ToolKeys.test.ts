import { describe, expect, it } from 'vitest';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { Sealer } from './sealing.js';
import { ToolKeys, type StoredToolKey, type ToolKeyStore } from './ToolKeys.js';

/** The store's contract in memory, with one current key at most as the database enforces. */
class MemoryToolKeyStore implements ToolKeyStore {
  readonly rows: StoredToolKey[] = [];

  async currentKey(): Promise<StoredToolKey | null> {
    return this.rows.find((k) => k.retiredAt === null) ?? null;
  }

  async publishedKeys(retiredAfter: Date): Promise<StoredToolKey[]> {
    return this.rows.filter((k) => k.retiredAt === null || k.retiredAt > retiredAfter).reverse();
  }

  async addCurrentKey(key: Omit<StoredToolKey, 'retiredAt'>, options: { retire: boolean; now: Date }): Promise<boolean> {
    const current = this.rows.findIndex((k) => k.retiredAt === null);
    if (current >= 0) {
      if (!options.retire) return false;
      this.rows[current] = { ...this.rows[current]!, retiredAt: options.now };
    }
    this.rows.push({ ...key, retiredAt: null });
    return true;
  }

  async pruneKeys(before: Date): Promise<void> {
    const kept = this.rows.filter((k) => k.retiredAt === null || k.retiredAt >= before);
    this.rows.splice(0, this.rows.length, ...kept);
  }
}

const HOUR = 3_600_000;

function setup(secret = 'a test secret of enough length') {
  const store = new MemoryToolKeyStore();
  const clock = { now: Date.UTC(2026, 10, 30, 10, 0, 0) };
  const keys = new ToolKeys({ store, sealer: new Sealer(secret), now: () => clock.now });
  return { store, clock, keys };
}

async function signedWith(keys: ToolKeys): Promise<string> {
  const key = await keys.current();
  return new SignJWT({ hello: 'platform' }).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuedAt().setExpirationTime('5m').sign(key.privateKey);
}

async function verifies(jwt: string, keys: ToolKeys): Promise<boolean> {
  try {
    await jwtVerify(jwt, createLocalJWKSet(await keys.jwks()), { algorithms: ['RS256'] });
    return true;
  } catch {
    return false;
  }
}

describe('ToolKeys', () => {
  it('makes one RS256 key on first use, shared by concurrent callers, and keeps using it', async () => {
    const { store, keys } = setup();
    const [a, b] = await Promise.all([keys.current(), keys.current()]);
    expect(a.kid).toBe(b.kid);
    expect(a.alg).toBe('RS256');
    expect(store.rows).toHaveLength(1);
    expect((await keys.current()).kid).toBe(a.kid);
  });

  it('publishes only public key material, with kid, alg and use', async () => {
    const { keys } = setup();
    const { kid } = await keys.current();
    const { keys: published } = await keys.jwks();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ kty: 'RSA', kid, alg: 'RS256', use: 'sig' });
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(published[0]).not.toHaveProperty(privatePart);
  });

  it('stores the private key sealed, never as a readable JWK', async () => {
    const { store, keys } = setup();
    await keys.current();
    const sealed = store.rows[0]!.privateJwkSealed;
    expect(sealed).not.toContain('"d"');
    expect(sealed.startsWith('v1.')).toBe(true);
  });

  it('verifies a token signed with the current key against the published set', async () => {
    const { keys } = setup();
    expect(await verifies(await signedWith(keys), keys)).toBe(true);
  });

  it('rotates: the new key signs, the old one stays published for an hour, then disappears', async () => {
    const { clock, keys } = setup();
    const old = await keys.current();
    const oldToken = await signedWith(keys);
    const kid = await keys.rotate();
    expect(kid).not.toBe(old.kid);
    expect((await keys.current()).kid).toBe(kid);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([kid, old.kid]);
    expect(await verifies(oldToken, keys)).toBe(true);
    expect(await verifies(await signedWith(keys), keys)).toBe(true);

    clock.now += HOUR - 1000;
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([kid, old.kid]);
    clock.now += 2000;
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([kid]);
  });

  it('forgets keys retired more than an hour ago at the next rotation', async () => {
    const { store, clock, keys } = setup();
    await keys.current();
    await keys.rotate();
    clock.now += 2 * HOUR;
    await keys.rotate();
    expect(store.rows).toHaveLength(2);
  });

  it('uses a key made by another instance (same store and secret)', async () => {
    const { store, keys } = setup();
    const other = new ToolKeys({ store, sealer: new Sealer('a test secret of enough length') });
    const { kid } = await keys.current();
    const theirs = await other.current();
    expect(theirs.kid).toBe(kid);
    expect(await verifies(await signedWith(other), keys)).toBe(true);
  });

  it('replaces a current key sealed under another secret instead of failing to sign', async () => {
    const { store, keys } = setup('the old secret, since changed');
    const { kid } = await keys.current();
    const after = new ToolKeys({ store, sealer: new Sealer('the new secret after the change') });
    const fresh = await after.current();
    expect(fresh.kid).not.toBe(kid);
    expect(await verifies(await signedWith(after), after)).toBe(true);
  });
});

describe('Sealer', () => {
  it('opens what it sealed, and nothing sealed under another secret or tampered with', () => {
    const sealer = new Sealer('one secret');
    const sealed = sealer.seal('consumer secret');
    expect(sealer.open(sealed)).toBe('consumer secret');
    expect(new Sealer('another secret').open(sealed)).toBeNull();
    expect(sealer.open(sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA'))).toBeNull();
    expect(sealer.open('not sealed')).toBeNull();
  });
});
