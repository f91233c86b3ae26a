import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { ApiClient } from '@amphi/client';
import { figure, startAmphi, stop, writeResult, type Figure } from './lib.js';

/**
 * `api`: sign-in and join requests per second and p99 latency, on the embedded database
 * (PGlite) and on PostgreSQL, side by side in one run. The server runs as its own process
 * (as in production, default password-hashing cost); autocannon loads it over loopback.
 * Baseline: the same requests against the same server code on PostgreSQL.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 10;
const PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

interface Measured {
  rps: number;
  p99: number;
  errors: number;
}

async function load(url: string, body: string, headers: Record<string, string> = {}): Promise<Measured> {
  const result = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, connections: CONNECTIONS, duration: DURATION_S });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

async function measure(label: string, port: number, env: Record<string, string>): Promise<{ signin: Measured; join: Measured }> {
  const server = await startAmphi(port, env);
  try {
    const base = `http://127.0.0.1:${port}`;
    const api = new ApiClient({ baseUrl: base, manageCookies: true });
    const password = 'benchmark password';
    await api.signUp({ email: 'bench@uni.example', password, name: 'Bench' });
    const room = await api.createRoom({ title: 'Bench room', kind: 'lecture' });
    const token = (await api.links(room.id)).participant.token;
    console.log(`  ${label}: sign-in…`);
    const signin = await load(`${base}/api/auth/signin`, JSON.stringify({ email: 'bench@uni.example', password }));
    // Let the hashing backlog of the sign-in run drain before the next measure.
    await api.join({ token, displayName: 'Warm-up' });
    console.log(`  ${label}: join…`);
    const join = await load(`${base}/api/join`, JSON.stringify({ token, displayName: 'Guest' }));
    return { signin, join };
  } finally {
    await stop(server);
  }
}

export async function run(): Promise<unknown> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amphi-bench-'));
  const dbName = `amphi_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  try {
    const lite = await measure('PGlite', 18981, { AMPHI_DATA_DIR: path.join(dataDir, 'pglite') });
    const postgres = await measure('PostgreSQL', 18982, { AMPHI_DATA_DIR: path.join(dataDir, 'pg'), DATABASE_URL: PG_URL.replace(/\/postgres$/, `/${dbName}`) });
    const figures: Record<string, Figure> = {
      signin_rps_pglite: figure(lite.signin.rps, 'req/s', postgres.signin.rps),
      signin_p99_ms_pglite: figure(lite.signin.p99, 'ms', postgres.signin.p99),
      join_rps_pglite: figure(lite.join.rps, 'req/s', postgres.join.rps),
      join_p99_ms_pglite: figure(lite.join.p99, 'ms', postgres.join.p99),
      signin_rps_postgres: figure(postgres.signin.rps, 'req/s'),
      join_rps_postgres: figure(postgres.join.rps, 'req/s'),
      errors: figure(lite.signin.errors + lite.join.errors + postgres.signin.errors + postgres.join.errors, 'responses'),
    };
    return writeResult('api', figures, `${CONNECTIONS} connections, ${DURATION_S} s per measure; sign-in hashes with scrypt N=2^15 (the default); baseline = same server on PostgreSQL 15 on this machine.`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
