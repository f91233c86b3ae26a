import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import { ErrorBody, IssuedLti11Consumer, Lti11Consumer, LtiPlatform, LtiPlatformCreated, LtiPlatformList, User } from '@amphi/protocol';
import { openDatabase } from '../src/index.js';
import { Sealer, ToolKeys } from '../src/lti/index.js';
import { LtiStore } from '../src/storage/index.js';
import { startServer, type TestServer } from './harness.js';
import { http, rawSignUp, type RawSession } from './helpers.js';
import { launchPayload, registeredPlatform } from './ltiLaunch.js';
import { LTI_ROLES } from './ltiPlatform.js';

const ADMIN_EMAIL = 'lti-admin@uni.example';
const ADMIN_PASSWORD = 'first admin password';

let server: TestServer;
let admin: RawSession;
let teacher: RawSession;

beforeAll(async () => {
  server = await startServer();
  await server.accounts.ensureFirstAdmin(ADMIN_EMAIL, ADMIN_PASSWORD);
  const res = await http(server, 'POST', '/api/auth/signin', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = z.object({ user: User, csrfToken: z.string() }).parse(res.body);
  admin = { cookie: /amphi_session=([^;]*)/.exec(setCookie)![1]!, csrfToken: body.csrfToken, user: body.user, setCookie };
  teacher = await rawSignUp(server);
});
afterAll(async () => server?.close());

let registrations = 0;
/** A valid registration of a Moodle-like platform, with an issuer no other test uses. */
function moodle(overrides: Record<string, unknown> = {}) {
  registrations += 1;
  return {
    issuer: `https://moodle${registrations}.uni.example`,
    clientId: 'amphi-client',
    deploymentIds: ['1', '2'],
    jwksUrl: 'https://moodle.uni.example/mod/lti/certs.php',
    authUrl: 'https://moodle.uni.example/mod/lti/auth.php',
    tokenUrl: 'https://moodle.uni.example/mod/lti/token.php',
    ...overrides,
  };
}

const platformRows = (issuer: string) => server.database.db.selectFrom('lti_platforms').selectAll().where('issuer', '=', issuer).execute();

async function signWithCurrentKey(): Promise<string> {
  const key = await server.ltiKeys.current();
  return new SignJWT({ purpose: 'test' }).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuer(server.baseUrl).setIssuedAt().setExpirationTime('5m').sign(key.privateKey);
}

describe('LTI administration', () => {
  it('registers a platform for an administrator: stored with its deployments, and the tool URLs to paste into the LMS', async () => {
    const input = moodle({ issuer: '  https://moodle.uni.example  ', deploymentIds: ['1', '2', '1'] });
    const res = await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, json: input });
    expect(res.status).toBe(201);
    const { platform, tool } = LtiPlatformCreated.parse(res.body);
    expect(platform).toMatchObject({ issuer: 'https://moodle.uni.example', clientId: 'amphi-client', deploymentIds: ['1', '2'] });
    expect(tool).toEqual({
      loginUrl: `${server.baseUrl}/lti/login`,
      launchUrl: `${server.baseUrl}/lti/launch`,
      jwksUrl: `${server.baseUrl}/lti/jwks`,
      deepLinkingUrl: `${server.baseUrl}/lti/launch`,
    });
    const rows = await platformRows('https://moodle.uni.example');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: platform.id, client_id: 'amphi-client', jwks_url: input.jwksUrl, auth_url: input.authUrl, token_url: input.tokenUrl });
    const deployments = await server.database.db.selectFrom('lti_deployments').select('deployment_id').where('platform_id', '=', platform.id).orderBy('deployment_id').execute();
    expect(deployments.map((d) => d.deployment_id)).toEqual(['1', '2']);

    const list = LtiPlatformList.parse((await http(server, 'GET', '/api/admin/lti/platforms', { session: admin })).body);
    expect(list.tool).toEqual(tool);
    expect(list.platforms.find((p) => p.id === platform.id)).toEqual(platform);
    expect(await server.ltiStore.platformsFor('https://moodle.uni.example')).toMatchObject([{ id: platform.id, deploymentIds: ['1', '2'] }]);
  });

  it('refuses a bad registration with 400 naming the wrong fields, and stores nothing', async () => {
    const input = moodle({ jwksUrl: 'http://moodle.uni.example/certs.php', deploymentIds: [] });
    const res = await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, json: input });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const body = ErrorBody.parse(res.body);
    expect(body.message).toContain('jwksUrl: must use https');
    expect(body.message).toContain('deploymentIds: needs at least one deployment id');
    expect(body.issues).toEqual([
      { path: 'deploymentIds', message: 'needs at least one deployment id' },
      { path: 'jwksUrl', message: 'must use https (plain http only on localhost or 127.0.0.1)' },
    ]);
    expect(await platformRows(input.issuer)).toHaveLength(0);
  });

  it('refuses a second registration of the same issuer and client id with 409', async () => {
    const input = moodle();
    expect((await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, json: input })).status).toBe(201);
    const again = await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, json: { ...input, deploymentIds: ['9'] } });
    expect(again.status).toBe(409);
    expect((again.body as { message: string }).message).toContain('already registered');
    expect(await platformRows(input.issuer)).toHaveLength(1);
  });

  it('deletes a platform with its deployments', async () => {
    const created = LtiPlatformCreated.parse((await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, json: moodle() })).body);
    expect((await http(server, 'DELETE', `/api/admin/lti/platforms/${created.platform.id}`, { session: admin })).status).toBe(204);
    expect(await platformRows(created.platform.issuer)).toHaveLength(0);
    expect(await server.database.db.selectFrom('lti_deployments').selectAll().where('platform_id', '=', created.platform.id).execute()).toHaveLength(0);
    expect((await http(server, 'DELETE', `/api/admin/lti/platforms/${created.platform.id}`, { session: admin })).status).toBe(404);
  });

  it('refuses a teacher (403) and a signed-out visitor (401), and stores nothing', async () => {
    const input = moodle();
    for (const [session, status] of [[teacher, 403], [undefined, 401]] as const) {
      expect((await http(server, 'POST', '/api/admin/lti/platforms', { session, json: input })).status).toBe(status);
      expect((await http(server, 'GET', '/api/admin/lti/platforms', { session })).status).toBe(status);
      expect((await http(server, 'POST', '/api/admin/lti/keys/rotate', { session })).status).toBe(status);
      expect((await http(server, 'POST', '/api/admin/lti/consumers', { session, json: { name: 'Open edX' } })).status).toBe(status);
      expect((await http(server, 'GET', '/api/admin/lti/consumers', { session })).status).toBe(status);
    }
    expect(await platformRows(input.issuer)).toHaveLength(0);
  });

  it('refuses an administrator write without the CSRF header', async () => {
    const input = moodle();
    const res = await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, csrf: false, json: input });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'CSRF_FAILED' });
    expect(await platformRows(input.issuer)).toHaveLength(0);
  });
});

