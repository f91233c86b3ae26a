import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AmphiError } from '@amphi/protocol';
import { MemoryNonceStore, hmacSha1Signature, lti11Roles, signatureBaseString, verifyLti11Launch, type Lti11Deps } from './lti11.js';

const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const KEY = 'moodle-key';
const SECRET = 'sécret&with spaces';
const LAUNCH_URL = 'https://amphi.example.edu/lti/1.1/launch';

// An independent signer, written from RFC 5849 §3.4 byte by byte (not with encodeURIComponent).
function pct(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /^[A-Za-z0-9\-._~]$/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
function testSignature(method: string, baseUri: string, pairs: [string, string][], secret: string): string {
  const encoded = pairs.map(([n, v]) => [pct(n), pct(v)] as const);
  encoded.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  const base = [method, pct(baseUri), pct(encoded.map(([n, v]) => `${n}=${v}`).join('&'))].join('&');
  return createHmac('sha1', pct(secret) + '&').update(base).digest('base64');
}

let nonceCounter = 0;
function launchParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    lti_message_type: 'basic-lti-launch-request',
    lti_version: 'LTI-1p0',
    resource_link_id: 'rl-42',
    resource_link_title: 'Week 3 lecture',
    user_id: 'u-7',
    roles: 'Instructor,urn:lti:instrole:ims/lis/Administrator',
    lis_person_name_full: 'Ada Lovelace',
    lis_person_contact_email_primary: 'ada@example.edu',
    context_id: 'c-1',
    context_title: 'Maths 101',
    custom_room: 'abc',
    oauth_consumer_key: KEY,
    oauth_nonce: `nonce-${++nonceCounter}`,
    oauth_timestamp: String(NOW / 1000),
    oauth_signature_method: 'HMAC-SHA1',
    oauth_version: '1.0',
    oauth_callback: 'about:blank',
    ...overrides,
  };
}
interface SignOptions { secret?: string; baseUri?: string; query?: [string, string][] }
function signed(params: Record<string, string>, options: SignOptions = {}): Record<string, string> {
  const pairs: [string, string][] = [...(options.query ?? []), ...Object.entries(params)];
  return { ...params, oauth_signature: testSignature('POST', options.baseUri ?? LAUNCH_URL, pairs, options.secret ?? SECRET) };
}
function deps(overrides: Partial<Lti11Deps> = {}): Lti11Deps {
  return { consumerSecret: (key) => (key === KEY ? SECRET : undefined), nonces: new MemoryNonceStore(() => NOW), now: NOW, ...overrides };
}
async function rejection(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (err) {
    if (err instanceof AmphiError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'accepted';
}

describe('the OAuth 1.0 signature base string', () => {
  it('matches the example of RFC 5849 §3.4.1.1 (query and body merged, encoded twice)', () => {
    const base = signatureBaseString('POST', 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b', {
      oauth_consumer_key: '9djdj82h48djs9d2',
      oauth_token: 'kkk9d7dh3k39sjv7',
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: '137131201',
      oauth_nonce: '7d8f3e4a',
      oauth_signature: 'bYT5CMsGcbgUdFHObYMEfcx6bsw=',
      c2: '',
      a3: '2 q',
    });
    expect(base).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26' +
        'oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26' +
        'oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it('matches the photos.example.net example of OAuth Core 1.0 Appendix A, signature included', () => {
    const base = signatureBaseString('GET', 'http://photos.example.net/photos?file=vacation.jpg&size=original', {
      oauth_consumer_key: 'dpf43f3p2l4k3l03',
      oauth_token: 'nnch734d00sl2jdk',
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: '1191242096',
      oauth_nonce: 'kllo9940pd9333jh',
      oauth_version: '1.0',
    });
    expect(base).toBe(
      'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26' +
        'oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26' +
        'oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal',
    );
    expect(hmacSha1Signature(base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')).toBe('tR3+Ty81lMeYAr/Fid0kMTYa/WM=');
  });
});

describe('verifying an LTI 1.1 launch', () => {
  it('accepts a launch signed by the platform and returns who, where and with which roles', async () => {
    const launch = await verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: signed(launchParams()) }, deps());
    expect(launch).toEqual({
      ltiVersion: '1.1',
      issuer: KEY,
      consumerKey: KEY,
      userId: 'u-7',
      name: 'Ada Lovelace',
      givenName: undefined,
      familyName: undefined,
      email: 'ada@example.edu',
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor', 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'],
      context: { id: 'c-1', title: 'Maths 101', label: undefined },
      resourceLink: { id: 'rl-42', title: 'Week 3 lecture', description: undefined },
      custom: { room: 'abc' },
      returnUrl: undefined,
    });
  });

  it('rejects a launch whose parameter was altered after signing', async () => {
    const params = { ...signed(launchParams({ roles: 'Learner' })), roles: 'Instructor' };
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps()))).toMatch(/^LTI_INVALID: .*signature does not match/);
  });

  it('rejects a launch signed with another secret, and one from an unknown consumer key', async () => {
    const wrongSecret = signed(launchParams(), { secret: 'other' });
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: wrongSecret }, deps()))).toMatch(/signature does not match/);
    const unknown = signed(launchParams({ oauth_consumer_key: 'stranger' }));
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: unknown }, deps()))).toMatch(/unknown consumer key/);
  });

  it('rejects timestamps more than five minutes old or ahead, and accepts them just inside', async () => {
    const at = (seconds: number) => signed(launchParams({ oauth_timestamp: String(NOW / 1000 + seconds) }));
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: at(-301) }, deps()))).toMatch(/too old/);
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: at(301) }, deps()))).toMatch(/in the future/);
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: at(-300) }, deps()))).toBe('accepted');
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: at(300) }, deps()))).toBe('accepted');
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: signed(launchParams({ oauth_timestamp: '17e8' })) }, deps()))).toMatch(/not a number/);
  });

  it('rejects a replayed launch (same nonce) and forgets nonces once their timestamp is out of the window', async () => {
    let now = NOW;
    const nonces = new MemoryNonceStore(() => now);
    const params = signed(launchParams());
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps({ nonces })))).toBe('accepted');
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps({ nonces })))).toMatch(/already used/);
    now = NOW + 301_000;
    expect(nonces.seen(KEY, 'another', now / 1000)).toBe(false);
    expect(nonces.size).toBe(1);
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps({ nonces, now })))).toMatch(/too old/);
  });

  it('does not record the nonce of a request whose signature is wrong', async () => {
    const nonces = new MemoryNonceStore(() => NOW);
    const params = launchParams();
    await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: signed(params, { secret: 'bad' }) }, deps({ nonces })));
    expect(nonces.size).toBe(0);
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: signed(params) }, deps({ nonces })))).toBe('accepted');
  });

  it.each([
    ['oauth_consumer_key', /oauth_consumer_key is missing/],
    ['oauth_nonce', /oauth_nonce is missing/],
    ['oauth_timestamp', /oauth_timestamp is missing/],
    ['oauth_signature_method', /oauth_signature_method is missing/],
    ['lti_message_type', /lti_message_type is missing/],
    ['lti_version', /lti_version is missing/],
    ['resource_link_id', /resource_link_id is missing/],
  ])('rejects a launch without %s', async (name, message) => {
    const params = launchParams();
    delete params[name];
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: signed(params) }, deps()))).toMatch(message);
  });

  it('rejects an unsigned launch, other signature methods, OAuth versions, message types and LTI versions', async () => {
    const verify = (params: Record<string, string>) => rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps()));
    expect(await verify(launchParams())).toMatch(/oauth_signature is missing/);
    expect(await verify(signed(launchParams({ oauth_signature_method: 'PLAINTEXT' })))).toMatch(/must be HMAC-SHA1/);
    expect(await verify(signed(launchParams({ oauth_version: '2.0' })))).toMatch(/oauth_version must be 1.0/);
    expect(await verify(signed(launchParams({ lti_message_type: 'ContentItemSelectionRequest' })))).toMatch(/basic-lti-launch-request/);
    expect(await verify(signed(launchParams({ lti_version: 'LTI-2p0' })))).toMatch(/LTI-1p0/);
    const withoutVersion = launchParams();
    delete withoutVersion.oauth_version;
    expect(await verify(signed(withoutVersion))).toBe('accepted');
    expect(await rejection(verifyLti11Launch({ method: 'GET', url: LAUNCH_URL, params: signed(launchParams()) }, deps()))).toMatch(/must be a POST/);
  });

  it('checks the URL the platform signed: scheme and port count, case and default ports do not', async () => {
    const params = () => signed(launchParams());
    const at = (url: string) => rejection(verifyLti11Launch({ method: 'POST', url, params: params() }, deps()));
    expect(await at('http://amphi.example.edu/lti/1.1/launch')).toMatch(/signature does not match/);
    expect(await at('https://amphi.example.edu:8443/lti/1.1/launch')).toMatch(/signature does not match/);
    expect(await at('https://amphi.example.edu/lti/1.1/launch/other')).toMatch(/signature does not match/);
    expect(await at('HTTPS://Amphi.Example.EDU:443/lti/1.1/launch')).toBe('accepted');
    expect(await at('https://amphi.example.edu/lti/1.1/launch#fragment')).toBe('accepted');
    const onPort = signed(launchParams(), { baseUri: 'http://localhost:8080/lti/1.1/launch' });
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: 'http://LOCALHOST:8080/lti/1.1/launch', params: onPort }, deps()))).toBe('accepted');
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: 'ftp://amphi.example.edu/x', params: params() }, deps()))).toMatch(/not http/);
  });

  it('includes the query parameters of the launch URL in the signature', async () => {
    const query: [string, string][] = [['room', 'r 1'], ['x', 'a+b'], ['resource_link_title', 'from the query']];
    const body = launchParams();
    delete body.resource_link_title;
    const params = signed(body, { query });
    const url = `${LAUNCH_URL}?room=r%201&x=a%2Bb&resource_link_title=from+the+query`;
    const launch = await verifyLti11Launch({ method: 'POST', url, params }, deps());
    expect(launch.resourceLink.title).toBe('from the query');
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps()))).toMatch(/signature does not match/);
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: `${LAUNCH_URL}?room=r%202&x=a%2Bb&resource_link_title=from+the+query`, params }, deps()))).toMatch(/signature does not match/);
  });

  it('accepts a repeated parameter (sorted by value) but not a repeated OAuth parameter', async () => {
    const base = launchParams();
    const sig = testSignature('POST', LAUNCH_URL, [...Object.entries(base), ['tag', 'b'], ['tag', 'a']], SECRET);
    const params = { ...base, tag: ['b', 'a'], oauth_signature: sig };
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps()))).toBe('accepted');
    const twice = { ...signed(base), oauth_nonce: [base.oauth_nonce!, 'other'] };
    expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: twice }, deps()))).toMatch(/oauth_nonce is repeated/);
  });

  it("signs values with the characters encoders disagree on (!*'()~ + % and non-ASCII)", async () => {
    const params = signed(launchParams({ resource_link_title: "Don't (panic)! *~ 50% + ü 😀", custom_q: 'a=b&c' }));
    const launch = await verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps());
    expect(launch.resourceLink.title).toBe("Don't (panic)! *~ 50% + ü 😀");
    expect(launch.custom).toEqual({ room: 'abc', q: 'a=b&c' });
  });

  it('builds the name from given and family names when there is no full name', async () => {
    const params = launchParams({ lis_person_name_given: 'Grace', lis_person_name_family: 'Hopper' });
    delete params.lis_person_name_full;
    const launch = await verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: signed(params) }, deps());
    expect(launch).toMatchObject({ name: 'Grace Hopper', givenName: 'Grace', familyName: 'Hopper' });
  });
});

