import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

/** Cheap cost for tests (2^10); production uses 2^16. */
const LOG_N = 10;

describe('password hashing', () => {
  it('verifies the password that was hashed', async () => {
    const stored = await hashPassword('correct horse battery staple', LOG_N);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
  });

  it('rejects a wrong password', async () => {
    const stored = await hashPassword('correct horse battery staple', LOG_N);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('stores the algorithm and its cost with a fresh salt, never the password', async () => {
    const a = await hashPassword('correct horse battery staple', LOG_N);
    const b = await hashPassword('correct horse battery staple', LOG_N);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('horse');
  });

  it('verifies a hash made with another cost, so the cost can rise later', async () => {
    const older = await hashPassword('correct horse battery staple', 9);
    expect(await verifyPassword('correct horse battery staple', older)).toBe(true);
  });

  it('treats the composed and decomposed forms of an accented password alike', async () => {
    const stored = await hashPassword('mot de passe \u00e9t\u00e9', LOG_N);
    expect(await verifyPassword('mot de passe e\u0301te\u0301', stored)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['another algorithm', '$2b$10$abcdefghijklmnopqrstuv'],
    ['too few parts', 'scrypt$10$8$1$c2FsdA'],
    ['too many parts', 'scrypt$10$8$1$c2FsdA$aGFzaA$extra'],
    ['a cost that is not a number', 'scrypt$ten$8$1$c2FsdA$aGFzaA'],
    ['a zero parameter', 'scrypt$10$0$1$c2FsdA$aGFzaA'],
    ['a negative cost', 'scrypt$-4$8$1$c2FsdA$aGFzaA'],
    ['a cost too high to compute', 'scrypt$40$8$1$c2FsdA$aGFzaA'],
    ['an absurd block size', 'scrypt$10$99999999$1$c2FsdA$aGFzaA'],
    ['an absurd parallelism', 'scrypt$10$8$99999999$c2FsdA$aGFzaA'],
    ['an empty hash', 'scrypt$10$8$1$c2FsdA$'],
  ])('answers false, without throwing, for a malformed stored hash: %s', async (_what, stored) => {
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(false);
  });
});
