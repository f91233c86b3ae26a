import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkify, type Segment } from './linkify.js';

const text = (value: string): Segment => ({ type: 'text', value });
const link = (value: string, href = value): Segment => ({ type: 'link', value, href });
const links = (input: string) => linkify(input).filter((s) => s.type === 'link');

describe('linkify', () => {
  it('leaves text without links as one text segment, and an empty text as none', () => {
    expect(linkify('no links here')).toEqual([text('no links here')]);
    expect(linkify('')).toEqual([]);
  });

  it('finds http and https links among text', () => {
    expect(linkify('see https://example.org/a?b=1#c and http://uni.example')).toEqual([
      text('see '),
      link('https://example.org/a?b=1#c'),
      text(' and '),
      link('http://uni.example', 'http://uni.example/'),
    ]);
  });

  it('leaves sentence punctuation and unbalanced brackets outside the link', () => {
    expect(linkify('(read https://example.org/page).')).toEqual([text('(read '), link('https://example.org/page'), text(').')]);
    expect(links('https://en.wikipedia.org/wiki/Set_(mathematics), then')).toEqual([link('https://en.wikipedia.org/wiki/Set_(mathematics)')]);
    expect(links('Is it https://example.org?')).toEqual([link('https://example.org', 'https://example.org/')]);
  });

  it('accepts the scheme in any case and normalises the href', () => {
    expect(links('HTTPS://Example.ORG/Path')).toEqual([link('HTTPS://Example.ORG/Path', 'https://example.org/Path')]);
  });

  describe('refuses what could inject or mislead', () => {
    it.each([
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      ' javascript://example.org/%0Aalert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '//evil.example/path',
      'ftp://files.example/x',
      'http://javascript:alert(1)',
      'https://',
      'https:// example.org',
      'xhttps://example.org',
      'https\uFF1A//example.org',
    ])('%s stays text', (input) => {
      expect(links(input)).toEqual([]);
      expect(linkify(input)).toEqual([text(input)]);
    });

    it('keeps markup as text: a link ends before "<"', () => {
      expect(linkify('<script>alert(1)</script>')).toEqual([text('<script>alert(1)</script>')]);
      expect(linkify('https://example.org/<script>alert(1)</script>')).toEqual([
        link('https://example.org/'),
        text('<script>alert(1)</script>'),
      ]);
    });

    it('ends a link at a quote, so an attribute cannot be smuggled in', () => {
      expect(linkify('https://example.org/"onmouseover="alert(1)')).toEqual([link('https://example.org/'), text('"onmouseover="alert(1)')]);
      expect(linkify("https://example.org/'onfocus='x")).toEqual([link('https://example.org/'), text("'onfocus='x")]);
      expect(links('https://example.org/`x`')).toEqual([link('https://example.org/')]);
    });

    it('refuses links with credentials (https://bank.example@evil.example)', () => {
      expect(links('https://bank.example@evil.example/login')).toEqual([]);
      expect(links('https://user:pass@example.org')).toEqual([]);
    });

    it('ends a link at invisible format characters: bidi overrides, zero-width spaces, tags', () => {
      expect(linkify('https://evil.example/\u202Efdp.exe')).toEqual([link('https://evil.example/'), text('\u202Efdp.exe')]);
      expect(links('https://exa\u200Bmple.org')).toEqual([link('https://exa', 'https://exa/')]);
      expect(links('https://example.org/\u{E0041}x')).toEqual([link('https://example.org/')]);
      expect(links('https://example.org/\u2028x')).toEqual([link('https://example.org/')]);
    });

    it('shows a look-alike (IDN) host as punycode in the href', () => {
      // Cyrillic "а" in place of the Latin "a".
      expect(links('https://\u0430pple.com/')).toEqual([link('https://\u0430pple.com/', 'https://xn--pple-43d.com/')]);
    });

    it('percent-encodes what the URL parser must (no raw spaces or quotes in the href)', () => {
      const [found] = links('https://example.org/a%20b/é');
      expect(found).toEqual(link('https://example.org/a%20b/é', 'https://example.org/a%20b/%C3%A9'));
    });
  });

  describe('(property)', () => {
    const pieces = fc.oneof(
      fc.string(),
      fc.constantFrom('https://', 'http://', 'javascript:', 'data:', '<a href="', '"', "'", ' ', '.', ')', '(', '@', '\u202E', '\u200B', 'é', 'example.org', '/path?q=1#f'),
    );
    const messages = fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join(''));

    it('gives back the text exactly when the segments are joined', () => {
      fc.assert(fc.property(messages, (message) => linkify(message).map((s) => s.value).join('') === message), { numRuns: 2000 });
    });

    it('only ever links http(s) URLs without quotes, angle brackets, spaces or credentials', () => {
      fc.assert(
        fc.property(messages, (message) => {
          for (const segment of linkify(message)) {
            if (segment.type !== 'link') continue;
            const url = new URL(segment.href);
            expect(['http:', 'https:']).toContain(url.protocol);
            expect(url.username + url.password).toBe('');
            expect(segment.href).not.toMatch(/[\s"'<>`]/u);
            expect(segment.value).not.toMatch(/[\s"'<>`\u202E\u200B]/u);
          }
        }),
        { numRuns: 2000 },
      );
    });

    it('never produces two text segments in a row, nor an empty one', () => {
      fc.assert(
        fc.property(messages, (message) => {
          const segments = linkify(message);
          segments.forEach((segment, i) => {
            expect(segment.value).not.toBe('');
            if (i > 0) expect(segment.type === 'text' && segments[i - 1]!.type === 'text').toBe(false);
          });
        }),
        { numRuns: 2000 },
      );
    });
  });
});
