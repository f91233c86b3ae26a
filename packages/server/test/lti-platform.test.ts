import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepLinkingReturnForm, deepLinkingResponseJwt, parseDeepLinkingSettings } from '../src/lti/deepLinking.js';
import { JwksCache } from '../src/lti/jwks.js';
import { verifyLaunch, type LaunchDeps } from '../src/lti/launch.js';
import { MemoryLoginStateStore } from '../src/lti/loginState.js';
import { MemoryNonceStore, verifyLti11Launch } from '../src/lti/lti11.js';
import { initiateLogin } from '../src/lti/oidcLogin.js';
import { signLti11Launch } from './lti11Signer.js';
import { readForm } from './ltiBrowser.js';
import { LTI_ROLES, SCOPES, postForm, startLtiPlatform, type LaunchOptions, type LtiPlatform, type Tamper } from './ltiPlatform.js';

/**
 * The Moodle-like test platform on its own, against the committed pure verifiers: a stub tool
 * (login initiation answered by `initiateLogin`, its keys at /jwks) stands where Amphi's routes
 * will be.
 */

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface ToolKey {
  kid: string;
  privateKey: KeyPair['privateKey'];
  publicJwk: JWK;
}
async function toolKey(): Promise<ToolKey> {
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const CLIENT_ID = 'amphi-tool';
const DEPLOYMENT_ID = 'dep-1';
const COURSE = { id: 'course-3', label: 'PHY101', title: 'Physique 101' };
const ANA = { id: 'u-42', name: 'Ana Souza', email: 'ana@moodle.test' };

let platform: LtiPlatform;
let tool: Server;
let toolUrl: string;
let key: ToolKey;
const states = new MemoryLoginStateStore();

function launchDeps(cache = new JwksCache({ fetchJwks: async (url) => (await fetch(url)).json() })): LaunchDeps {
  return {
    platforms: (iss) => Promise.resolve(iss === platform.issuer ? [platform.registration()] : []),
    states,
    keys: cache,
    now: Date.now,
  };
}

function launch(overrides: Partial<LaunchOptions> = {}) {
  return platform.startLaunch({
    toolLoginUrl: `${toolUrl}/login`,
    user: ANA,
    roles: LTI_ROLES.instructor,
    context: COURSE,
    resourceLink: { id: 'link-7', title: 'Cours magistral' },
    ...overrides,
  });
}

beforeAll(async () => {
  key = await toolKey();
  // The stub tool: answers the login initiation with the pure initiateLogin and sets a cookie, as a tool may.
  tool = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', toolUrl);
      if (url.pathname === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }));
        return;
      }
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const params = Object.fromEntries(req.method === 'POST' ? new URLSearchParams(body) : url.searchParams);
      if (url.pathname === '/login') {
        const redirect = await initiateLogin(params, { ...launchDeps(), redirectUri: `${toolUrl}/launch`, now: Date.now });
        res.writeHead(302, { location: redirect.url, 'set-cookie': `lti_state=${redirect.state}; Path=/; HttpOnly` }).end();
        return;
      }
      if (url.pathname === '/launch') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cookie: req.headers.cookie ?? null, state: params.state }));
        return;
      }
      res.writeHead(404).end();
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => tool.listen(0, '127.0.0.1', resolve));
  toolUrl = `http://127.0.0.1:${(tool.address() as AddressInfo).port}`;
  platform = await startLtiPlatform({
    tool: { clientId: CLIENT_ID, deploymentIds: [DEPLOYMENT_ID], redirectUris: [`${toolUrl}/launch`], jwksUrl: `${toolUrl}/jwks` },
  });
});

afterAll(async () => {
  await platform.close();
  tool.closeAllConnections();
  await new Promise<void>((resolve) => tool.close(() => resolve()));
});

