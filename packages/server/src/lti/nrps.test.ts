import { describe, expect, it } from 'vitest';
import { fetchRoster, nextPageUrl, parseMembershipPage } from './nrps.js';

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';

describe('Names and Role Provisioning', () => {
  it('reads members with their names, roles and status, Active by default', () => {
    const members = parseMembershipPage({
      id: 'https://m.test/nrps/1',
      members: [
        { user_id: 'u1', roles: [LEARNER], name: 'Ana Souza', given_name: 'Ana', family_name: 'Souza', email: 'ana@m.test' },
        { user_id: 'u2', roles: [LEARNER], status: 'Inactive' },
      ],
    });
    expect(members).toEqual([
      { userId: 'u1', roles: [LEARNER], name: 'Ana Souza', givenName: 'Ana', familyName: 'Souza', email: 'ana@m.test', status: 'Active' },
      { userId: 'u2', roles: [LEARNER], status: 'Inactive' },
    ]);
  });

  it('skips a member that does not parse, and refuses a body that is not a membership container', () => {
    expect(parseMembershipPage({ members: [{ roles: [] }, { user_id: 'u3', roles: 'Learner' }, { user_id: 'u4' }] }).map((m) => m.userId)).toEqual(['u4']);
    expect(() => parseMembershipPage({ error: 'nope' })).toThrow('membership container');
    expect(() => parseMembershipPage(undefined)).toThrow('membership container');
  });

  it('finds the next page in a Link header, among other relations, resolved against the page', () => {
    expect(nextPageUrl('<https://m.test/nrps/1?page=2>; rel="next"', 'https://m.test/nrps/1')).toBe('https://m.test/nrps/1?page=2');
    expect(nextPageUrl('<https://m.test/x?p=1>; rel="first", </nrps/1?p=3>; rel=next', 'https://m.test/nrps/1?p=2')).toBe('https://m.test/nrps/1?p=3');
    expect(nextPageUrl('<https://m.test/x>; rel="prev"', 'https://m.test/nrps/1')).toBeNull();
    expect(nextPageUrl('<javascript:alert(1)>; rel="next"', 'https://m.test/nrps/1')).toBeNull();
    expect(nextPageUrl(null, 'https://m.test/nrps/1')).toBeNull();
  });

  it('follows next pages with the bearer token, counting each member once', async () => {
    const requests: { url: string; auth: unknown }[] = [];
    const pages: Record<string, { members: unknown[]; next?: string }> = {
      'https://m.test/nrps/1': { members: [{ user_id: 'a', roles: [] }, { user_id: 'b', roles: [] }], next: 'https://m.test/nrps/1?from=2' },
      'https://m.test/nrps/1?from=2': { members: [{ user_id: 'b', roles: [] }, { user_id: 'c', roles: [] }] },
    };
    const fetch = async (url: string, init: RequestInit) => {
      requests.push({ url, auth: (init.headers as Record<string, string>).authorization });
      const page = pages[url]!;
      return new Response(JSON.stringify({ members: page.members }), { headers: page.next ? { link: `<${page.next}>; rel="next"` } : {} });
    };
    const members = await fetchRoster('https://m.test/nrps/1', 'tok', fetch);
    expect(members.map((m) => m.userId)).toEqual(['a', 'b', 'c']);
    expect(requests).toEqual([
      { url: 'https://m.test/nrps/1', auth: 'Bearer tok' },
      { url: 'https://m.test/nrps/1?from=2', auth: 'Bearer tok' },
    ]);
  });

  it('stops after the page limit when a platform keeps sending next links', async () => {
    let served = 0;
    const fetch = async (url: string) => {
      served += 1;
      return new Response(JSON.stringify({ members: [{ user_id: `u${served}`, roles: [] }] }), { headers: { link: `<${url.split('?')[0]}?p=${served}>; rel="next"` } });
    };
    const members = await fetchRoster('https://m.test/nrps/1', 'tok', fetch, 3);
    expect(served).toBe(3);
    expect(members).toHaveLength(3);
  });

  it('does not send the token to a next page on another origin', async () => {
    const urls: string[] = [];
    const fetch = async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ members: [{ user_id: 'a', roles: [] }] }), { headers: { link: '<https://evil.test/collect>; rel="next"' } });
    };
    expect(await fetchRoster('https://m.test/nrps/1', 'tok', fetch)).toHaveLength(1);
    expect(urls).toEqual(['https://m.test/nrps/1']);
  });

  it('reports a refused request by its status', async () => {
    const fetch = async () => new Response('{}', { status: 401 });
    await expect(fetchRoster('https://m.test/nrps/1', 'tok', fetch)).rejects.toThrow('HTTP 401');
  });
});
