import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoinResponse, LtiSession } from '@amphi/protocol';
import { Sealer } from '../src/lti/index.js';
import { startServer, type TestServer } from './harness.js';
import { RawSocket, http } from './helpers.js';
import { signLti11Launch } from './lti11Signer.js';
import { launchPayload, registeredPlatform } from './ltiLaunch.js';
import { CookieJar, LTI_ROLES, postForm, type LaunchOptions, type LtiPlatform, type Tamper } from './ltiPlatform.js';

let server: TestServer;
let platform: LtiPlatform;

beforeAll(async () => {
  // No refetch cooldown: the rotation test follows the unknown-kid test (the cooldown has unit tests).
  server = await startServer({ ltiJwksCooldownS: 0 });
  platform = await registeredPlatform(server);
});
afterAll(async () => {
  await platform?.close();
  await server?.close();
});

const COURSE = { id: 'course-7', label: 'MATH101', title: 'Algebra I' };
const ada = { id: 'u-ada', name: 'Ada Lovelace', email: 'ada@uni.example' };
const bob = { id: 'u-bob', name: 'Bob Student', email: 'bob@uni.example' };

function launch(options: Partial<LaunchOptions> & Pick<LaunchOptions, 'user' | 'roles'>, from: LtiPlatform = platform) {
  return from.startLaunch({ toolLoginUrl: `${server.baseUrl}/lti/login`, context: COURSE, ...options });
}

async function launchPage(options: Partial<LaunchOptions> & Pick<LaunchOptions, 'user' | 'roles'>, from: LtiPlatform = platform) {
  const res = await (await launch(options, from)).post();
  return { status: res.status, html: await res.text(), headers: res.headers };
}