describe('the test platform', () => {
  it('does the login dance and its id_token verifies against its JWKS fetched over HTTP', async () => {
    const form = await launch();
    const verified = await verifyLaunch(form.fields, launchDeps());
    expect(verified).toMatchObject({
      issuer: platform.issuer,
      clientId: CLIENT_ID,
      deploymentId: DEPLOYMENT_ID,
      sub: ANA.id,
      name: ANA.name,
      messageType: 'LtiResourceLinkRequest',
      context: { id: COURSE.id, type: ['CourseSection'] },
      resourceLink: { id: 'link-7', title: 'Cours magistral' },
    });
    expect(verified.roles).toEqual(LTI_ROLES.instructor);
    expect(verified.namesRoles?.contextMembershipsUrl).toBe(`${platform.baseUrl}/nrps/course-3`);
  });

  it('initiates the login by GET too, and posts the form back with the cookies the tool set', async () => {
    const form = await launch({ initiation: 'GET' });
    expect(form.action).toBe(`${toolUrl}/launch`);
    const echoed = (await (await form.post()).json()) as { cookie: string; state: string };
    expect(echoed).toEqual({ cookie: `lti_state=${form.fields.state}`, state: form.fields.state });
  });

  it('refuses an authentication request for a redirect_uri the tool did not register', async () => {
    const res = await fetch(`${platform.authUrl}?scope=openid&response_type=id_token&response_mode=form_post&prompt=none&client_id=${CLIENT_ID}&redirect_uri=https://evil.test/&nonce=n&state=s&login_hint=u-42&lti_message_hint=x`);
    expect(res.status).toBe(400);
    expect(platform.authErrors.at(-1)).toBe('redirect_uri is not registered for this tool');
  });

  it('gives a form that, replayed, the verifier refuses', async () => {
    const form = await launch();
    await verifyLaunch(form.fields, launchDeps());
    await expect(verifyLaunch(form.fields, launchDeps())).rejects.toMatchObject({ message: expect.stringMatching(/already used/) });
  });

  const tampered: [string, Tamper | (() => Promise<Tamper>), RegExp][] = [
    ['a wrong audience', { aud: 'someone-else' }, /aud/],
    ['an unregistered deployment', { deploymentId: 'dep-9' }, /deployment dep-9/],
    ['alg none', { alg: 'none' }, /not RS256/],
    ['HS256 keyed with the public key', { alg: 'HS256' }, /not RS256/],
    ['an expired token', { expired: true }, /expired|iat/],
    ['an unknown kid', { unknownKid: true }, /no key for this token/],
    ['a reused nonce', async () => ({ nonce: (await launch()).nonce }), /nonce/],
    ['the state of another login', async () => ({ state: (await launch()).fields.state }), /nonce/],
  ];
  it.each(tampered)('makes a launch with %s that the verifier refuses', async (_, tamper, reason) => {
    const form = await launch({ tamper: typeof tamper === 'function' ? await tamper() : tamper });
    await expect(verifyLaunch(form.fields, launchDeps())).rejects.toMatchObject({ code: 'LTI_INVALID', message: expect.stringMatching(reason) });
  });

  it('rotates its key, and a verifier cache refetches the JWKS once, after its cooldown', async () => {
    let cacheClock = Date.now();
    const deps = launchDeps(new JwksCache({ fetchJwks: async (url) => (await fetch(url)).json(), now: () => cacheClock, cooldownMs: 60_000 }));
    const before = platform.jwksRequests;
    await verifyLaunch((await launch()).fields, deps);
    await verifyLaunch((await launch()).fields, deps);
    expect(platform.jwksRequests - before).toBe(1);

    const kid = await platform.rotateKey();
    const form = await launch();
    expect(JSON.parse(Buffer.from(form.fields.id_token.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid });
    // Within the cooldown the unknown kid is refused without a fetch.
    await expect(verifyLaunch(form.fields, deps)).rejects.toMatchObject({ message: expect.stringMatching(/no key for this token/) });
    expect(platform.jwksRequests - before).toBe(1);

    cacheClock += 61_000;
    await verifyLaunch((await launch()).fields, deps);
    await verifyLaunch((await launch()).fields, deps);
    expect(platform.jwksRequests - before).toBe(2);
  });

  it('accepts a deep linking response signed with the tool key and keeps its items', async () => {
    const verified = await verifyLaunch((await launch({ messageType: 'LtiDeepLinkingRequest' })).fields, launchDeps());
    const settings = parseDeepLinkingSettings({
      deep_link_return_url: verified.deepLinking!.returnUrl,
      accept_types: verified.deepLinking!.acceptTypes,
      data: verified.deepLinking!.data,
    });
    const input = { platformIssuer: platform.issuer, clientId: CLIENT_ID, deploymentId: DEPLOYMENT_ID, settings, room: { url: `${toolUrl}/launch`, title: 'Amphi A', roomToken: 'r1' } };
    const jwt = await deepLinkingResponseJwt(input, { key, now: Date.now() });
    const page = readForm(deepLinkingReturnForm(settings.returnUrl, jwt));
    expect((await postForm(page.action, page.fields)).status).toBe(200);
    expect(platform.deepLinks.at(-1)).toMatchObject({ data: settings.data, contentItems: [{ type: 'ltiResourceLink', title: 'Amphi A', custom: { amphi_room: 'r1' } }] });

    const forged = await deepLinkingResponseJwt(input, { key: await toolKey(), now: Date.now() });
    expect((await postForm(settings.returnUrl, { JWT: forged })).status).toBe(400);
    expect(platform.deepLinks).toHaveLength(1);
  });

  it('signs LTI 1.1 launches that verifyLti11Launch accepts, and a tampered one is refused', async () => {
    const url = `${toolUrl}/lti11?course=3`;
    const now = Date.now();
    const deps = { consumerSecret: (k: string) => (k === 'moodle-key' ? 's3cr3t ü' : undefined), nonces: new MemoryNonceStore(() => now), now };
    const params = { user_id: 'u-42', roles: 'Instructor,urn:lti:instrole:ims/lis/Administrator', context_id: 'c-3', lis_person_name_full: "Zoë O'Brien *" };
    const fields = signLti11Launch({ url, consumerKey: 'moodle-key', secret: 's3cr3t ü', params });
    const verified = await verifyLti11Launch({ method: 'POST', url, params: fields }, deps);
    expect(verified).toMatchObject({ userId: 'u-42', name: "Zoë O'Brien *", context: { id: 'c-3' } });
    await expect(verifyLti11Launch({ method: 'POST', url, params: { ...fields, roles: 'Administrator' } }, deps)).rejects.toMatchObject({ code: 'LTI_INVALID' });
  });

  describe('services', () => {
    const assertion = (signer: ToolKey, aud = platform.tokenUrl) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: signer.kid })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(aud)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(signer.privateKey);
    const tokenRequest = async (clientAssertion: string, scope: string) =>
      fetch(platform.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: clientAssertion,
          scope,
        }),
      });

    it('refuses the roster and the scores without a valid token', async () => {
      expect((await fetch(`${platform.baseUrl}/nrps/course-3`)).status).toBe(401);
      expect((await fetch(`${platform.baseUrl}/nrps/course-3`, { headers: { authorization: 'Bearer made-up' } })).status).toBe(401);
      expect((await fetch(`${platform.baseUrl}/ags/course-3/lineitems`, { method: 'POST', body: '{}' })).status).toBe(401);
      expect((await tokenRequest(await assertion(await toolKey()), SCOPES.nrps)).status).toBe(401);
      expect((await tokenRequest(await assertion(key, 'https://elsewhere.test/token'), SCOPES.nrps)).status).toBe(401);
    });

    it('serves the roster and takes scores with a token obtained by a client assertion', async () => {
      await launch({ user: { id: 'u-7', name: 'Léa Martin', email: 'lea@moodle.test' }, roles: LTI_ROLES.learner });
      const granted = (await (await tokenRequest(await assertion(key), `${SCOPES.nrps} ${SCOPES.lineItem} ${SCOPES.score}`)).json()) as { access_token: string; scope: string };
      expect(granted.scope.split(' ')).toHaveLength(3);
      const auth = { authorization: `Bearer ${granted.access_token}` };

      const roster = (await (await fetch(`${platform.baseUrl}/nrps/course-3`, { headers: auth })).json()) as { members: unknown[] };
      expect(roster.members).toEqual(
        expect.arrayContaining([
          { status: 'Active', user_id: 'u-42', name: 'Ana Souza', email: 'ana@moodle.test', roles: LTI_ROLES.instructor },
          { status: 'Active', user_id: 'u-7', name: 'Léa Martin', email: 'lea@moodle.test', roles: LTI_ROLES.learner },
        ]),
      );

      const firstPage = await fetch(`${platform.baseUrl}/nrps/course-3?limit=1`, { headers: auth });
      expect(((await firstPage.json()) as { members: unknown[] }).members).toHaveLength(1);
      expect(firstPage.headers.get('link')).toBe(`<${platform.baseUrl}/nrps/course-3?limit=1&from=1>; rel="next"`);

      const lineItem = { label: 'Attendance', scoreMaximum: 1, resourceLinkId: 'link-7' };
      const lineItemType = { ...auth, 'content-type': 'application/vnd.ims.lis.v2.lineitem+json' };
      const created = await fetch(`${platform.baseUrl}/ags/course-3/lineitems`, { method: 'POST', headers: lineItemType, body: JSON.stringify(lineItem) });
      expect(created.status).toBe(201);
      const item = (await created.json()) as { id: string };
      const found = await fetch(`${platform.baseUrl}/ags/course-3/lineitems?resource_link_id=link-7`, { headers: auth });
      expect(await found.json()).toEqual([{ ...lineItem, id: item.id }]);

      const score = { userId: 'u-7', scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() };
      const scoreType = { ...auth, 'content-type': 'application/vnd.ims.lis.v1.score+json' };
      expect((await fetch(`${item.id}/scores`, { method: 'POST', headers: auth, body: JSON.stringify(score) })).status).toBe(415);
      expect((await fetch(`${item.id}/scores`, { method: 'POST', headers: scoreType, body: JSON.stringify(score) })).status).toBe(204);
      expect(platform.scores).toEqual([{ contextId: 'course-3', lineItemId: item.id, score }]);

      const readOnly = (await (await tokenRequest(await assertion(key), SCOPES.nrps)).json()) as { access_token: string };
      const denied = await fetch(`${item.id}/scores`, { method: 'POST', headers: { ...scoreType, authorization: `Bearer ${readOnly.access_token}` }, body: JSON.stringify(score) });
      expect(denied.status).toBe(403);
    });
  });
});
