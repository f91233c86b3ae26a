import { z } from 'zod';
import { LtiServiceError, type Fetch } from './serviceToken.js';

/** A member of a course as Names and Role Provisioning 2.0 reports them. */
export interface CourseMember {
  /** The LTI `sub` of the person on this platform. */
  readonly userId: string;
  readonly roles: readonly string[];
  readonly name?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly email?: string;
  readonly status: 'Active' | 'Inactive' | 'Deleted';
}

const Member = z.object({
  user_id: z.string().min(1).max(255),
  roles: z.array(z.string().max(255)).max(100).default([]),
  name: z.string().max(255).optional(),
  given_name: z.string().max(255).optional(),
  family_name: z.string().max(255).optional(),
  email: z.string().max(255).optional(),
  status: z.enum(['Active', 'Inactive', 'Deleted']).default('Active'),
});

const MembershipContainer = z.object({ members: z.array(z.unknown()).max(10_000) });

export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
/** Most pages followed for one roster: a platform that keeps sending `next` links is not followed for ever. */
export const MAX_ROSTER_PAGES = 50;

/**
 * The members of one page of a membership container. A member that does not parse (no
 * `user_id`, a field of the wrong type) is skipped, not the whole page: one odd account does
 * not hide the course.
 */
export function parseMembershipPage(body: unknown): CourseMember[] {
  const container = MembershipContainer.safeParse(body);
  if (!container.success) throw new LtiServiceError('The platform answered the roster request with something other than a membership container.');
  const members: CourseMember[] = [];
  for (const raw of container.data.members) {
    const parsed = Member.safeParse(raw);
    if (!parsed.success) continue;
    const m = parsed.data;
    members.push({
      userId: m.user_id,
      roles: m.roles,
      status: m.status,
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.given_name !== undefined ? { givenName: m.given_name } : {}),
      ...(m.family_name !== undefined ? { familyName: m.family_name } : {}),
      ...(m.email !== undefined ? { email: m.email } : {}),
    });
  }
  return members;
}

/** The `rel="next"` URL of a Link header (RFC 8288), resolved against the page's URL; null when none. */
export function nextPageUrl(link: string | null, pageUrl: string): string | null {
  if (!link) return null;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (!match) continue;
    const rels = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(match[2]!);
    const rel = (rels?.[1] ?? rels?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('next')) continue;
    try {
      const url = new URL(match[1]!, pageUrl);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Reads a course's whole roster: the first page at `membershipsUrl`, then each `next` page,
 * at most `maxPages`. Members seen twice (a platform paging while the course changes) count once.
 * A `next` page on another origin is not followed: the token is the platform's, for it alone.
 */
export async function fetchRoster(membershipsUrl: string, token: string, fetch: Fetch, maxPages = MAX_ROSTER_PAGES): Promise<CourseMember[]> {
  const byUser = new Map<string, CourseMember>();
  let url: string | null = membershipsUrl;
  const seen = new Set<string>();
  for (let page = 0; url !== null && page < maxPages && !seen.has(url); page++) {
    seen.add(url);
    const response: Response = await fetch(url, { headers: { accept: NRPS_MEDIA_TYPE, authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new LtiServiceError(`The platform refused the roster request (HTTP ${response.status}).`);
    const body: unknown = await response.json().catch(() => undefined);
    for (const member of parseMembershipPage(body)) byUser.set(member.userId, member);
    const next = nextPageUrl(response.headers.get('link'), url);
    url = next !== null && new URL(next).origin === new URL(membershipsUrl).origin ? next : null;
  }
  return [...byUser.values()];
}