async function session(token: string): Promise<LtiSession> {
  const res = await http(server, 'GET', '/api/lti/session', { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return LtiSession.parse(res.body);
}

/** Launches and returns the app token and the session it stands for. */
async function enter(options: Partial<LaunchOptions> & Pick<LaunchOptions, 'user' | 'roles'>, from: LtiPlatform = platform) {
  const page = await launchPage(options, from);
  expect(page.status, page.html.slice(0, 500)).toBe(200);
  const payload = launchPayload(page.html);
  if (payload?.kind !== 'room') throw new Error(`not a room launch: ${page.html.slice(0, 300)}`);
  return { token: payload.token, roomId: payload.roomId, session: await session(payload.token), headers: page.headers };
}

const count = async (table: 'rooms' | 'lti_identities' | 'lti_contexts' | 'lti_resource_links') =>
  Number((await server.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const counts = async () => ({ rooms: await count('rooms'), identities: await count('lti_identities'), contexts: await count('lti_contexts'), links: await count('lti_resource_links') });

describe('LTI 1.3 launch', () => {
  it("makes the activity's room on the instructor's first launch, as its moderator, and keys the person by (issuer, sub)", async () => {
    const before = await counts();
    const link = { id: `link-${randomUUID()}`, title: 'Week 1 — live class' };
    const teacher = await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link });
    expect(teacher.session).toEqual({ room: { id: teacher.roomId, title: 'Week 1 — live class', kind: 'classroom' }, role: 'moderator', name: 'Ada Lovelace', lobby: false, liveCount: 0 });
    // The page is made to be framed by the LMS, and never cached.
    expect(teacher.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(teacher.headers.get('x-frame-options')).toBeNull();
    expect(teacher.headers.get('cache-control')).toBe('no-store');

    const room = await server.rooms.get(teacher.roomId);
    expect(room).toMatchObject({ ownerId: null, kind: 'classroom', title: 'Week 1 — live class' });
    const identity = await server.database.db.selectFrom('lti_identities').selectAll().where('issuer', '=', platform.issuer).where('sub', '=', ada.id).executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ name: 'Ada Lovelace', email: 'ada@uni.example' });
    const stored = await server.ltiLaunches.resourceLink(platform.issuer, link.id);
    expect(stored).toMatchObject({ roomId: teacher.roomId, lineItemsUrl: `${platform.baseUrl}/ags/course-7/lineitems` });
    const context = await server.ltiLaunches.context(stored!.contextRef!);
    expect(context).toMatchObject({ contextId: 'course-7', title: 'Algebra I', label: 'MATH101', membershipsUrl: `${platform.baseUrl}/nrps/course-7` });
    expect(await counts()).toMatchObject({ rooms: before.rooms + 1, links: before.links + 1 });

    // Launching again leads to the same room; the same person is one identity.
    const again = await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link });
    expect(again.roomId).toBe(teacher.roomId);
    expect(await count('rooms')).toBe(before.rooms + 1);
    const identities = await server.database.db.selectFrom('lti_identities').select('id').where('issuer', '=', platform.issuer).where('sub', '=', ada.id).execute();
    expect(identities).toHaveLength(1);
  });

  it('gives learners, teaching assistants, administrators and unknown roles their role in a classroom and a lecture', async () => {
    const classroom = { id: `link-${randomUUID()}`, title: 'Tutorial' };
    const lecture = { id: `link-${randomUUID()}`, title: 'Lecture 1' };
    await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: classroom });
    await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: lecture, custom: { amphi_kind: 'lecture' } });
    const role = async (user: typeof bob, roles: readonly string[], resourceLink: typeof classroom) => (await enter({ user, roles, resourceLink })).session.role;
    expect(await role(bob, LTI_ROLES.learner, classroom)).toBe('participant');
    expect(await role(bob, LTI_ROLES.learner, lecture)).toBe('viewer');
    expect(await role({ id: 'u-tom', name: 'Tom TA', email: 'tom@uni.example' }, LTI_ROLES.teachingAssistant, classroom)).toBe('presenter');
    expect(await role({ id: 'u-root', name: 'Admin', email: 'root@uni.example' }, LTI_ROLES.admin, lecture)).toBe('moderator');
    expect(await role({ id: 'u-guest', name: 'Visitor', email: 'v@uni.example' }, ['http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor'], classroom)).toBe('viewer');

    // The room's setting makes teaching assistants moderators.
    const room = (await server.ltiLaunches.resourceLink(platform.issuer, classroom.id))!;
    const record = (await server.rooms.get(room.roomId))!;
    await server.rooms.update(record.id, { settings: { ...record.settings, ltiTeachingAssistant: 'moderator', lobby: true } });
    expect(await role({ id: 'u-tom', name: 'Tom TA', email: 'tom@uni.example' }, LTI_ROLES.teachingAssistant, classroom)).toBe('moderator');
    // With the lobby on, a learner is told they will wait; a moderator is not.
    expect((await enter({ user: bob, roles: LTI_ROLES.learner, resourceLink: classroom })).session.lobby).toBe(true);
    expect((await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: classroom })).session.lobby).toBe(false);
  });

  it('shows a learner who comes before the instructor a "not opened yet" page, in their language, and makes nothing', async () => {
    const before = await counts();
    const link = { id: `link-${randomUUID()}`, title: 'Not yet' };
    const form = await launch({ user: bob, roles: LTI_ROLES.learner, resourceLink: link });
    const res = await postForm(form.action, form.fields, form.jar);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('This activity is not open yet');
    expect(launchPayload(html)).toBeNull();
    expect((await counts()).rooms).toBe(before.rooms);
    expect((await counts()).links).toBe(before.links);

    const fr = await launch({ user: bob, roles: LTI_ROLES.learner, resourceLink: link });
    const page = await fetch(fr.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'fr-FR,fr;q=0.9' }, body: new URLSearchParams(fr.fields).toString() });
    expect(await page.text()).toContain('Cette activité n’est pas encore ouverte');

    // Once the instructor came, the learner gets in.
    const teacher = await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link });
    expect((await enter({ user: bob, roles: LTI_ROLES.learner, resourceLink: link })).roomId).toBe(teacher.roomId);
  });

  it('accepts a login initiation by GET as well as by POST', async () => {
    const link = { id: `link-${randomUUID()}` };
    const form = await launch({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link, initiation: 'GET' });
    const res = await form.post();
    expect(res.status).toBe(200);
    expect(launchPayload(await res.text())?.kind).toBe('room');
  });

  it('lets the app token (and only it) get a ticket that opens the room as that LMS person', async () => {
    const link = { id: `link-${randomUUID()}`, title: 'Live' };
    const teacher = await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link });
    const student = await enter({ user: bob, roles: LTI_ROLES.learner, resourceLink: link });

    const join = async (token: string) => {
      const res = await http(server, 'POST', '/api/lti/join', { headers: { authorization: `Bearer ${token}` }, json: {} });
      expect(res.status).toBe(200);
      return JoinResponse.parse(res.body);
    };
    const open = async (token: string) => {
      const socket = await RawSocket.open(server);
      socket.send({ type: 'hello', ticket: (await join(token)).ticket });
      await socket.next('welcome');
      return socket;
    };
    const moderator = await open(teacher.token);
    const learner = await open(student.token);
    try {
      expect(moderator.welcome.you).toMatchObject({ role: 'moderator', name: 'Ada Lovelace' });
      expect(learner.welcome.you).toMatchObject({ role: 'participant', name: 'Bob Student' });
      await moderator.next('participant.joined', (m) => m.participant.name === 'Bob Student');
    } finally {
      moderator.ws.close();
      learner.ws.close();
    }

    for (const authorization of [undefined, 'Bearer not-a-token-at-all', `Bearer ${teacher.token}x`]) {
      const res = await http(server, 'POST', '/api/lti/join', { json: {}, headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'LTI_INVALID' });
    }
    // A ticket or link token is not an app token.
    const ticket = (await join(student.token)).ticket;
    expect((await http(server, 'GET', '/api/lti/session', { headers: { authorization: `Bearer ${ticket}` } })).status).toBe(401);
  });

  describe('refuses, with an error page and nothing created', () => {
    const refused = async (tamper: Tamper | null, expected: RegExp, options: { replay?: boolean; reuseNonce?: boolean } = {}) => {
      const link = { id: `link-${randomUUID()}` };
      let form;
      if (options.replay) {
        form = await launch({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link });
        expect((await form.post()).status).toBe(200);
      } else if (options.reuseNonce) {
        const first = await launch({ user: ada, roles: LTI_ROLES.instructor, resourceLink: { id: `link-${randomUUID()}` } });
        expect((await first.post()).status).toBe(200);
        form = await launch({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link, tamper: { nonce: first.nonce } });
      } else {
        form = await launch({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link, ...(tamper ? { tamper } : {}) });
      }
      const before = await counts();
      const res = await form.post();
      const html = await res.text();
      expect(res.status).toBe(401);
      expect(html).toContain('The launch from your course could not be completed');
      expect(html).toMatch(expected);
      expect(launchPayload(html)).toBeNull();
      expect(await counts()).toEqual(before);
      if (!options.replay) expect(await server.ltiLaunches.resourceLink(platform.issuer, link.id)).toBeNull();
    };

    it('a replayed id_token (its state is spent)', () => refused(null, /unknown or was already used/, { replay: true }));
    it("a nonce reused from another launch", () => refused(null, /nonce is not the one issued/, { reuseNonce: true }));
    it('a state from another login', async () => {
      const other = await launch({ user: bob, roles: LTI_ROLES.learner, resourceLink: { id: 'other' } });
      await refused({ state: other.fields.state }, /nonce is not the one issued/);
    });
    it('a made-up state', () => refused({ state: 'forged-state' }, /unknown or was already used/));
    it('a wrong audience', () => refused({ aud: 'another-tool' }, /aud/));
    it('several audiences without azp naming Amphi', () => refused({ aud: ['another-tool', 'amphi-at-moodle'], azp: 'another-tool' }, /another client/));
    it('a wrong issuer', () => refused({ iss: 'https://evil.example' }, /iss/));
    it('an unregistered deployment', () => refused({ deploymentId: 'dep-unknown' }, /deployment dep-unknown is not registered/));
    it('alg none', () => refused({ alg: 'none' }, /refused/));
    it('HS256 keyed with the public key', () => refused({ alg: 'HS256' }, /refused/));
    it('an expired token', () => refused({ expired: true }, /refused/));
    it('a token signed by a key the platform does not publish', () => refused({ unknownKid: true }, /no key for this token/));
    it('a launch without the LTI version claim', () => refused({ claims: { 'https://purl.imsglobal.org/spec/lti/claim/version': undefined } }, /version/));
    it('a login initiation from an unknown platform', async () => {
      const res = await postForm(`${server.baseUrl}/lti/login`, { iss: 'https://unknown.example', login_hint: 'x', target_link_uri: `${server.baseUrl}/lti/launch` }, new CookieJar());
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('unknown.example');
    });
  });

  it("follows the platform's key rotation: an unknown kid makes Amphi fetch the keys again", async () => {
    const rotating = await registeredPlatform(server);
    try {
      const link = { id: `link-${randomUUID()}` };
      await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link }, rotating);
      const fetched = rotating.jwksRequests;
      await rotating.rotateKey({ dropOld: true });
      const after = await enter({ user: ada, roles: LTI_ROLES.instructor, resourceLink: link }, rotating);
      expect(after.session.role).toBe('moderator');
      expect(rotating.jwksRequests).toBe(fetched + 1);
      // The new key is cached: the next launch fetches nothing.
      await enter({ user: bob, roles: LTI_ROLES.learner, resourceLink: link }, rotating);
      expect(rotating.jwksRequests).toBe(fetched + 1);
    } finally {
      await rotating.close();
    }
  });

  it('offers the platform-storage login when the platform names a storage frame, and remembers it for the launch', async () => {
    const res = await postForm(
      `${server.baseUrl}/lti/login`,
      { iss: platform.issuer, login_hint: ada.id, target_link_uri: `${server.baseUrl}/lti/launch`, client_id: 'amphi-at-moodle', lti_storage_target: '_parent' },
      new CookieJar(),
    );
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([\w-]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain('frame-ancestors *');
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    const data = JSON.parse(/<script type="application\/json" id="amphi-lti-login">([^<]*)<\/script>/.exec(html)![1]!) as { authUrl: string; target: string; origin: string; key: string; value: string };
    const authUrl = new URL(data.authUrl);
    expect(authUrl.origin + authUrl.pathname).toBe(platform.authUrl);
    const state = authUrl.searchParams.get('state')!;
    expect(data).toEqual({ authUrl: data.authUrl, target: '_parent', origin: new URL(platform.authUrl).origin, key: `amphi_state_${state.slice(0, 32)}`, value: state });
    const row = await server.database.db.selectFrom('lti_login_states').selectAll().where('state', '=', state).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ storage_target: '_parent', nonce: authUrl.searchParams.get('nonce'), issuer: platform.issuer });
  });

  it('takes a state once even when two launches race for it', async () => {
    const form = await launch({ user: ada, roles: LTI_ROLES.instructor, resourceLink: { id: `link-${randomUUID()}` } });
    const results = await Promise.all([form.post(), form.post(), form.post()]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });
});

