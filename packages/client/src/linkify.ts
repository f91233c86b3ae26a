/**
 * Links in chat, without HTML. The server never renders markup: `linkify` cuts a message into
 * text and link segments, and the web renders text segments as text nodes and link segments
 * as `<a href={href} rel="noopener noreferrer nofollow" target="_blank">{value}</a>`.
 *
 * Only absolute http and https URLs become links; everything else (javascript:, data:,
 * vbscript:, file:, protocol-relative //host, markup) stays text. A URL ends at whitespace,
 * at characters that cannot appear unescaped in a URL (`<>"'\`{}|\^`), and at invisible
 * Unicode format characters (bidi overrides, zero-width spaces), so such characters can
 * neither hide inside a link nor change how it reads. URLs with credentials
 * (`https://bank.example@evil.example`) are refused: they exist to mislead.
 *
 * Dependency-free, so the web app may call it too. Concatenating the segments' `value`s gives
 * back the text exactly.
 */

export type Segment = { readonly type: 'text'; readonly value: string } | { readonly type: 'link'; readonly value: string; readonly href: string };

/** Where a URL may start: "http://" or "https://", in any case, not glued to a letter or digit. */
const START = /(?<![\p{L}\p{N}])https?:\/\//giu;
/** Characters that end a URL: whitespace, controls, format characters, lone surrogates, unsafe ASCII. */
const STOP = /[\s\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}<>"'`{}|\\^]/u;
/** Punctuation that usually closes the sentence rather than the URL. */
const TRAILING = /[.,;:!?*]$/u;

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let textStart = 0;
  START.lastIndex = 0;
  for (let match = START.exec(text); match !== null; match = START.exec(text)) {
    const start = match.index;
    let end = start + match[0].length;
    // Step by code point: a format character outside the BMP (tag characters) must stop it too.
    while (end < text.length) {
      const char = String.fromCodePoint(text.codePointAt(end)!);
      if (STOP.test(char)) break;
      end += char.length;
    }
    const candidate = trimTrailing(text.slice(start, end));
    const href = safeHref(candidate);
    if (href === null) {
      START.lastIndex = start + match[0].length;
      continue;
    }
    if (start > textStart) segments.push({ type: 'text', value: text.slice(textStart, start) });
    segments.push({ type: 'link', value: candidate, href });
    textStart = start + candidate.length;
    START.lastIndex = textStart;
  }
  if (textStart < text.length) segments.push({ type: 'text', value: text.slice(textStart) });
  return segments;
}

/** Drops sentence punctuation and an unbalanced closing bracket from the end of a URL. */
function trimTrailing(url: string): string {
  let result = url;
  for (;;) {
    if (TRAILING.test(result)) {
      result = result.slice(0, -1);
      continue;
    }
    const last = result.at(-1);
    const open = last === ')' ? '(' : last === ']' ? '[' : null;
    if (open !== null && count(result, last!) > count(result, open)) {
      result = result.slice(0, -1);
      continue;
    }
    return result;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The normalised href when `candidate` is a plain http(s) URL with a host, else null. */
function safeHref(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return null;
  // `href` is serialised by the URL parser: percent-encoded, punycode host, no raw quotes.
  return url.href;
}
