import { Redis } from 'ioredis';
import { TypedEmitter } from '@amphi/protocol';
import { BusClosedError, checkTtl, type Bus, type BusEvents, type BusListener, type Subscription } from './Bus.js';

export interface RedisBusOptions {
  /** Redis connection string (REDIS_URL). */
  url: string;
  /** Prefix of every key and channel (AMPHI_REDIS_PREFIX): instances with the same prefix share rooms. */
  prefix: string;
}

// Lease scripts: each runs atomically in Redis. Times come from Redis's clock (TIME), so the
// instances' clocks never matter. A shared lease is a string (its value) and a sorted set of
// holders scored by the time each hold expires; both expire with the last hold.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const EXPIRE_WITH_LAST_HOLD = `
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], last[2])
  redis.call('PEXPIREAT', KEYS[2], last[2])`;

const CLAIM = `
  local v = redis.call('GET', KEYS[1])
  if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
  return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0`;
/** ARGV: holder, ttl, mode (any | match | create), value. */
const HOLD = `${NOW}
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local v = redis.call('GET', KEYS[1])
  if v and redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) v = false end
  if not v then
    if ARGV[3] ~= 'create' then return false end
    v = ARGV[4]
    redis.call('SET', KEYS[1], v)
  elseif ARGV[3] ~= 'any' and v ~= ARGV[4] then
    return v
  end
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  ${EXPIRE_WITH_LAST_HOLD}
  return v`;
const UNHOLD = `${NOW}
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local n = redis.call('ZCARD', KEYS[2])
  if n == 0 or redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) return 0 end
  ${EXPIRE_WITH_LAST_HOLD}
  return n`;
const REVOKE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) return 1 end return 0`;

interface Channel {
  listeners: Set<BusListener>;
  /** Settles once Redis confirmed the subscription. */
  ready: Promise<void>;
}

/**
 * The bus over Redis: one connection for commands and publishing, a dedicated one for
 * subscriptions (a subscribed Redis connection can do nothing else). Every key and channel
 * carries the prefix. Redis delivers a channel's messages in the order it received them, and
 * one connection sends them in the order they were published: order per channel holds for
 * everything published through one bus. ioredis reconnects and subscribes again by itself;
 * messages published while a connection was down are lost (see Bus).
 */
export class RedisBus extends TypedEmitter<BusEvents> implements Bus {
  readonly #prefix: string;
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  readonly #channels = new Map<string, Channel>();
  #closed = false;

  constructor(options: RedisBusOptions) {
    super();
    this.#prefix = options.prefix;
    this.#commands = new Redis(options.url, { maxRetriesPerRequest: 2 });
    this.#subscriber = new Redis(options.url);
    const report = (error: Error) => this.emit('error', error);
    this.#commands.on('error', report);
    this.#subscriber.on('error', report);
    this.#subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.#channels.get(channel.slice(this.#prefix.length))?.listeners;
      if (!listeners) return;
      for (const listener of [...listeners]) {
        try {
          listener(message);
        } catch (error) {
          this.emit('error', error instanceof Error ? error : new Error(String(error)));
        }
      }
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#assertOpen();
    await this.#commands.publish(this.#prefix + channel, message);
  }

  async subscribe(channel: string, listener: BusListener): Promise<Subscription> {
    this.#assertOpen();
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), ready: this.#subscriber.subscribe(this.#prefix + channel).then(() => undefined) };
      this.#channels.set(channel, entry);
    }
    const own: BusListener = (message) => listener(message);
    entry.listeners.add(own);
    const unsubscribe = async (): Promise<void> => {
      if (!entry.listeners.delete(own) || entry.listeners.size > 0 || this.#channels.get(channel) !== entry) return;
      this.#channels.delete(channel);
      if (!this.#closed) await this.#subscriber.unsubscribe(this.#prefix + channel);
    };
    try {
      await entry.ready;
    } catch (error) {
      await unsubscribe().catch(() => undefined);
      throw error;
    }
    return { unsubscribe };
  }

  async claim(key: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    return (await this.#eval(CLAIM, [key], [holder, String(ttlMs)])) === 1;
  }

  async release(key: string, holder: string): Promise<boolean> {
    return (await this.#eval(RELEASE, [key], [holder])) === 1;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    checkTtl(ttlMs);
    await this.#commands.set(this.#prefix + key, value, 'PX', ttlMs);
  }

  async get(key: string): Promise<string | null> {
    this.#assertOpen();
    return this.#commands.get(this.#prefix + key);
  }

  async hold(key: string, holder: string, ttlMs: number, options: { value?: string; create?: boolean } = {}): Promise<string | null> {
    checkTtl(ttlMs);
    const mode = options.value === undefined ? 'any' : options.create ? 'create' : 'match';
    const value = await this.#eval(HOLD, [key, `${key}:holders`], [holder, String(ttlMs), mode, options.value ?? '']);
    return typeof value === 'string' ? value : null;
  }

  async unhold(key: string, holder: string): Promise<number> {
    return Number(await this.#eval(UNHOLD, [key, `${key}:holders`], [holder]));
  }

  async revoke(key: string, value: string): Promise<boolean> {
    return (await this.#eval(REVOKE, [key, `${key}:holders`], [value])) === 1;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    this.#subscriber.disconnect();
    // Lets commands already sent finish (a lease given up on shutdown reaches Redis).
    if (this.#commands.status === 'ready') await this.#commands.quit().catch(() => this.#commands.disconnect());
    else this.#commands.disconnect();
    this.emit('closed');
    this.removeAllListeners();
  }

  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    this.#assertOpen();
    return this.#commands.eval(script, keys.length, ...keys.map((k) => this.#prefix + k), ...args);
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusClosedError();
  }
}