describe('LTI 1.1 roles', () => {
  it('maps short names and URNs to the LIS v2 URIs of LTI 1.3, keeping unknown roles as sent', () => {
    const lis = 'http://purl.imsglobal.org/vocab/lis/v2/';
    expect(lti11Roles('Learner, Instructor ,TeachingAssistant')).toEqual([`${lis}membership#Learner`, `${lis}membership#Instructor`, `${lis}membership/Instructor#TeachingAssistant`]);
    expect(lti11Roles('urn:lti:role:ims/lis/Instructor,urn:lti:role:ims/lis/Instructor/TeachingAssistant')).toEqual([`${lis}membership#Instructor`, `${lis}membership/Instructor#TeachingAssistant`]);
    expect(lti11Roles('urn:lti:instrole:ims/lis/Administrator,urn:lti:sysrole:ims/lis/SysAdmin')).toEqual([`${lis}institution/person#Administrator`, `${lis}system/person#SysAdmin`]);
    expect(lti11Roles(`${lis}membership#Mentor,urn:vendor:weird role,,Instructor,urn:lti:role:ims/lis/Instructor`)).toEqual([`${lis}membership#Mentor`, 'urn:vendor:weird role', `${lis}membership#Instructor`]);
    expect(lti11Roles('')).toEqual([]);
  });
});