const deploymentRows = async (platformId: string) =>
  (await server.database.db.selectFrom('lti_deployments').select('deployment_id').where('platform_id', '=', platformId).orderBy('deployment_id').execute()).map((d) => d.deployment_id);

async function registered(): Promise<LtiPlatform> {
  return LtiPlatformCreated.parse((await http(server, 'POST', '/api/admin/lti/platforms', { session: admin, json: moodle() })).body).platform;
}

/** PUT /api/admin/lti/platforms/:id/deployments, by the administrator unless `as` says otherwise. */
const setDeployments = (id: string, json: unknown, as: { session?: RawSession; csrf?: boolean } = { session: admin }) =>
  http(server, 'PUT', `/api/admin/lti/platforms/${id}/deployments`, { ...as, json });

describe("Editing a platform's deployment ids", () => {
  it('replaces the deployment ids of a platform, which keeps its id, its fields and its date', async () => {
    const platform = await registered();
    const res = await setDeployments(platform.id, { deploymentIds: [' 2 ', '3', '3', '4'] });
    expect(res.status).toBe(200);
    expect(LtiPlatform.parse(res.body)).toEqual({ ...platform, deploymentIds: ['2', '3', '4'] });
    expect(await deploymentRows(platform.id)).toEqual(['2', '3', '4']);
    expect(await platformRows(platform.issuer)).toMatchObject([{ id: platform.id, client_id: platform.clientId }]);
    const list = LtiPlatformList.parse((await http(server, 'GET', '/api/admin/lti/platforms', { session: admin })).body);
    expect(list.platforms.find((p) => p.id === platform.id)).toEqual({ ...platform, deploymentIds: ['2', '3', '4'] });
  });

  it('refuses a bad list with 400 and its issues, and changes nothing', async () => {
    const platform = await registered();
    for (const [json, issue] of [
      [{ deploymentIds: [] }, { path: 'deploymentIds', message: 'needs at least one deployment id' }],
      [{ deploymentIds: ['ok', ' '] }, { path: 'deploymentIds', message: '1: empty' }],
      [{ deploymentIds: ['d'.repeat(256)] }, { path: 'deploymentIds', message: '0: longer than 255 characters' }],
      [{ deploymentIds: '1, 2' }, { path: 'deploymentIds', message: 'must be a list of deployment ids' }],
      [{}, { path: 'deploymentIds', message: 'must be a list of deployment ids' }],
    ] as const) {
      const res = await setDeployments(platform.id, json);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [issue] });
    }
    expect(await deploymentRows(platform.id)).toEqual(['1', '2']);
  });

  it('answers 404 for an unknown platform', async () => {
    const res = await setDeployments('no-such-platform', { deploymentIds: ['1'] });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    expect(await server.database.db.selectFrom('lti_deployments').selectAll().where('platform_id', '=', 'no-such-platform').execute()).toHaveLength(0);
  });

  it('refuses a teacher (403), a signed-out visitor (401) and a write without the CSRF header, and changes nothing', async () => {
    const platform = await registered();
    expect((await setDeployments(platform.id, { deploymentIds: ['9'] }, { session: teacher })).status).toBe(403);
    expect((await setDeployments(platform.id, { deploymentIds: ['9'] }, {})).status).toBe(401);
    const noCsrf = await setDeployments(platform.id, { deploymentIds: ['9'] }, { session: admin, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toMatchObject({ code: 'CSRF_FAILED' });
    expect(await deploymentRows(platform.id)).toEqual(['1', '2']);
  });

  it('lets a deployment added this way launch at once', async () => {
    const lms = await registeredPlatform(server);
    try {
      const [stored] = await server.ltiStore.platformsFor(lms.issuer);
      const launch = (options: { deploymentId?: string; tamper?: { deploymentId: string } }) =>
        lms.startLaunch({
          toolLoginUrl: `${server.baseUrl}/lti/login`,
          user: { id: 'u-ada', name: 'Ada Lovelace', email: 'ada@uni.example' },
          roles: LTI_ROLES.instructor,
          context: { id: 'course-dep', title: 'Deployments' },
          resourceLink: { id: 'link-dep', title: 'Live class' },
          ...options,
        });

      // An id_token for dep-2 (the login initiation says dep-1, which is registered) is refused…
      const before = await (await launch({ tamper: { deploymentId: 'dep-2' } })).post();
      expect(before.status).toBe(401);
      expect(await before.text()).toContain('deployment dep-2 is not registered');

      const res = await setDeployments(stored!.id, { deploymentIds: ['dep-1', 'dep-2'] });
      expect(res.status).toBe(200);

      // …and accepted once the administrator has added it, from the login initiation on.
      const after = await (await launch({ deploymentId: 'dep-2' })).post();
      const html = await after.text();
      expect(after.status, html.slice(0, 300)).toBe(200);
      expect(launchPayload(html)?.kind).toBe('room');
    } finally {
      await lms.close();
    }
  });
});

