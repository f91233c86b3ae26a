import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../storage/index.js';
import type { RoomHub } from '../realtime/index.js';
import type { MediaPlane } from '../media/index.js';

export interface OpsOptions {
  db: Db;
  dbKind: 'pglite' | 'postgres';
  hub: RoomHub;
  sockets: () => number;
  media: MediaPlane;
}

/** /healthz, /readyz and Prometheus /metrics (a registry per app, so tests stay independent). */
export function registerOps(app: FastifyInstance, options: OpsOptions): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'amphi_' });
  const { db, hub } = options;
  new Gauge({
    name: 'amphi_rooms',
    help: 'Rooms stored',
    registers: [registry],
    async collect() {
      const row = await db.selectFrom('rooms').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      this.set(Number(row.n));
    },
  });
  new Gauge({ name: 'amphi_active_rooms', help: 'Rooms with a pending or live session on this instance', registers: [registry], collect() { this.set(hub.stats().activeRooms); } });
  new Gauge({ name: 'amphi_live_sessions', help: 'Live sessions on this instance', registers: [registry], collect() { this.set(hub.stats().liveSessions); } });
  new Gauge({ name: 'amphi_connected_sockets', help: 'Open WebSockets on this instance', registers: [registry], collect() { this.set(options.sockets()); } });

  new Gauge({ name: 'amphi_janus_hosts', help: 'Janus servers configured', registers: [registry], collect() { this.set(options.media.health().hosts); } });
  new Gauge({ name: 'amphi_janus_connected', help: 'Janus servers Amphi is connected to now', registers: [registry], collect() { this.set(options.media.health().connected); } });
  new Gauge({ name: 'amphi_janus_restarts', help: 'Restarts of the embedded Janus since start', registers: [registry], collect() { this.set(options.media.health().restarts); } });

  const hidden = { schema: { hide: true }, config: { rateLimit: false } } as const;
  app.get('/healthz', hidden, async () => ({ status: 'ok' }));
  app.get('/readyz', hidden, async (request, reply) => {
    try {
      await sql`SELECT 1`.execute(db);
      return { status: 'ready', database: options.dbKind };
    } catch (err) {
      request.log.error({ err }, 'database not ready');
      return reply.status(503).send({ status: 'unavailable', database: options.dbKind });
    }
  });
  app.get('/metrics', hidden, async (request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
