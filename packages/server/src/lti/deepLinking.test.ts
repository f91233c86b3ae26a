import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import { AmphiError } from '@amphi/protocol';
import { DL_CLAIM, deepLinkingResponseJwt, deepLinkingReturnForm, escapeHtml, parseDeepLinkingSettings, type DeepLinkingResponseInput } from './deepLinking.js';

const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const { privateKey, publicKey } = await generateKeyPair('RS256');
const key = { kid: 'amphi-key-1', privateKey };

const input: DeepLinkingResponseInput = {
  platformIssuer: 'https://moodle.example.edu',
  clientId: 'client-123',
  deploymentId: 'deployment-1',
  settings: { returnUrl: 'https://moodle.example.edu/mod/lti/contentitem_return.php?course=2', data: 'opaque-platform-data' },
  room: { url: 'https://amphi.example.edu/lti/launch', title: 'Maths lecture', roomToken: 'room-42' },
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof AmphiError ? `${err.code}: ${err.message}` : 'THREW';
  }
}
/** Reads back the attribute value as a browser would (decoding the character references we emit). */
function attribute(html: string, pattern: RegExp): string {
  const raw = pattern.exec(html)?.[1];
  if (raw === undefined) throw new Error(`no match for ${pattern}`);
  return raw.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

describe('the deep linking response', () => {
  it('is an RS256 JWT under our kid that verifies with our public key and carries every claim', async () => {
    const jwt = await deepLinkingResponseJwt(input, { key, now: NOW, nonce: () => 'nonce-1' });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', kid: 'amphi-key-1', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, publicKey, {
      algorithms: ['RS256'],
      issuer: 'client-123',
      audience: 'https://moodle.example.edu',
      currentDate: new Date(NOW + 60_000),
    });
    expect(payload).toEqual({
      iss: 'client-123',
      aud: 'https://moodle.example.edu',
      iat: NOW / 1000,
      exp: NOW / 1000 + 300,
      nonce: 'nonce-1',
      [DL_CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [DL_CLAIM.version]: '1.3.0',
      [DL_CLAIM.deploymentId]: 'deployment-1',
      [DL_CLAIM.contentItems]: [{ type: 'ltiResourceLink', title: 'Maths lecture', url: 'https://amphi.example.edu/lti/launch', custom: { amphi_room: 'room-42' } }],
      [DL_CLAIM.data]: 'opaque-platform-data',
    });
  });

  it('expires quickly, uses a fresh random nonce each time and leaves out data the platform did not send', async () => {
    const first = await deepLinkingResponseJwt({ ...input, settings: { returnUrl: input.settings.returnUrl } }, { key, now: NOW });
    const second = await deepLinkingResponseJwt(input, { key, now: NOW });
    const one = (await jwtVerify(first, publicKey, { currentDate: new Date(NOW) })).payload;
    const two = (await jwtVerify(second, publicKey, { currentDate: new Date(NOW) })).payload;
    expect(one).not.toHaveProperty(DL_CLAIM.data);
    expect(typeof one.nonce).toBe('string');
    expect((one.nonce as string).length).toBeGreaterThanOrEqual(16);
    expect(one.nonce).not.toBe(two.nonce);
    await expect(jwtVerify(first, publicKey, { currentDate: new Date(NOW + 301_000) })).rejects.toThrow(/exp/);
  });

  it('refuses an item URL that is not http(s)', async () => {
    await expect(deepLinkingResponseJwt({ ...input, room: { ...input.room, url: 'javascript:alert(1)' } }, { key, now: NOW })).rejects.toMatchObject({ code: 'LTI_INVALID' });
  });
});

describe('the deep linking settings of a request', () => {
  it('reads the return URL, data, title and text', () => {
    const claim = { deep_link_return_url: 'https://lms.example/return', accept_types: ['link', 'ltiResourceLink'], accept_presentation_document_targets: ['iframe', 'window'], data: 'd', title: 'T', text: 'X' };
    expect(parseDeepLinkingSettings(claim)).toEqual({ returnUrl: 'https://lms.example/return', data: 'd', title: 'T', text: 'X' });
  });

  it('rejects a platform that does not accept resource links, a javascript: return URL and garbage', () => {
    expect(codeOf(() => parseDeepLinkingSettings({ deep_link_return_url: 'https://lms.example/return', accept_types: ['file'] }))).toMatch(/^LTI_INVALID: .*ltiResourceLink/);
    expect(codeOf(() => parseDeepLinkingSettings({ deep_link_return_url: 'javascript:alert(1)', accept_types: ['ltiResourceLink'] }))).toMatch(/^LTI_INVALID: .*deep_link_return_url/);
    expect(codeOf(() => parseDeepLinkingSettings('nope'))).toMatch(/^LTI_INVALID/);
    expect(codeOf(() => parseDeepLinkingSettings(undefined))).toMatch(/^LTI_INVALID/);
  });
});

describe('the form that returns to the platform', () => {
  const hostileUrl = 'https://lms.example/return?a="><script>alert(1)</script>&b=\'x\'';
  const hostileTitle = '<img src=x onerror=alert(1)> "Maths" & \'more\'';

  it('posts the JWT to the return URL, every value escaped', () => {
    const html = deepLinkingReturnForm(hostileUrl, 'header.payload.sig', { title: hostileTitle });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(hostileTitle));
    expect(attribute(html, /<form id="amphi-deep-link" method="post" action="([^"]*)">/)).toBe(hostileUrl);
    expect(attribute(html, /<input type="hidden" name="JWT" value="([^"]*)">/)).toBe('header.payload.sig');
    expect(html).toContain('<button type="submit">');
  });

  it('adds the auto-submit script only with a CSP nonce, and escapes the nonce too', () => {
    const html = deepLinkingReturnForm('https://lms.example/return', 'jwt', { scriptNonce: 'abc"><x' });
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(attribute(html, /<script nonce="([^"]*)">/)).toBe('abc"><x');
    expect(html).toContain(".submit();</script>");
  });

  it('refuses a return URL that is not http(s)', () => {
    expect(codeOf(() => deepLinkingReturnForm('javascript:alert(1)', 'jwt'))).toMatch(/^LTI_INVALID/);
    expect(codeOf(() => deepLinkingReturnForm('data:text/html,<script>', 'jwt'))).toMatch(/^LTI_INVALID/);
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
