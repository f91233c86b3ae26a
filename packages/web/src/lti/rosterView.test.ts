import { describe, expect, it } from 'vitest';
import type { LtiRosterMember } from '@amphi/protocol';
import { rosterView } from './rosterView.js';

const member = (name: string, joined: boolean, status: LtiRosterMember['status'] = 'Active'): LtiRosterMember => ({ name, role: 'participant', joined, status });

describe('the roster as a teacher reads it', () => {
  it('lists those not joined yet first, then those who joined, then those no longer in the course, each by name', () => {
    const view = rosterView([member('Zoé', true), member('Émile', false), member('Ana', true), member('Bruno', false, 'Inactive'), member('Chloé', false)], 'fr');
    expect(view.members.map((m) => m.name)).toEqual(['Chloé', 'Émile', 'Ana', 'Zoé', 'Bruno']);
  });

  it('counts the active members and those of them not joined yet', () => {
    expect(rosterView([member('A', true), member('B', false), member('C', false, 'Deleted')], 'en')).toMatchObject({ total: 2, notJoined: 1 });
    expect(rosterView([], 'en')).toMatchObject({ total: 0, notJoined: 0 });
  });
});
