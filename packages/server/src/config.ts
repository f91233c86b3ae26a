import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { HLS_RUNG_NAMES } from './broadcast/index.js';

/**
 * Every setting of the Amphi server, with its default. This file is the only reader of
 * `process.env`; the embedded default needs no setting at all.
 */
export interface Config {
  /** TCP port (AMPHI_PORT or PORT, default 8080). */
  port: number;
  /** Interface to listen on (AMPHI_HOST, default 0.0.0.0). */
  host: string;
  /** Public base URL used in links (AMPHI_PUBLIC_URL, default http://localhost:<port>). */
  publicUrl: string;
  /**
   * RTMP URL shown to moderators for OBS and hardware encoders, without the stream key
   * (AMPHI_RTMP_URL, default `rtmp://<host of publicUrl>:1935/live`).
   */
  rtmpUrl: string;
  /**
   * Port of the RTMP ingest for encoders (AMPHI_RTMP_PORT, default 1935; 0: no RTMP ingest).
   * Served by a private nginx with Debian's RTMP module, started with the server.
   */
  rtmpPort: number;
  /** Interface the RTMP ingest listens on (AMPHI_RTMP_HOST, default 0.0.0.0). */
  rtmpHost: string;
  /**
   * Viewers per Janus host on the sub-second WebRTC audience tier (AMPHI_AUDIENCE_WEBRTC_MAX,
   * default 200; 0: no WebRTC tier, everyone on HLS). Beyond it, viewers get HLS. Ten viewers
   * cost Janus 6–8 % of a core here.
   */
  audienceWebrtcMax: number;
  /**
   * The HLS ladder, highest first (AMPHI_HLS_LADDER, default `src,720p,360p`): `src` passes an
   * H.264 encoder's video through when it is at most 1080p (a stage program has no `src`);
   * the others are re-encoded: 1080p, 720p, 540p, 480p, 360p, 240p.
   */
  hlsLadder: string[];
  /** x264 preset of the ladder (AMPHI_HLS_PRESET, default veryfast; ultrafast halves the CPU). */
  hlsPreset: string;
  /** Folder for the embedded database and generated secrets (AMPHI_DATA_DIR, default ./data). */
  dataDir: string;
  /** PostgreSQL connection string (DATABASE_URL). Unset: embedded PGlite under dataDir/pglite. */
  databaseUrl: string | undefined;
  /**
   * Redis connection string (REDIS_URL). Set: instances with the same Redis and prefix share
   * rooms' live sessions (docs/operations.md, "Several instances") and rate limits. Unset:
   * one instance, with an in-process bus and rate limits.
   */
  redisUrl: string | undefined;
  /** Prefix of every Redis key (AMPHI_REDIS_PREFIX, default `amphi-`): instances with the same prefix share state. */
  redisPrefix: string;
  /**
   * Secret for signing links, tickets and resume tokens (AMPHI_SECRET, default generated once
   * into dataDir/secret). Instances that share rooms must have the same one: an instance whose
   * secret differs from the running ones' refuses to start.
   */
  secret: string;
  /** Email of the first administrator, created on first start (AMPHI_ADMIN_EMAIL, default admin@amphi.local). */
  adminEmail: string;
  /** Password of the first administrator (AMPHI_ADMIN_PASSWORD, default random, written to dataDir/admin-password.txt). */
  adminPassword: string | undefined;
  /** Open sign-up on first start (AMPHI_OPEN_SIGNUP, default true); administrators can change it later. */
  openSignupDefault: boolean;
  /** Mark cookies Secure (AMPHI_COOKIE_SECURE, default: true when publicUrl is https). */
  cookieSecure: boolean;
  /** Session lifetime in seconds (AMPHI_SESSION_TTL_S, default 14 days). */
  sessionTtlS: number;
  /** Join ticket lifetime in seconds (default 60). */
  ticketTtlS: number;
  /** How long (ms) a lost connection keeps its place in the room (AMPHI_RESUME_GRACE_MS, default 30000). */
  resumeGraceMs: number;
  /** WebSocket heartbeat interval in ms (AMPHI_HEARTBEAT_MS, default 15000); a socket silent for two intervals is dropped. */
  heartbeatMs: number;
  /** Time (ms) a new WebSocket has to send its hello before it is closed (AMPHI_HELLO_TIMEOUT_MS, default 10000). */
  helloTimeoutMs: number;
  /** scrypt cost as log2(N) (AMPHI_SCRYPT_LOG_N, default 15: 32 MiB and ~0.1 s of one core per hash; raise to 17 for OWASP's strictest setting). */
  scryptLogN: number;
  /** Requests per minute per client address on sign-in and sign-up (AMPHI_RATE_SIGNIN, default 10). */
  rateSignInPerMin: number;
  /** Requests per minute per client address on join (AMPHI_RATE_JOIN, default 30). */
  rateJoinPerMin: number;
  /** Requests per minute per client address on every other API route (AMPHI_RATE_API, default 600). */
  rateApiPerMin: number;
  /**
   * Requests per minute per client address on each LTI endpoint (/lti/login, /lti/launch,
   * /lti/launch11, /api/lti/join; AMPHI_RATE_LTI, default 600): a class behind one campus
   * address launches together.
   */
  rateLtiPerMin: number;
  /**
   * Least time in seconds between two fetches of a platform's key set when a launch names a key
   * id Amphi does not know (AMPHI_LTI_JWKS_COOLDOWN_S, default 60): a platform that rotated its
   * keys is followed at once, a stream of made-up key ids does not hammer it.
   */
  ltiJwksCooldownS: number;
  /**
   * Requests per minute per client address and per route on the HLS origin (`/hls/…`: playlists,
   * media, master playlist each counted apart; AMPHI_RATE_HLS, default 30000; 0: no limit). An
   * LL-HLS viewer makes about 3 playlist and 3 media requests a second (a blocking reload and a
   * part every 1/3 s), so the default lets ~160 viewers share one address (a campus NAT). Behind
   * a CDN or edge cache the origin sees the edges' addresses: raise it or set 0 there.
   */
  rateHlsPerMin: number;
  /** Folder with the built web app (default packages/web/dist). */
  webDist: string;
  /**
   * Hops of reverse proxies whose X-Forwarded-For is trusted for the client address, which
   * rate limits count by (AMPHI_TRUST_PROXY, default 0: none).
   */
  trustProxy: number;
  /** pino log level (AMPHI_LOG_LEVEL, default info). */
  logLevel: string;
  /**
   * External Janus servers' WebSocket API URLs, comma-separated (AMPHI_JANUS_URLS). Unset:
   * Amphi starts and supervises its own Janus (the `janus` Debian package) on first use.
   */
  janusUrls: string[];
  /** API secret of the external Janus servers (AMPHI_JANUS_API_SECRET). */
  janusApiSecret: string | undefined;
  /** Plugin admin_key of the external Janus servers, needed to create rooms (AMPHI_JANUS_ADMIN_KEY). */
  janusAdminKey: string | undefined;
  /** Embedded Janus: address it gathers ICE candidates on (AMPHI_JANUS_IP, default: the host's outward IPv4). */
  janusIp: string | undefined;
  /** Embedded Janus: UDP port range for media (AMPHI_JANUS_RTP_PORTS, default 20000-40000). */
  janusRtpPorts: [number, number];
  /** Embedded Janus: event loops (AMPHI_JANUS_EVENT_LOOPS, default: one per core). */
  janusEventLoops: number | undefined;
  /** TURN server URLs given to browsers, comma-separated turn:/turns: URLs (AMPHI_TURN_URLS, default none). */
  turnUrls: string[];
  /** Shared secret with the TURN server (coturn static-auth-secret) (AMPHI_TURN_SECRET). */
  turnSecret: string | undefined;
  /** Lifetime of TURN credentials in seconds (AMPHI_TURN_TTL_S, default 14400: longer than a lecture, since an ICE restart allocates again with the same credential). */
  turnTtlS: number;
  /** STUN server URLs given to browsers, comma-separated (AMPHI_STUN_URLS, default none). */
  stunUrls: string[];
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
}

