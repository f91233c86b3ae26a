import fc from 'fast-check';
import { SignJWT, exportSPKI, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyLaunch, type Launch } from './launch.js';
import { isLtiError } from './ltiError.js';
import { amphiRole } from './roles.js';
import { CLIENT_ID, DEPLOYMENT_ID, ISSUER, LAUNCH_URL, LIS, ROLES, TestPlatform, launchClaims, signingKey, type SigningKey } from './lti.testkit.js';

let key1: SigningKey;
let key2: SigningKey;
beforeAll(async () => {
  [key1, key2] = await Promise.all([signingKey('moodle-key-1'), signingKey('moodle-key-2')]);
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Logs in, then launches with the token `makeToken` signs for that login's nonce. */
async function launchWith(platform: TestPlatform, makeToken: (nonce: string) => Promise<string>): Promise<Launch> {
  const { state, nonce } = await platform.login();
  return verifyLaunch({ id_token: await makeToken(nonce), state }, platform.deps());
}

async function rejected(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLtiError(error)) throw new Error(`expected an LTI_INVALID error, got ${String(error)}`);
  return error.message;
}

describe('verifyLaunch', () => {
  it("decodes an instructor's launch into the person, course, activity and a moderator role", async () => {
    const platform = new TestPlatform(key1);
    const launch = await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.instructor)));
    expect(launch).toEqual({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      deploymentId: DEPLOYMENT_ID,
      sub: 'moodle-user-42',
      name: 'Ana Souza',
      email: 'ana@moodle.test',
      messageType: 'LtiResourceLinkRequest',
      targetLinkUri: LAUNCH_URL,
      roles: ROLES.instructor,
      context: { id: 'course-3', title: 'Physique 101', label: 'PHY101', type: ['CourseSection'] },
      resourceLink: { id: 'link-7', title: 'Cours magistral' },
    });
    expect(amphiRole(launch.roles, { roomKind: 'lecture' })).toBe('moderator');
  });

  it('gives a learner participant in a classroom and viewer in a lecture, and an administrator moderator', async () => {
    const platform = new TestPlatform(key1);
    const learner = await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner, { sub: 'student-1' })));
    expect(learner.sub).toBe('student-1');
    expect(amphiRole(learner.roles, { roomKind: 'classroom' })).toBe('participant');
    expect(amphiRole(learner.roles, { roomKind: 'lecture' })).toBe('viewer');
    const admin = await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.admin)));
    expect(amphiRole(admin.roles, { roomKind: 'lecture' })).toBe('moderator');
  });

  it('accepts the context type as a short name or a full URI, and leaves out unknown types', async () => {
    const platform = new TestPlatform(key1);
    for (const type of [['CourseSection'], ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection', 'urn:x:unknown']]) {
      const context = { id: 'course-3', type };
      const launch = await launchWith(platform, (nonce) =>
        platform.sign(launchClaims(nonce, ROLES.learner, { 'https://purl.imsglobal.org/spec/lti/claim/context': context })),
      );
      expect(launch.context).toEqual({ id: 'course-3', type: ['CourseSection'] });
    }
  });

  it('returns deep linking settings and the roster and grade service endpoints when the platform sends them', async () => {
    const platform = new TestPlatform(key1);
    const claims = (nonce: string): JWTPayload => {
      const base = launchClaims(nonce, ROLES.instructor, {
        'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingRequest',
        'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings': {
          deep_link_return_url: 'https://moodle.test/mod/lti/contentitem_return.php',
          accept_types: ['ltiResourceLink'],
          accept_presentation_document_targets: ['iframe', 'window'],
          accept_multiple: false,
          data: 'opaque-7',
        },
        'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': {
          context_memberships_url: 'https://moodle.test/mod/lti/services.php/CourseSection/3/bindings/2/memberships',
          service_versions: ['2.0'],
        },
        'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
          scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'],
          lineitems: 'https://moodle.test/mod/lti/services.php/3/lineitems',
        },
      });
      delete base['https://purl.imsglobal.org/spec/lti/claim/resource_link'];
      return base;
    };
    const launch = await launchWith(platform, (nonce) => platform.sign(claims(nonce)));
    expect(launch.messageType).toBe('LtiDeepLinkingRequest');
    expect(launch.resourceLink).toBeUndefined();
    expect(launch.deepLinking).toEqual({
      returnUrl: 'https://moodle.test/mod/lti/contentitem_return.php',
      acceptTypes: ['ltiResourceLink'],
      acceptPresentationDocumentTargets: ['iframe', 'window'],
      acceptMultiple: false,
      data: 'opaque-7',
    });
    expect(launch.namesRoles).toEqual({
      contextMembershipsUrl: 'https://moodle.test/mod/lti/services.php/CourseSection/3/bindings/2/memberships',
      serviceVersions: ['2.0'],
    });
    expect(launch.gradeService).toEqual({ scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'], lineItems: 'https://moodle.test/mod/lti/services.php/3/lineitems' });
  });

  it('refuses a replayed launch: the state is spent by the first one', async () => {
    const platform = new TestPlatform(key1);
    const { state, nonce } = await platform.login();
    const form = { id_token: await platform.sign(launchClaims(nonce, ROLES.learner)), state };
    await verifyLaunch(form, platform.deps());
    expect(await rejected(verifyLaunch(form, platform.deps()))).toMatch(/state is unknown or was already used/);
  });

  it('refuses a token whose nonce was issued for another login (a nonce reused with a fresh state)', async () => {
    const platform = new TestPlatform(key1);
    const first = await platform.login();
    const token = await platform.sign(launchClaims(first.nonce, ROLES.learner));
    await verifyLaunch({ id_token: token, state: first.state }, platform.deps());
    const second = await platform.login();
    expect(await rejected(verifyLaunch({ id_token: token, state: second.state }, platform.deps()))).toMatch(/nonce is not the one issued/);
  });

  it('spends the state even when the token is refused, and refuses an unknown or expired state', async () => {
    const platform = new TestPlatform(key1);
    const { state, nonce } = await platform.login();
    await rejected(verifyLaunch({ id_token: 'not-a-jwt', state }, platform.deps()));
    const good = await platform.sign(launchClaims(nonce, ROLES.learner));
    expect(await rejected(verifyLaunch({ id_token: good, state }, platform.deps()))).toMatch(/already used/);
    expect(await rejected(verifyLaunch({ id_token: good, state: 'made-up' }, platform.deps()))).toMatch(/unknown/);

    const late = await platform.login();
    platform.now += 5 * 60_000;
    const token = await platform.sign(launchClaims(late.nonce, ROLES.learner));
    expect(await rejected(verifyLaunch({ id_token: token, state: late.state }, platform.deps()))).toMatch(/state has expired/);
  });

  it('refuses a state issued by a login for another platform', async () => {
    const platform = new TestPlatform(key1);
    // Same key set, so that only the issuer tells the two logins apart.
    const other = { ...platform.registrations[0]!, issuer: 'https://canvas.test', authUrl: 'https://canvas.test/auth' };
    platform.registrations.push(other);
    const { state, nonce } = await platform.login({ iss: 'https://canvas.test' });
    const token = await platform.sign(launchClaims(nonce, ROLES.learner));
    expect(await rejected(verifyLaunch({ id_token: token, state }, platform.deps()))).toMatch(/"iss"/);
  });

  it('refuses a token for another audience, and one with several audiences unless azp names Amphi', async () => {
    const platform = new TestPlatform(key1);
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner), { aud: 'another-tool' })))).toMatch(/"aud"/);
    const several = [CLIENT_ID, 'another-tool'];
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner), { aud: several })))).toMatch(/several audiences and no azp/);
    expect(
      await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner, { azp: 'another-tool' }), { aud: several }))),
    ).toMatch(/another client \(azp\)/);
    const launch = await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner, { azp: CLIENT_ID }), { aud: several }));
    expect(launch.sub).toBe('moodle-user-42');
  });

  it('refuses a deployment that is not registered', async () => {
    const platform = new TestPlatform(key1);
    const claims = (nonce: string) => launchClaims(nonce, ROLES.learner, { 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'deployment-9' });
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(claims(nonce))))).toMatch(/deployment deployment-9 is not registered/);
  });

  it('refuses alg none, and HS256 keyed with the bytes of the public key', async () => {
    const platform = new TestPlatform(key1);
    const none = (nonce: string) => {
      const now = Math.floor(platform.now / 1000);
      const claims = { ...launchClaims(nonce, ROLES.instructor), iss: ISSUER, aud: CLIENT_ID, iat: now, exp: now + 60 };
      return Promise.resolve(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    };
    expect(await rejected(launchWith(platform, none))).toMatch(/not RS256/);

    const publicPem = new TextEncoder().encode(await exportSPKI(key1.publicKey));
    const hs256 = (nonce: string) =>
      new SignJWT(launchClaims(nonce, ROLES.instructor))
        .setProtectedHeader({ alg: 'HS256', kid: key1.kid })
        .setIssuer(ISSUER)
        .setAudience(CLIENT_ID)
        .setIssuedAt(Math.floor(platform.now / 1000))
        .setExpirationTime(Math.floor(platform.now / 1000) + 60)
        .sign(publicPem);
    expect(await rejected(launchWith(platform, hs256))).toMatch(/not RS256/);
  });

  it('refuses a token signed by a key the platform does not publish', async () => {
    const platform = new TestPlatform(key1);
    const forged = { ...key2, kid: key1.kid };
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.instructor), { key: forged })))).toMatch(/signature/);
  });

  it('refuses an expired token and one issued in the future beyond the clock skew, and tolerates a small skew', async () => {
    const platform = new TestPlatform(key1);
    const now = () => Math.floor(platform.now / 1000);
    const claims = (nonce: string) => launchClaims(nonce, ROLES.learner);
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(claims(nonce), { iat: now() - 120, exp: now() - 31 })))).toMatch(/expired/);
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(claims(nonce), { iat: now() + 31, exp: now() + 120 })))).toMatch(/"iat"/);
    await launchWith(platform, (nonce) => platform.sign(claims(nonce), { iat: now() + 20, exp: now() - 20 }));
  });

  it('refuses a token without the LTI claims it needs, naming the claim', async () => {
    const platform = new TestPlatform(key1);
    const without = (claim: string) => (nonce: string) => {
      const claims = launchClaims(nonce, ROLES.learner);
      delete claims[claim];
      return platform.sign(claims);
    };
    expect(await rejected(launchWith(platform, without('https://purl.imsglobal.org/spec/lti/claim/roles')))).toMatch(/claim\/roles is missing or invalid/);
    expect(await rejected(launchWith(platform, without('https://purl.imsglobal.org/spec/lti/claim/resource_link')))).toMatch(/without resource_link/);
    const version = (nonce: string) => platform.sign(launchClaims(nonce, ROLES.learner, { 'https://purl.imsglobal.org/spec/lti/claim/version': '1.1' }));
    expect(await rejected(launchWith(platform, version))).toMatch(/claim\/version/);
    const type = (nonce: string) => platform.sign(launchClaims(nonce, ROLES.learner, { 'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiSubmissionReview' }));
    expect(await rejected(launchWith(platform, type))).toMatch(/claim\/message_type/);
  });

  it('accepts a token signed with a rotated key: the key set is fetched again once, not again within the cooldown', async () => {
    const platform = new TestPlatform(key1);
    await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner)));
    await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner)));
    expect(platform.jwksFetches).toBe(1);

    // Ten minutes later the platform rotates: it publishes key 2 and signs with it.
    platform.now += 10 * 60_000;
    platform.published = [key1, key2];
    await launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner), { key: key2 }));
    expect(platform.jwksFetches).toBe(2);

    // A kid nobody publishes does not make Amphi fetch again within the cooldown…
    const stranger = { ...key2, kid: 'unknown-kid' };
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner), { key: stranger })))).toMatch(/no key for this token/);
    expect(await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner), { key: stranger })))).toMatch(/no key/);
    expect(platform.jwksFetches).toBe(2);
    // …but does once the cooldown has passed.
    platform.now += 61_000;
    await rejected(launchWith(platform, (nonce) => platform.sign(launchClaims(nonce, ROLES.learner), { key: stranger })));
    expect(platform.jwksFetches).toBe(3);
  });

  it('throws nothing but LTI_INVALID for any form, id_token or state (fuzzed)', async () => {
    const platform = new TestPlatform(key1);
    const segment = fc.oneof(fc.base64String(), fc.string(), fc.constant(b64({ alg: 'RS256', kid: key1.kid })), fc.constant(b64({ alg: 'none' })));
    const token = fc.oneof(fc.string(), fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(token, fc.boolean(), fc.jsonValue(), async (idToken, knownState, form) => {
        const { state } = await platform.login();
        for (const input of [{ id_token: idToken, state: knownState ? state : idToken }, form]) {
          const error: unknown = await verifyLaunch(input, platform.deps()).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isLtiError(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

it('finds the learner roles fixture consistent with the LIS vocabulary', () => {
  expect(ROLES.learner[0]).toBe(LIS + 'membership#Learner');
});
