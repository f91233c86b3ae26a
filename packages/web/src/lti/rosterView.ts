import type { LtiRosterMember } from '@amphi/protocol';

/** What the roster section shows: those not joined yet first, then those who joined, each by name. */
export interface RosterView {
  readonly members: readonly LtiRosterMember[];
  readonly total: number;
  readonly notJoined: number;
}

/**
 * Orders the roster for a teacher looking for who is missing. Members the LMS reports as no
 * longer in the course (Inactive, Deleted) are left out of the count of those missing, and go
 * last.
 */
export function rosterView(members: readonly LtiRosterMember[], locale: string): RosterView {
  const rank = (m: LtiRosterMember) => (m.status !== 'Active' ? 2 : m.joined ? 1 : 0);
  const sorted = [...members].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, locale));
  const active = members.filter((m) => m.status === 'Active');
  return { members: sorted, total: active.length, notJoined: active.filter((m) => !m.joined).length };
}
