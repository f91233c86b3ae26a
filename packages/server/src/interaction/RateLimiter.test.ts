import { describe, expect, it } from 'vitest';
import { CHAT_RATE, RateLimitedError, RateLimiter } from './RateLimiter.js';

function setup(options = CHAT_RATE) {
  let time = 0;
  const limiter = new RateLimiter({ ...options, now: () => time });
  return { limiter, advance: (ms: number) => (time += ms), setTime: (ms: number) => (time = ms) };
}

describe('RateLimiter', () => {
  it('allows a burst of `capacity`, then answers how long to wait instead of throwing', () => {
    const { limiter } = setup();
    for (let i = 0; i < 5; i++) expect(limiter.take('ana')).toEqual({ ok: true });
    expect(limiter.take('ana')).toEqual({ ok: false, retryAfterMs: 1_000 });
  });

  it('refills one token per second, and retrying after the given delay succeeds', () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 5; i++) limiter.take('ana');
    advance(400);
    const refused = limiter.take('ana');
    expect(refused).toEqual({ ok: false, retryAfterMs: 600 });
    advance(600);
    expect(limiter.take('ana')).toEqual({ ok: true });
    expect(limiter.take('ana').ok).toBe(false);
  });

  it('sustains the refill rate: 5 messages in 5 s after a burst, not more', () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 5; i++) limiter.take('ana');
    let accepted = 0;
    for (let ms = 0; ms < 5_000; ms += 100) {
      advance(100);
      if (limiter.take('ana').ok) accepted += 1;
    }
    expect(accepted).toBe(5);
  });

  it('never holds more than `capacity` tokens, however long one rests', () => {
    const { limiter, advance } = setup();
    advance(3_600_000);
    expect(limiter.available('ana')).toBe(5);
  });

  it('keeps people apart', () => {
    const { limiter } = setup();
    for (let i = 0; i < 5; i++) limiter.take('ana');
    expect(limiter.take('ben').ok).toBe(true);
  });

  it('neither mints nor removes tokens when the clock steps backwards', () => {
    const { limiter, setTime } = setup();
    setTime(10_000);
    for (let i = 0; i < 5; i++) limiter.take('ana');
    setTime(0);
    expect(limiter.available('ana')).toBe(0);
    setTime(11_000);
    expect(limiter.available('ana')).toBe(1);
  });

  it('throws a RateLimitedError with the delay from `consume`', () => {
    const { limiter } = setup({ capacity: 1, refillPerSecond: 0.5 });
    limiter.consume('ana');
    expect(() => limiter.consume('ana')).toThrow(RateLimitedError);
    try {
      limiter.consume('ana');
    } catch (error) {
      expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 2_000 });
    }
  });

  it('forgets rested buckets when many people are tracked (bounded memory)', () => {
    let time = 0;
    const limiter = new RateLimiter({ ...CHAT_RATE, now: () => time, pruneAbove: 100 });
    for (let i = 0; i < 100; i++) limiter.take(`viewer-${i}`);
    expect(limiter.size).toBe(100);
    time += 1_000;
    limiter.take('one-more');
    expect(limiter.size).toBe(1);
  });

  it('refuses a meaningless configuration', () => {
    expect(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ capacity: 1, refillPerSecond: 0 })).toThrow(RangeError);
  });
});
