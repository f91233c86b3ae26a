/**
 * What a browser does between an LMS and a tool, for the LTI tests: keep cookies, follow
 * redirects by hand, read the auto-submitting forms the two sides answer with, and post them.
 * One `CookieJar` is one browser; cookies are kept by name only (the tests talk to one tool host).
 */

export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Keeps the cookies a response sets (a `Max-Age=0` or empty value removes one). */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
}

/** A request as the browser sends it: no redirect following, the jar's cookies, and the jar updated. */
export async function browserFetch(url: string, init: RequestInit = {}, jar?: CookieJar): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar?.header();
  if (cookie !== undefined) headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar?.store(response);
  return response;
}

/** Posts form fields as `application/x-www-form-urlencoded`, as an auto-submitting HTML form does. */
export function postForm(url: string, fields: Readonly<Record<string, string>>, jar?: CookieJar): Promise<Response> {
  return browserFetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }, jar);
}

export interface HtmlForm {
  readonly method: string;
  readonly action: string;
  readonly fields: Record<string, string>;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? '');
}

/**
 * Reads the first form of an HTML page (its action, method and named inputs). Enough for the
 * generated auto-submit pages of LMSs and tools, not a general HTML parser.
 */
export function readForm(html: string, baseUrl?: string): HtmlForm {
  const formTag = /<form\b[^>]*>/i.exec(html);
  if (!formTag) throw new Error(`No form in the page: ${html.slice(0, 200)}`);
  const action = attribute(formTag[0], 'action') ?? '';
  const fields: Record<string, string> = {};
  for (const input of html.slice(formTag.index).matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input[0], 'name');
    if (name !== undefined) fields[name] = attribute(input[0], 'value') ?? '';
  }
  return {
    method: (attribute(formTag[0], 'method') ?? 'get').toUpperCase(),
    action: baseUrl === undefined ? action : new URL(action, baseUrl).toString(),
    fields,
  };
}
