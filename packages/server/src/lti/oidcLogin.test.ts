import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLtiError } from './ltiError.js';
import { MemoryLoginStateStore } from './loginState.js';
import { findRegistration, initiateLogin, parseLoginRequest, type LoginDeps } from './oidcLogin.js';
import { CLIENT_ID, DEPLOYMENT_ID, ISSUER, LAUNCH_URL, REGISTRATION, T0 } from './lti.testkit.js';

const params = { iss: ISSUER, login_hint: '42', target_link_uri: LAUNCH_URL, lti_message_hint: 'hint-7', client_id: CLIENT_ID, lti_deployment_id: DEPLOYMENT_ID };

function deps(states = new MemoryLoginStateStore({ now: () => T0 })): LoginDeps {
  let n = 0;
  return {
    platforms: (iss) => Promise.resolve([REGISTRATION].filter((r) => r.issuer === iss)),
    states,
    redirectUri: LAUNCH_URL,
    now: () => T0,
    randomToken: () => `random-${++n}`,
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isLtiError(error)) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('initiateLogin', () => {
  it('redirects to the platform with the OIDC authentication request, and remembers the state bound to the nonce', async () => {
    const states = new MemoryLoginStateStore({ now: () => T0 });
    const redirect = await initiateLogin(params, deps(states));
    const url = new URL(redirect.url);
    expect(url.origin + url.pathname).toBe(REGISTRATION.authUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: CLIENT_ID,
      redirect_uri: LAUNCH_URL,
      login_hint: '42',
      lti_message_hint: 'hint-7',
      state: 'random-1',
      nonce: 'random-2',
    });
    expect(await states.take('random-1')).toEqual({ nonce: 'random-2', iss: ISSUER, clientId: CLIENT_ID, expiresAt: T0 + 5 * 60_000 });
    expect(await states.take('random-1')).toBeUndefined();
  });

  it('uses fresh random state and nonce by default, different at every login', async () => {
    const { randomToken: _, ...withoutRandom } = deps();
    const a = await initiateLogin(params, withoutRandom);
    const b = await initiateLogin(params, withoutRandom);
    expect(new Set([a.state, a.nonce, b.state, b.nonce]).size).toBe(4);
    expect(a.state).toMatch(/^[\w-]{43}$/);
  });

  it('works without the optional parameters when the issuer has one registration', async () => {
    const redirect = await initiateLogin({ iss: ISSUER, login_hint: '42', target_link_uri: LAUNCH_URL }, deps());
    expect(new URL(redirect.url).searchParams.has('lti_message_hint')).toBe(false);
    expect(redirect.registration).toBe(REGISTRATION);
  });

  it('refuses an unknown platform, client id or deployment', async () => {
    await expect(initiateLogin({ ...params, iss: 'https://evil.test' }, deps())).rejects.toThrow(/platform https:\/\/evil.test is not registered/);
    await expect(initiateLogin({ ...params, client_id: 'other' }, deps())).rejects.toThrow(/no registration with client id other/);
    await expect(initiateLogin({ ...params, lti_deployment_id: 'deployment-9' }, deps())).rejects.toThrow(/deployment deployment-9 is not registered/);
  });
});

describe('findRegistration', () => {
  it('needs the client id when the issuer has several registrations', () => {
    const second = { ...REGISTRATION, clientId: 'client-2' };
    const request = parseLoginRequest({ iss: ISSUER, login_hint: '1', target_link_uri: LAUNCH_URL });
    expect(refusal(() => findRegistration(request, [REGISTRATION, second]))).toMatch(/several registrations and sent no client_id/);
    expect(findRegistration({ ...request, clientId: 'client-2' }, [REGISTRATION, second])).toBe(second);
  });
});

describe('parseLoginRequest', () => {
  it('reads the parameters', () => {
    expect(parseLoginRequest(params)).toEqual({
      iss: ISSUER,
      loginHint: '42',
      targetLinkUri: LAUNCH_URL,
      ltiMessageHint: 'hint-7',
      clientId: CLIENT_ID,
      deploymentId: DEPLOYMENT_ID,
    });
  });

  it('refuses missing, repeated, overlong parameters and a target that is not an http(s) URL', () => {
    expect(refusal(() => parseLoginRequest({ ...params, login_hint: '' }))).toMatch(/login_hint is missing/);
    expect(refusal(() => parseLoginRequest({ ...params, iss: [ISSUER, ISSUER] }))).toMatch(/iss must be given once/);
    expect(refusal(() => parseLoginRequest({ ...params, lti_message_hint: 'x'.repeat(5000) }))).toMatch(/longer than 4096/);
    expect(refusal(() => parseLoginRequest({ ...params, target_link_uri: 'javascript:alert(1)' }))).toMatch(/not an http\(s\) URL/);
    expect(refusal(() => parseLoginRequest(undefined))).toMatch(/parameters are missing/);
  });

  it('throws nothing but LTI_INVALID for any parameter map (fuzzed)', async () => {
    const names = fc.constantFrom('iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id', 'lti_deployment_id', '__proto__', 'constructor');
    const map = fc.oneof(
      fc.dictionary(names, fc.oneof(fc.string(), fc.webUrl(), fc.constant(ISSUER), fc.jsonValue())),
      fc.record({ iss: fc.constantFrom(ISSUER, 'x'), login_hint: fc.string(), target_link_uri: fc.oneof(fc.webUrl(), fc.string()) }),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(map, async (input) => {
        const outcome: unknown = await initiateLogin(input, deps()).then(
          () => 'accepted',
          (e: unknown) => e,
        );
        if (outcome !== 'accepted') expect(isLtiError(outcome)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
