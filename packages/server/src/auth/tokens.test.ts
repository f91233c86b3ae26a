import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenSigner, randomToken, sha256, type LinkClaims } from './tokens.js';

const SECRET = 'unit-test-secret-'.padEnd(40, 'x');
const signer = new TokenSigner(SECRET);
const link: LinkClaims = { typ: 'link', lid: 'link-1', rid: 'room-1', role: 'participant' };

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
function parts(token: string): [header: string, payload: string, signature: string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}
function payloadOf(token: string): Record<string, unknown> {
  const decoded: unknown = JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString('utf8'));
  if (typeof decoded !== 'object' || decoded === null) throw new Error('payload is not an object');
  return { ...decoded };
}

describe('TokenSigner', () => {
  it('accepts its own link, ticket and resume tokens and returns their claims', async () => {
    expect(await signer.verifyLink(await signer.sign(link))).toEqual(link);
    const ticket = { typ: 'ticket', rid: 'room-1', role: 'guest', name: 'Alice', lid: 'link-1' } as const;
    expect(await signer.verifyTicket(await signer.sign(ticket, 60))).toEqual(ticket);
    const resume = { typ: 'resume', rid: 'room-1', pid: 'p-1', name: 'Alice', role: 'participant', uid: 'user-1', sid: 'session-1' } as const;
    expect(await signer.verifyResume(await signer.sign(resume, 60))).toEqual(resume);
  });

  it("carries a guest's key (gk) in tickets and resume tokens, and leaves it out when absent", async () => {
    const gk = signer.guestKey('browser-cookie-value-1');
    const ticket = { typ: 'ticket', rid: 'room-1', role: 'guest', name: 'Alice', lid: 'link-1', gk } as const;
    expect(await signer.verifyTicket(await signer.sign(ticket, 60))).toEqual(ticket);
    const resume = { typ: 'resume', rid: 'room-1', pid: 'p-1', name: 'Alice', role: 'guest', gk, sid: 'session-1' } as const;
    expect(await signer.verifyResume(await signer.sign(resume, 60))).toEqual(resume);
    expect(await signer.verifyTicket(await signer.sign({ typ: 'ticket', rid: 'room-1', role: 'guest', name: 'Bob' }, 60))).not.toHaveProperty('gk');
  });

  it('refuses a ticket whose guest key was changed after signing', async () => {
    const [header, payload, signature] = parts(await signer.sign({ typ: 'ticket', rid: 'room-1', role: 'guest', name: 'Alice', gk: signer.guestKey('mine') }, 60));
    const claims = { ...payloadOf(`${header}.${payload}.${signature}`), gk: signer.guestKey('someone-else') };
    await expect(signer.verifyTicket(`${header}.${b64(claims)}.${signature}`)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
  });

  it('derives one guest key per browser cookie, the same on every instance with the secret, never the cookie itself', () => {
    const cookie = randomToken(16);
    const key = signer.guestKey(cookie);
    expect(new TokenSigner(SECRET).guestKey(cookie)).toBe(key);
    expect(signer.guestKey(randomToken(16))).not.toBe(key);
    expect(new TokenSigner(SECRET + 'y').guestKey(cookie)).not.toBe(key);
    expect(key).toMatch(/^g:[\w-]{43}$/);
    expect(key).not.toContain(cookie);
  });

  it("gives a link one stable token, which expires with the link's row", async () => {
    const row = { id: 'link-1', roomId: 'room-1', role: 'participant' as const, createdAt: new Date('2026-01-01T00:00:00Z'), expiresAt: null };
    const token = await signer.signLink(row);
    expect(await signer.signLink(row)).toBe(token);
    expect(await signer.verifyLink(token)).toEqual(link);
    const expired = await signer.signLink({ ...row, expiresAt: new Date(Date.now() - 1000) });
    await expect(signer.verifyLink(expired)).rejects.toMatchObject({ code: 'LINK_EXPIRED' });
  });

  it('never accepts one kind of token as another', async () => {
    const linkToken = await signer.sign(link, 60);
    const ticketToken = await signer.sign({ typ: 'ticket', rid: 'room-1', role: 'moderator', name: 'Prof' }, 60);
    const resumeToken = await signer.sign({ typ: 'resume', rid: 'room-1', pid: 'p-1', name: 'Alice', role: 'participant' }, 60);
    await expect(signer.verifyTicket(linkToken)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(signer.verifyTicket(resumeToken)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(signer.verifyLink(ticketToken)).rejects.toMatchObject({ code: 'LINK_INVALID' });
    await expect(signer.verifyResume(ticketToken)).rejects.toMatchObject({ code: 'RESUME_EXPIRED' });
  });

  it('reports an expired link as LINK_EXPIRED, an expired ticket as TICKET_INVALID', async () => {
    await expect(signer.verifyLink(await signer.sign(link, -60))).rejects.toMatchObject({ code: 'LINK_EXPIRED' });
    await expect(signer.verifyTicket(await signer.sign({ typ: 'ticket', rid: 'r', role: 'guest', name: 'A' }, -60))).rejects.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(signer.verifyResume(await signer.sign({ typ: 'resume', rid: 'r', pid: 'p', name: 'Alice', role: 'guest' }, -60))).rejects.toMatchObject({ code: 'RESUME_EXPIRED' });
  });

  it('refuses a token signed with another secret', async () => {
    const other = new TokenSigner('another-secret-'.padEnd(40, 'y'));
    await expect(signer.verifyLink(await other.sign(link))).rejects.toMatchObject({ code: 'LINK_INVALID' });
  });

  it('gives signers with the same secret the same key fingerprint, one that differs with the secret and does not contain it', () => {
    const fingerprint = signer.fingerprint();
    expect(new TokenSigner(SECRET).fingerprint()).toBe(fingerprint);
    expect(new TokenSigner(SECRET + 'y').fingerprint()).not.toBe(fingerprint);
    expect(fingerprint).toMatch(/^[\w-]{22}$/);
    expect(SECRET).not.toContain(fingerprint);
  });

  it('refuses a resume token without the person it stands for (as signed by earlier versions)', async () => {
    // Signed with the signer's own key, the way it derives it, but with the old claims only.
    const key = createHash('sha256').update('amphi-tokens:' + SECRET).digest();
    const bare = await new SignJWT({ typ: 'resume', rid: 'room-1', pid: 'p-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('amphi').setAudience('resume').setExpirationTime('1m').sign(key);
    await expect(signer.verifyResume(bare)).rejects.toMatchObject({ code: 'RESUME_EXPIRED' });
  });

  it('refuses a forged signature', async () => {
    const [header, payload, signature] = parts(await signer.sign(link));
    // Change the first signature character: the last one may only carry padding bits.
    const forged = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(signer.verifyLink(forged)).rejects.toMatchObject({ code: 'LINK_INVALID' });
    await expect(signer.verifyLink(`${header}.${payload}.`)).rejects.toMatchObject({ code: 'LINK_INVALID' });
  });

  it('refuses an unsigned token (alg "none")', async () => {
    const claims = { ...payloadOf(await signer.sign(link)), role: 'moderator' };
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    await expect(signer.verifyLink(unsigned)).rejects.toMatchObject({ code: 'LINK_INVALID' });
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, payload, signature] = parts(await signer.sign(link));
    const claims = { ...payloadOf(`${header}.${payload}.${signature}`), role: 'moderator' };
    await expect(signer.verifyLink(`${header}.${b64(claims)}.${signature}`)).rejects.toMatchObject({ code: 'LINK_INVALID' });
  });

  it('refuses things that are not tokens at all', async () => {
    for (const junk of ['', 'not-a-token', 'a.b.c', '...', '\u0000']) {
      await expect(signer.verifyLink(junk)).rejects.toMatchObject({ code: 'LINK_INVALID' });
    }
  });
});

describe('opaque tokens', () => {
  it('are random, URL-safe, and stored as a hash that differs from the token', () => {
    const a = randomToken();
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(randomToken()).not.toBe(a);
    expect(sha256(a)).not.toBe(a);
    expect(sha256(a)).toBe(sha256(a));
  });

  it('makes two tickets with the same claims in the same second different, both valid', async () => {
    const signer = new TokenSigner('same-second');
    const claims = { typ: 'ticket', rid: 'room-1', role: 'moderator', name: 'Prof' } as const;
    const [a, b] = await Promise.all([signer.sign(claims, 60), signer.sign(claims, 60)]);
    expect(a).not.toBe(b);
    await expect(signer.verifyTicket(a)).resolves.toMatchObject(claims);
    await expect(signer.verifyTicket(b)).resolves.toMatchObject(claims);
  });
});