function portRange(value: string | undefined, fallback: [number, number]): [number, number] {
  if (value === undefined || value === '') return fallback;
  const match = /^(\d+)-(\d+)$/.exec(value.trim());
  const [min, max] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(min >= 1024 && max <= 65535 && min < max)) throw new Error(`Expected a port range like 20000-40000, got "${value}"`);
  return [min, max];
}

/** AMPHI_HLS_LADDER: distinct rung names of broadcast/rungs.ts. */
function ladder(value: string | undefined): string[] {
  const names = list(value ?? 'src,720p,360p');
  if (names.length === 0 || names.some((n) => !HLS_RUNG_NAMES.includes(n)) || new Set(names).size !== names.length) {
    throw new Error(`AMPHI_HLS_LADDER: expected distinct names among ${HLS_RUNG_NAMES.join(', ')}, got "${value}"`);
  }
  return names;
}

function preset(value: string | undefined): string {
  const presets = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'];
  if (value === undefined || value === '') return 'veryfast';
  if (!presets.includes(value)) throw new Error(`AMPHI_HLS_PRESET: expected one of ${presets.join(', ')}, got "${value}"`);
  return value;
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');

function int(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Expected a non-negative integer, got "${value}"`);
  return n;
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** Reads the generated secret from dataDir, creating it on first start. */
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = int(env.AMPHI_PORT ?? env.PORT, 8080);
  const publicUrl = (env.AMPHI_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const dataDir = path.resolve(env.AMPHI_DATA_DIR ?? path.join(repoRoot, 'data'));
  return {
    port,
    host: env.AMPHI_HOST ?? '0.0.0.0',
    publicUrl,
    rtmpUrl: (env.AMPHI_RTMP_URL || `rtmp://${new URL(publicUrl).hostname}:1935/live`).replace(/\/+$/, ''),
    rtmpPort: int(env.AMPHI_RTMP_PORT, 1935),
    rtmpHost: env.AMPHI_RTMP_HOST || '0.0.0.0',
    audienceWebrtcMax: int(env.AMPHI_AUDIENCE_WEBRTC_MAX, 200),
    hlsLadder: ladder(env.AMPHI_HLS_LADDER),
    hlsPreset: preset(env.AMPHI_HLS_PRESET),
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.AMPHI_REDIS_PREFIX || 'amphi-',
    secret: env.AMPHI_SECRET || persistentSecret(dataDir),
    adminEmail: (env.AMPHI_ADMIN_EMAIL ?? 'admin@amphi.local').toLowerCase(),
    adminPassword: env.AMPHI_ADMIN_PASSWORD || undefined,
    openSignupDefault: bool(env.AMPHI_OPEN_SIGNUP, true),
    cookieSecure: bool(env.AMPHI_COOKIE_SECURE, publicUrl.startsWith('https:')),
    sessionTtlS: int(env.AMPHI_SESSION_TTL_S, 14 * 24 * 3600),
    ticketTtlS: 60,
    resumeGraceMs: int(env.AMPHI_RESUME_GRACE_MS, 30_000),
    heartbeatMs: int(env.AMPHI_HEARTBEAT_MS, 15_000),
    helloTimeoutMs: int(env.AMPHI_HELLO_TIMEOUT_MS, 10_000),
    scryptLogN: int(env.AMPHI_SCRYPT_LOG_N, 15),
    rateSignInPerMin: int(env.AMPHI_RATE_SIGNIN, 10),
    rateJoinPerMin: int(env.AMPHI_RATE_JOIN, 30),
    rateApiPerMin: int(env.AMPHI_RATE_API, 600),
    rateLtiPerMin: int(env.AMPHI_RATE_LTI, 600),
    ltiJwksCooldownS: int(env.AMPHI_LTI_JWKS_COOLDOWN_S, 60),
    rateHlsPerMin: int(env.AMPHI_RATE_HLS, 30_000),
    webDist: path.resolve(env.AMPHI_WEB_DIST ?? path.join(repoRoot, 'packages/web/dist')),
    trustProxy: int(env.AMPHI_TRUST_PROXY, 0),
    logLevel: env.AMPHI_LOG_LEVEL ?? 'info',
    janusUrls: list(env.AMPHI_JANUS_URLS),
    janusApiSecret: env.AMPHI_JANUS_API_SECRET || undefined,
    janusAdminKey: env.AMPHI_JANUS_ADMIN_KEY || undefined,
    janusIp: env.AMPHI_JANUS_IP || undefined,
    janusRtpPorts: portRange(env.AMPHI_JANUS_RTP_PORTS, [20000, 40000]),
    // 0 or unset: one per core.
    janusEventLoops: int(env.AMPHI_JANUS_EVENT_LOOPS, 0) || undefined,
    turnUrls: list(env.AMPHI_TURN_URLS),
    turnSecret: env.AMPHI_TURN_SECRET || undefined,
    turnTtlS: int(env.AMPHI_TURN_TTL_S, 14_400),
    stunUrls: list(env.AMPHI_STUN_URLS),
  };
}

/**
 * A configuration for tests: a throwaway data folder, cheap hashing, a Redis key prefix of
 * its own, and the database and Redis of DATABASE_URL / REDIS_URL when set (so CI runs the
 * same suite on both storage paths).
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ AMPHI_SECRET: 'test-secret-'.padEnd(40, 'x'), AMPHI_DATA_DIR: path.join(repoRoot, '.tmp', 'unused') }),
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
    // Each test server counts its own rate limits, even when test files share one Redis.
    redisPrefix: `amphi-test-${randomBytes(6).toString('hex')}-`,
    scryptLogN: 10,
    // Tests that need the RTMP ingest give it a free port of their own.
    rtmpPort: 0,
    logLevel: process.env.AMPHI_TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
}