describe('LTI 1.1 verification properties', () => {
  // Characters where encoders differ (RFC 3986 reserved and sub-delims, '~', '+', '%'), other ASCII, any code point.
  const character = fc.oneof(
    fc.constantFrom(...`!*'()~-._ +&=%/?#[]@:;,$"<>`),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const text = fc.string({ unit: character, maxLength: 12 });
  const extras = fc.dictionary(text.map((s) => `x_${s}`), text, { maxKeys: 6 });

  it('accepts any parameters signed by the platform, and rejects any one-character change to any value', async () => {
    await fc.assert(
      fc.asyncProperty(extras, fc.nat(), fc.nat(), async (extra, which, where) => {
        const params = signed({ ...launchParams(), ...extra });
        const launch = await verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params }, deps());
        expect(launch.resourceLink.id).toBe('rl-42');
        const names = Object.keys(params).filter((n) => n !== 'oauth_signature');
        const name = names[which % names.length]!;
        const value = params[name]!;
        const i = value.length === 0 ? 0 : where % value.length;
        const changed = value.length === 0 ? 'x' : value.slice(0, i) + (value[i] === 'a' ? 'b' : 'a') + value.slice(i + 1);
        const tampered = { ...params, [name]: changed };
        expect(await rejection(verifyLti11Launch({ method: 'POST', url: LAUNCH_URL, params: tampered }, deps()))).toMatch(/^LTI_INVALID: /);
      }),
      { numRuns: 200 },
    );
  });

  it('answers garbage with the LTI error only', async () => {
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }));
    const garbage = fc.oneof(fc.dictionary(fc.string({ unit: 'binary' }), value), fc.dictionary(fc.string(), value).map((g) => ({ ...launchParams(), ...g, oauth_signature: 'AAAA' })));
    await fc.assert(
      fc.asyncProperty(garbage, fc.oneof(fc.webUrl(), fc.string()), fc.constantFrom('POST', 'post', 'GET', ''), async (params, url, method) => {
        expect(await rejection(verifyLti11Launch({ method, url, params }, deps()))).toMatch(/^LTI_INVALID: /);
      }),
      { numRuns: 300 },
    );
  });
});
