import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { AmphiError } from '@amphi/protocol';
import type { Config } from './config.js';
import { AccountService, TokenSigner, registerAuthRoutes } from './auth/index.js';
import { InteractionStore, LtiAttendanceStore, LtiLaunchStore, LtiStore, RoomStore, type Database } from './storage/index.js';
import { Fleet, MAX_FRAME_BYTES, MemoryBus, RoomHub, registerGateway, type Bus } from './realtime/index.js';
import { registerJoinRoutes, registerLtiAdminRoutes, registerLtiLaunchRoutes, registerLtiServiceRoutes, registerRoomRoutes } from './api/index.js';
import { registerLtiDeepLinkRoutes } from './api/ltiDeepLinkRoutes.js';
import { LtiLaunchService, LtiServices, Sealer, ToolKeys } from './lti/index.js';
import { registerOps } from './ops/metrics.js';
import { JanusMediaPlane, type MediaPlane } from './media/index.js';
import { BroadcastService, HlsOrigin, NginxRtmp, ProgramRunner, RtmpIngest, registerHlsOrigin, registerRtmpCallbacks } from './broadcast/index.js';
import { registerErrorHandling, registerNotFound } from './http/errors.js';
import { registerRequestAuth } from './http/requestAuth.js';
import { registerWebApp } from './http/webApp.js';

export interface AppDeps {
  config: Config;
  database: Database;
  /** Shared store for rate limits across instances (optional). */
  redis?: Redis | undefined;
  /** Where log lines go (default: stdout); tests capture them here. */
  logStream?: { write(line: string): void } | undefined;
  /** The media plane (default: Janus as configured, embedded or external); closed with the app. */
  media?: MediaPlane | undefined;
  /**
   * The bus shared with other instances (default: an in-process MemoryBus, this instance
   * alone; main.ts gives a RedisBus when REDIS_URL is set); closed with the app.
   */
  bus?: Bus | undefined;
}

export interface AmphiApp {
  app: FastifyInstance;
  accounts: AccountService;
  rooms: RoomStore;
  hub: RoomHub;
  signer: TokenSigner;
  media: MediaPlane;
  /** The HLS origin: live renditions published here are served under /hls/. */
  hls: HlsOrigin;
  /** Lecture broadcasts of this instance. */
  broadcasts: BroadcastService;
  /** The bus shared with other instances. */
  bus: Bus;
  /** This instance's id on the bus. */
  instanceId: string;
  /** LTI registrations and consumers. */
  ltiStore: LtiStore;
  /** Amphi's LTI signing keys. */
  ltiKeys: ToolKeys;
  /** LTI launches: identities, courses, activity → room links. */
  ltiLaunches: LtiLaunchStore;
  lti: LtiLaunchService;
}

/** Largest HTTP body accepted (bytes). */
const BODY_LIMIT = 64 * 1024;

