import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredentials, turnUserId } from './turn.js';

const URLS = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'];
/** 2024-01-01T00:00:00.250Z */
const NOW_MS = 1_704_067_200_250;
const now = (): number => NOW_MS;

describe('TURN REST credentials', () => {
  it('signs `expiry:user` with HMAC-SHA1 of the shared secret, in base64', () => {
    const ice = turnCredentials({ secret: 'north-wind', userId: 'u-42', ttlS: 3600, urls: URLS, now });
    expect(ice.username).toBe('1704070800:u-42');
    const expected = createHmac('sha1', 'north-wind').update('1704070800:u-42').digest('base64');
    expect(ice.credential).toBe(expected);
    expect(ice.urls).toEqual(URLS);
  });

  it('expires ttl seconds after now, counted from the whole second', () => {
    const ice = turnCredentials({ secret: 's', userId: 'u', ttlS: 90, urls: URLS, now });
    expect(Number(ice.username.split(':')[0])).toBe(Math.floor(NOW_MS / 1000) + 90);
  });

  it('gives different credentials for different secrets, and the same for the same inputs', () => {
    const a = turnCredentials({ secret: 'secret-a', userId: 'u', ttlS: 60, urls: URLS, now });
    const b = turnCredentials({ secret: 'secret-b', userId: 'u', ttlS: 60, urls: URLS, now });
    expect(a.username).toBe(b.username);
    expect(a.credential).not.toBe(b.credential);
    expect(turnCredentials({ secret: 'secret-a', userId: 'u', ttlS: 60, urls: URLS, now })).toEqual(a);
  });

  it('replaces a ":" in the user id so the username keeps exactly one separator', () => {
    const ice = turnCredentials({ secret: 's', userId: 'guest:7:x', ttlS: 60, urls: URLS, now });
    expect(ice.username).toBe(`${Math.floor(NOW_MS / 1000) + 60}:guest_7_x`);
    expect(ice.username.split(':')).toHaveLength(2);
  });

  it('drops control characters, caps the length and names an empty user id', () => {
    expect(turnUserId('a\nb\u0000c')).toBe('abc');
    expect(turnUserId('é'.repeat(100))).toBe('é'.repeat(64));
    expect(turnUserId('')).toBe('anonymous');
  });

  it('copies the URLs instead of keeping the caller\u2019s array', () => {
    const urls = [...URLS];
    const ice = turnCredentials({ secret: 's', userId: 'u', ttlS: 60, urls, now });
    urls.push('turn:other.example');
    expect(ice.urls).toEqual(URLS);
  });

  it('rejects an empty secret and a lifetime that is not a positive whole number', () => {
    expect(() => turnCredentials({ secret: '', userId: 'u', ttlS: 60, urls: URLS })).toThrow(/secret/);
    for (const ttlS of [0, -5, 1.5, Number.NaN]) {
      expect(() => turnCredentials({ secret: 's', userId: 'u', ttlS, urls: URLS })).toThrow(/lifetime/);
    }
  });
});