describe("Amphi's LTI signing keys", () => {
  it('serves at /lti/jwks, cacheable, a public key that verifies a token signed with the current key', async () => {
    const res = await http(server, 'GET', '/lti/jwks');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).parse(res.body);
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    const token = await signWithCurrentKey();
    const { protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.baseUrl}/lti/jwks`)), { algorithms: ['RS256'] });
    expect(jwks.keys.map((k) => k['kid'])).toContain(protectedHeader.kid);
  });

  it('rotates: the JWKS then has both keys, the new one signs, and a token of the old one still verifies', async () => {
    const before = await server.ltiKeys.current();
    const oldToken = await signWithCurrentKey();
    const res = await http(server, 'POST', '/api/admin/lti/keys/rotate', { session: admin });
    expect(res.status).toBe(200);
    const { kid } = z.object({ kid: z.string() }).parse(res.body);
    expect(kid).not.toBe(before.kid);
    expect((await server.ltiKeys.current()).kid).toBe(kid);

    const kids = z.object({ keys: z.array(z.object({ kid: z.string() })) }).parse((await http(server, 'GET', '/lti/jwks')).body).keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([kid, before.kid]));
    const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/lti/jwks`));
    expect((await jwtVerify(await signWithCurrentKey(), jwks)).protectedHeader.kid).toBe(kid);
    expect((await jwtVerify(oldToken, jwks)).protectedHeader.kid).toBe(before.kid);
  });

  it('makes one first key when two instances ask at the same time (the database keeps one current key)', async () => {
    const database = await openDatabase({ dataDir: 'memory' });
    try {
      const store = new LtiStore(database.db);
      const instances = [1, 2, 3].map(() => new ToolKeys({ store, sealer: new Sealer(server.config.secret) }));
      const kids = new Set((await Promise.all(instances.map((k) => k.current()))).map((k) => k.kid));
      expect(kids.size).toBe(1);
      expect(await database.db.selectFrom('lti_keys').selectAll().execute()).toHaveLength(1);
    } finally {
      await database.close();
    }
  });

  it('keeps private keys sealed in the database', async () => {
    await server.ltiKeys.current();
    const rows = await server.database.db.selectFrom('lti_keys').select(['private_jwk_sealed', 'public_jwk']).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.private_jwk_sealed).not.toContain('"d"');
      expect(row.public_jwk).not.toHaveProperty('d');
    }
  });
});