/** Hides join-link tokens and query strings from request logs. */
export function redactUrl(url: string): string {
  return url.replace(/^\/j\/[^/?#]+/, '/j/[redacted]').replace(/\?.*$/, '?[redacted]');
}

/**
 * Builds the Amphi server without listening. Closing the app closes, in order: the
 * WebSockets (gateway), the live sessions (hub, whose end is written to the database), the
 * HLS origin (its playlists end), the media plane, the instance's membership of the fleet,
 * then the bus (after the hub, whose ending sessions still tell the other instances), then
 * resolves; the database and the rate limits' Redis belong to the caller and are closed by it.
 *
 * With a shared bus, it first joins the fleet: building fails (FleetKeyMismatchError) when the
 * instances already on the bus sign tokens with another secret.
 */
export async function buildApp(deps: AppDeps): Promise<AmphiApp> {
  const { config, database } = deps;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      redact: { paths: ['req.headers.cookie', 'req.headers["x-csrf-token"]', 'req.headers.authorization'], remove: true },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
      },
    },
    bodyLimit: BODY_LIMIT,
    // Trust X-Forwarded-For from as many proxy hops as configured (0: none).
    trustProxy: (_address: string, hop: number) => hop < config.trustProxy,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const signer = new TokenSigner(config.secret);
  const bus = deps.bus ?? new MemoryBus();
  const instanceId = randomUUID();
  bus.on('error', (err) => app.log.warn({ err }, 'bus trouble'));
  const fleet = new Fleet({ bus, instanceId, tokenKeyFingerprint: signer.fingerprint(), log: app.log });
  try {
    await fleet.join();
  } catch (err) {
    await bus.close();
    throw err;
  }
  const accounts = new AccountService({ db: database.db, scryptLogN: config.scryptLogN, sessionTtlS: config.sessionTtlS, openSignupDefault: config.openSignupDefault });
  const rooms = new RoomStore(database.db);
  const ltiStore = new LtiStore(database.db);
  const ltiSealer = new Sealer(config.secret);
  const ltiKeys = new ToolKeys({ store: ltiStore, sealer: ltiSealer });
  const ltiLaunches = new LtiLaunchStore(database.db);
  const lti = new LtiLaunchService({ lti: ltiStore, launches: ltiLaunches, rooms, signer, sealer: ltiSealer, publicUrl: config.publicUrl, jwksCooldownMs: config.ltiJwksCooldownS * 1000 });
  const media = deps.media ?? mediaPlaneFor(config, app.log);
  const hls = new HlsOrigin();
  // The RTMP server is started once the app listens (its callbacks need our port).
  let rtmp: NginxRtmp | null = null;
  const broadcasts = new BroadcastService({
    runsFor: (stage) =>
      new ProgramRunner({
        origin: hls,
        stage,
        encoderUrl: (stream) => rtmp?.pullUrl(stream) ?? null,
        ladder: config.hlsLadder,
        preset: config.hlsPreset,
        workDir: tmpdir(),
        log: app.log,
      }),
    createAudience: config.audienceWebrtcMax > 0 ? () => media.createAudience() : null,
    log: app.log,
  });
  // Records LMS people's presence in live sessions, reads course rosters, posts grades after sessions.
  const ltiServices = new LtiServices({ lti: ltiStore, launches: ltiLaunches, attendance: new LtiAttendanceStore(database.db), rooms, key: () => ltiKeys.current(), log: app.log });
  const hub = new RoomHub({ rooms, signer, log: app.log, resumeGraceMs: config.resumeGraceMs, ticketTtlS: config.ticketTtlS, media, broadcasts, interactions: new InteractionStore(database.db), bus, instanceId, observer: ltiServices });
  const rtmpSecret = randomBytes(24).toString('base64url');
  const ingest = new RtmpIngest({
    // Only a lecture with a live session on this instance takes an encoder.
    authorize: async (key) => {
      const room = await rooms.roomForStreamKey(key);
      return room?.kind === 'lecture' ? hub.encoderStreamFor(room.id) : null;
    },
  });
  ingest.on('publish', ({ stream }) => {
    if (!broadcasts.encoderPublished(stream)) app.log.warn('an encoder published for a broadcast that is gone');
  });
  ingest.on('unpublish', ({ stream }) => broadcasts.encoderUnpublished(stream));

  registerErrorHandling(app);
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Cross-origin isolation headers break LMS iframes and CDN media; not needed yet.
    crossOriginEmbedderPolicy: false,
  });
  // Every /api route and the WebSocket upgrade get the general limit unless they declare their
  // own (sign-in, join). Static files are left to the CDN or reverse proxy in front.
  // Added before the rate-limit plugin, whose own onRoute hook reads the setting.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') && route.url !== '/ws') return;
    const routeConfig = (route.config ?? {}) as { rateLimit?: unknown };
    if (routeConfig.rateLimit === undefined) route.config = { ...routeConfig, rateLimit: { max: config.rateApiPerMin, timeWindow: '1 minute' } };
  });
  await app.register(fastifyRateLimit, {
    global: false,
    ...(deps.redis ? { redis: deps.redis, nameSpace: `${config.redisPrefix}rl:` } : {}),
    errorResponseBuilder: () => new AmphiError('RATE_LIMITED'),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Amphi HTTP API', version: '0.1.0', description: 'Accounts, rooms, join links and tickets. The realtime protocol is in docs/protocol.md.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'amphi_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
          ltiApp: { type: 'http', scheme: 'bearer', description: 'The app token of an LTI launch' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  registerRequestAuth(app, accounts, config.publicUrl);
  registerAuthRoutes(app, { accounts, publicUrl: config.publicUrl, cookieSecure: config.cookieSecure, sessionTtlS: config.sessionTtlS, rateSignInPerMin: config.rateSignInPerMin });
  registerRoomRoutes(app, { rooms, accounts, hub, signer, publicUrl: config.publicUrl, rtmpUrl: config.rtmpUrl });
  registerJoinRoutes(app, { rooms, signer, ticketTtlS: config.ticketTtlS, rateJoinPerMin: config.rateJoinPerMin, liveCount: (roomId) => hub.liveCount(roomId), cookieSecure: config.cookieSecure });
  await registerLtiLaunchRoutes(app, { service: lti, signer, rooms, publicUrl: config.publicUrl, webDist: config.webDist, rateLaunchPerMin: config.rateLtiPerMin, ticketTtlS: config.ticketTtlS, liveCount: (roomId) => hub.liveCount(roomId) });
  registerLtiDeepLinkRoutes(app, { service: lti, signer, rooms, launches: ltiLaunches, keys: ltiKeys, publicUrl: config.publicUrl });
  registerLtiAdminRoutes(app, { lti: ltiStore, keys: ltiKeys, sealer: ltiSealer, publicUrl: config.publicUrl, rateJwksPerMin: config.rateApiPerMin });
  registerLtiServiceRoutes(app, { services: ltiServices, signer, rooms, hub });
  const gateway = registerGateway(app, { hub, heartbeatMs: config.heartbeatMs, helloTimeoutMs: config.helloTimeoutMs });
  registerOps(app, { db: database.db, dbKind: database.kind, hub, sockets: gateway.sockets, media });
  registerHlsOrigin(app, hls, { ratePerMin: config.rateHlsPerMin });
  registerRtmpCallbacks(app, { secret: rtmpSecret, ingest });
  if (config.rtmpPort > 0) {
    app.addHook('onListen', async () => {
      const address = app.server.address();
      if (!address || typeof address === 'string') return;
      const server = new NginxRtmp({ host: config.rtmpHost, port: config.rtmpPort, callbackBase: `http://127.0.0.1:${address.port}`, callbackSecret: rtmpSecret, log: app.log });
      server.on('exited', () => ingest.serverLost());
      try {
        await server.start();
        rtmp = server;
        app.log.info({ port: config.rtmpPort }, 'RTMP ingest listening');
      } catch (err) {
        // Amphi runs on without encoders (e.g. nginx's RTMP module missing, port taken).
        app.log.error({ err }, 'RTMP ingest could not start: encoders cannot connect');
        await server.close().catch(() => undefined);
      }
    });
  }
  // Fastify allows one not-found handler: the web app's (client routing) when built, else the API's.
  if (!(await registerWebApp(app, config.webDist))) registerNotFound(app);

  app.addHook('onClose', async () => {
    hub.close();
    await hub.flush();
    // After the hub: sessions ended by the shutdown are not graded (the database closes next).
    ltiServices.close();
    ingest.close();
    await rtmp?.close();
    await broadcasts.close();
    // Ends every live playlist, which also answers the blocked playlist requests.
    hls.close();
    await media.close();
    await fleet.leave();
    await bus.close();
  });
  return { app, accounts, rooms, hub, signer, media, hls, broadcasts, bus, instanceId, ltiStore, ltiKeys, ltiLaunches, lti };
}

/** Janus as configured: external hosts when listed, else one supervised by Amphi (started on first use). */
function mediaPlaneFor(config: Config, log: FastifyInstance['log']): MediaPlane {
  return new JanusMediaPlane({
    janus:
      config.janusUrls.length > 0
        ? { kind: 'external', urls: config.janusUrls, apiSecret: config.janusApiSecret, adminKey: config.janusAdminKey }
        : { kind: 'embedded', workDir: path.join(config.dataDir, 'janus'), ip: config.janusIp, rtpPortRange: config.janusRtpPorts, eventLoops: config.janusEventLoops },
    turn: config.turnUrls.length > 0 && config.turnSecret ? { urls: config.turnUrls, secret: config.turnSecret, ttlS: config.turnTtlS } : undefined,
    stunUrls: config.stunUrls,
    audienceMaxViewers: config.audienceWebrtcMax,
    log,
  });
}
