import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { ServiceTokens, clientAssertion, LTI_SCOPES } from './serviceToken.js';
import type { SigningKey } from './ToolKeys.js';

const PLATFORM = { id: 'p1', clientId: 'amphi-client', tokenUrl: 'https://moodle.test/mod/lti/token.php' };
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

async function key(): Promise<{ signing: SigningKey; jwks: ReturnType<typeof createLocalJWKSet> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { signing: { kid: 'k1', alg: 'RS256', privateKey }, jwks: createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] }) };
}

interface Call {
  url: string;
  form: URLSearchParams;
}

function tokenEndpoint(answer: (n: number) => Response) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, form: new URLSearchParams(String(init.body)) });
    return answer(calls.length);
  };
  return { calls, fetch };
}

const bearer = (n: number, expiresIn = 3600) => Response.json({ access_token: `tok-${n}`, token_type: 'Bearer', expires_in: expiresIn });

describe('service tokens', () => {
  it('signs a client assertion: iss = sub = client id, aud = token URL, jti, five minutes, with the kid', async () => {
    const { signing, jwks } = await key();
    const jwt = await clientAssertion(PLATFORM, signing, T0, 'jti-1');
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { currentDate: new Date(T0), issuer: 'amphi-client', subject: 'amphi-client', audience: PLATFORM.tokenUrl });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(payload).toMatchObject({ jti: 'jti-1', iat: T0 / 1000, exp: T0 / 1000 + 300 });
  });

  it('asks with the client credentials grant and a JWT assertion, and reuses the token until shortly before it expires', async () => {
    const { signing } = await key();
    let now = T0;
    const endpoint = tokenEndpoint((n) => bearer(n));
    const tokens = new ServiceTokens({ key: async () => signing, fetch: endpoint.fetch, now: () => now });
    expect(await tokens.token(PLATFORM, [LTI_SCOPES.score, LTI_SCOPES.lineItem])).toBe('tok-1');
    const form = endpoint.calls[0]!.form;
    expect(endpoint.calls[0]!.url).toBe(PLATFORM.tokenUrl);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(form.get('client_assertion')?.split('.')).toHaveLength(3);
    expect(form.get('scope')).toBe(`${LTI_SCOPES.lineItem} ${LTI_SCOPES.score}`);

    now += 3_500_000;
    expect(await tokens.token(PLATFORM, [LTI_SCOPES.lineItem, LTI_SCOPES.score])).toBe('tok-1');
    now += 50_000;
    expect(await tokens.token(PLATFORM, [LTI_SCOPES.lineItem, LTI_SCOPES.score])).toBe('tok-2');
    expect(endpoint.calls).toHaveLength(2);
  });

  it('keeps one token per platform and scope set, and shares a request made twice at once', async () => {
    const { signing } = await key();
    const endpoint = tokenEndpoint((n) => bearer(n));
    const tokens = new ServiceTokens({ key: async () => signing, fetch: endpoint.fetch, now: () => T0 });
    const [a, b] = await Promise.all([tokens.token(PLATFORM, [LTI_SCOPES.nrps]), tokens.token(PLATFORM, [LTI_SCOPES.nrps])]);
    expect(a).toBe(b);
    expect(await tokens.token(PLATFORM, [LTI_SCOPES.score])).not.toBe(a);
    expect(await tokens.token({ ...PLATFORM, id: 'p2' }, [LTI_SCOPES.nrps])).not.toBe(a);
    expect(endpoint.calls).toHaveLength(3);
  });

  it('asks again after a token is forgotten', async () => {
    const { signing } = await key();
    const endpoint = tokenEndpoint((n) => bearer(n));
    const tokens = new ServiceTokens({ key: async () => signing, fetch: endpoint.fetch, now: () => T0 });
    await tokens.token(PLATFORM, [LTI_SCOPES.nrps]);
    tokens.forget(PLATFORM, [LTI_SCOPES.nrps]);
    expect(await tokens.token(PLATFORM, [LTI_SCOPES.nrps])).toBe('tok-2');
  });

  it('reports a refusal by its status and a malformed answer without echoing it', async () => {
    const { signing } = await key();
    const refused = new ServiceTokens({ key: async () => signing, fetch: tokenEndpoint(() => Response.json({ error: 'invalid_client' }, { status: 401 })).fetch, now: () => T0 });
    await expect(refused.token(PLATFORM, [LTI_SCOPES.nrps])).rejects.toThrow('HTTP 401');
    const odd = new ServiceTokens({ key: async () => signing, fetch: tokenEndpoint(() => Response.json({ access_token: 'secret-x', token_type: 'mac' })).fetch, now: () => T0 });
    await expect(odd.token(PLATFORM, [LTI_SCOPES.nrps])).rejects.toThrow(/^(?!.*secret-x).*bearer token/);
  });
});