describe('LTI endpoints under garbage', () => {
  it('answer any form, query or body with a refusal page (never a server error), and create nothing', async () => {
    const before = await counts();
    const field = fc.oneof(fc.constantFrom('iss', 'login_hint', 'target_link_uri', 'id_token', 'state', 'oauth_signature', 'oauth_consumer_key', 'user_id', 'roles', 'lti_storage_target'), fc.string({ maxLength: 20 }));
    const form = fc.array(fc.tuple(field, fc.oneof(fc.string({ maxLength: 200 }), fc.constant(platform.issuer), fc.constant('a.b.c'))), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/lti/login', '/lti/launch', '/lti/launch11'), form, fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'), async (path, fields, type) => {
        const body = type === 'application/json' ? JSON.stringify(Object.fromEntries(fields)) : new URLSearchParams(fields).toString();
        const res = await fetch(server.baseUrl + path, { method: 'POST', headers: { 'content-type': type }, body, redirect: 'manual' });
        await res.text();
        // A form that is not a verifiable login or launch is refused (401); another content type is not
        // read (415); a login made of the right fields by chance is redirected to the platform (302).
        expect(path === '/lti/login' ? [302, 401, 415] : [401, 415]).toContain(res.status);
      }),
      { numRuns: 60 },
    );
    const query = await fetch(`${server.baseUrl}/lti/login?iss=${encodeURIComponent(platform.issuer)}&iss=again&login_hint=x`);
    expect(query.status).toBe(401);
    expect(await counts()).toEqual(before);
  });
});

