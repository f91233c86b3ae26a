import { describe, expect, it } from 'vitest';
import { appPage, ltiErrorPage, notOpenedPage, pageLang, storageLoginPage } from './pages.js';

describe('LTI pages', () => {
  it('speaks French when the browser prefers it, else English', () => {
    expect(pageLang('fr-CA,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(pageLang('en-GB,fr;q=0.5')).toBe('en');
    expect(pageLang('de-DE')).toBe('en');
    expect(pageLang(undefined)).toBe('en');
    expect(notOpenedPage('Algèbre', 'fr')).toContain('pas encore ouverte');
    expect(notOpenedPage(null, 'en')).toContain('not open yet');
  });

  it('escapes every value it shows', () => {
    const error = ltiErrorPage('<script>alert(1)</script>', 'en');
    expect(error).not.toContain('<script>alert');
    expect(error).toContain('&#60;script&#62;');
    expect(notOpenedPage('"><img src=x onerror=alert(1)>', 'en')).not.toContain('<img');
  });

  it('puts the launch data in a meta tag of the app page, as escaped JSON', () => {
    const page = appPage('<!doctype html><html><head><title>Amphi</title></head><body></body></html>', { kind: 'room', token: 'a"b<c', roomId: 'r' });
    const content = /<meta name="amphi-lti" content="([^"]*)">/.exec(page)![1]!;
    const decoded = content.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
    expect(JSON.parse(decoded)).toEqual({ kind: 'room', token: 'a"b<c', roomId: 'r' });
    expect(appPage(null, { kind: 'resume' })).toContain('name="amphi-lti"');
  });

  it('writes the storage login data as JSON a script element cannot end early', () => {
    const page = storageLoginPage({ authUrl: 'https://lms.example/auth?x=</script>', target: '_parent', origin: 'https://lms.example', key: 'k', value: 'v', scriptNonce: 'n0', lang: 'en' });
    expect(page).not.toContain('x=</script>');
    const json = /<script type="application\/json" id="amphi-lti-login">([^<]*)<\/script>/.exec(page)![1]!;
    expect(JSON.parse(json)).toMatchObject({ authUrl: 'https://lms.example/auth?x=</script>', target: '_parent', key: 'k', value: 'v' });
    expect(page).toContain('<script nonce="n0">');
  });
});