describe('LTI 1.1 consumers', () => {
  it('creates a consumer whose secret is shown once, lists it without the secret, and deletes it', async () => {
    const res = await http(server, 'POST', '/api/admin/lti/consumers', { session: admin, json: { name: 'Open edX' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = IssuedLti11Consumer.parse(res.body);
    expect(created.name).toBe('Open edX');
    expect(created.secret.length).toBeGreaterThanOrEqual(32);

    const listed = await http(server, 'GET', '/api/admin/lti/consumers', { session: admin });
    expect(listed.text).not.toContain(created.secret);
    expect(z.array(Lti11Consumer).parse(listed.body)).toContainEqual({ consumerKey: created.consumerKey, name: 'Open edX', createdAt: created.createdAt });
    const row = await server.database.db.selectFrom('lti11_consumers').selectAll().where('consumer_key', '=', created.consumerKey).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(created.secret);

    expect((await http(server, 'DELETE', `/api/admin/lti/consumers/${created.consumerKey}`, { session: admin })).status).toBe(204);
    expect(z.array(Lti11Consumer).parse((await http(server, 'GET', '/api/admin/lti/consumers', { session: admin })).body).map((c) => c.consumerKey)).not.toContain(created.consumerKey);
    expect((await http(server, 'DELETE', `/api/admin/lti/consumers/${created.consumerKey}`, { session: admin })).status).toBe(404);
  });

  it('refuses a consumer without a name with 400', async () => {
    const res = await http(server, 'POST', '/api/admin/lti/consumers', { session: admin, json: { name: '  ' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