describe('LTI 1.1 launch', () => {
  const consumerKey = `edx-${randomUUID().slice(0, 8)}`;
  const secret = 'a shared secret of the consumer';
  const url = () => `${server.baseUrl}/lti/launch11`;

  beforeAll(async () => {
    const sealer = new Sealer(server.config.secret);
    expect(await server.ltiStore.addConsumer({ consumerKey, name: 'Open edX', secretSealed: sealer.seal(secret), createdAt: new Date() })).toBe(true);
  });

  const params = (resourceLinkId: string, roles: string, userId: string, name: string) => ({
    resource_link_id: resourceLinkId,
    resource_link_title: 'edX live session',
    user_id: userId,
    roles,
    lis_person_name_full: name,
    context_id: 'course-v1:Uni+X101+2026',
    context_title: 'X101',
  });

  it('accepts a signed launch: same mapping (instructor makes the room, learner takes part), keyed by consumer', async () => {
    const link = `edx-${randomUUID()}`;
    const post = (fields: Record<string, string>) => postForm(url(), fields, new CookieJar());
    const teacher = await post(signLti11Launch({ url: url(), consumerKey, secret, params: params(link, 'Instructor', 'edx-ada', 'Ada Lovelace') }));
    expect(teacher.status).toBe(200);
    const payload = launchPayload(await teacher.text());
    if (payload?.kind !== 'room') throw new Error('no room');
    expect(await session(payload.token)).toMatchObject({ role: 'moderator', room: { title: 'edX live session', kind: 'classroom' } });

    const student = await post(signLti11Launch({ url: url(), consumerKey, secret, params: params(link, 'Learner', 'edx-bob', 'Bob Student') }));
    const studentPayload = launchPayload(await student.text());
    if (studentPayload?.kind !== 'room') throw new Error('no room');
    expect(studentPayload.roomId).toBe(payload.roomId);
    expect(await session(studentPayload.token)).toMatchObject({ role: 'participant', name: 'Bob Student' });
    const identity = await server.database.db.selectFrom('lti_identities').selectAll().where('issuer', '=', `lti11:${consumerKey}`).where('sub', '=', 'edx-bob').executeTakeFirst();
    expect(identity?.name).toBe('Bob Student');
  });

  it('refuses a tampered launch, a replayed nonce, a wrong secret and an unknown consumer, creating nothing', async () => {
    const link = `edx-${randomUUID()}`;
    const signed = signLti11Launch({ url: url(), consumerKey, secret, params: params(link, 'Instructor', 'edx-ada', 'Ada Lovelace') });
    const cases: [string, Record<string, string>, RegExp][] = [
      ['tampered role', { ...signed, roles: 'Administrator' }, /signature/],
      ['wrong secret', signLti11Launch({ url: url(), consumerKey, secret: 'guessed', params: params(link, 'Instructor', 'edx-ada', 'A') }), /signature/],
      ['unknown consumer', signLti11Launch({ url: url(), consumerKey: 'nobody', secret, params: params(link, 'Instructor', 'edx-ada', 'A') }), /consumer/],
      ['old timestamp', signLti11Launch({ url: url(), consumerKey, secret, timestamp: Math.floor(Date.now() / 1000) - 3600, params: params(link, 'Instructor', 'edx-ada', 'A') }), /timestamp/],
    ];
    for (const [what, fields, reason] of cases) {
      const before = await counts();
      const res = await postForm(url(), fields, new CookieJar());
      const html = await res.text();
      expect(res.status, what).toBe(401);
      expect(html, what).toMatch(reason);
      expect(await counts(), what).toEqual(before);
    }
    expect((await postForm(url(), signed, new CookieJar())).status).toBe(200);
    const replay = await postForm(url(), signed, new CookieJar());
    expect(replay.status).toBe(401);
    expect(await replay.text()).toMatch(/nonce/);
  });
});
