import type { Role, RoomKind } from '@amphi/protocol';

/** What a teaching assistant becomes in Amphi (a setting of the instance or of the platform). */
export type TeachingAssistantRole = 'moderator' | 'presenter';

/** The LTI roles Amphi tells apart; every other role (Mentor, ContentDeveloper, Member…) is `other`. */
export type LtiRoleKind = 'administrator' | 'instructor' | 'teachingAssistant' | 'learner' | 'other';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/**
 * Classifies one role as sent by a platform: the LTI 1.3 URIs (context `membership#X`, sub-role
 * `membership/X#Y`, institution `institution/person#X`, system `system/person#X`), the short
 * context names that LTI 1.3 allows (`Instructor`) and the LTI 1.1 URNs (`urn:lti:role:ims/lis/X`).
 *
 * Only an Administrator counts at institution and system level: an institution's `Instructor`
 * or `Faculty` teaches somewhere in the institution, not necessarily in this course, and may be
 * a learner here.
 */
export function ltiRoleKind(role: string): LtiRoleKind {
  const value = role.trim();
  let context: string | undefined;
  let sub: string | undefined;
  if (value.startsWith(LIS + 'membership#')) context = value.slice((LIS + 'membership#').length);
  else if (value.startsWith(LIS + 'membership/')) [context, sub] = value.slice((LIS + 'membership/').length).split('#', 2);
  else if (value.startsWith('urn:lti:role:ims/lis/')) [context, sub] = value.slice('urn:lti:role:ims/lis/'.length).split('/', 2);
  else if (!value.includes(':') && !value.includes('/') && !value.includes('#')) context = value;
  else {
    const institutional = [LIS + 'institution/person#', LIS + 'system/person#', 'urn:lti:instrole:ims/lis/', 'urn:lti:sysrole:ims/lis/'];
    const prefix = institutional.find((p) => value.startsWith(p));
    const name = prefix === undefined ? undefined : value.slice(prefix.length);
    return name === 'Administrator' || name === 'SysAdmin' ? 'administrator' : 'other';
  }
  if (sub === 'TeachingAssistant' || context === 'TeachingAssistant') return 'teachingAssistant';
  switch (context) {
    case 'Administrator':
      return 'administrator';
    case 'Instructor':
      return 'instructor';
    case 'Learner':
      return 'learner';
    default:
      return 'other';
  }
}

export interface RoleMappingOptions {
  /** The Amphi room the launch leads to: a learner takes part in a classroom and watches a lecture. */
  readonly roomKind: RoomKind;
  /** What a teaching assistant becomes (default `presenter`: shares and speaks, does not moderate). */
  readonly teachingAssistant?: TeachingAssistantRole;
}

/**
 * The Amphi role of a person launched with these LTI roles, the most privileged that applies:
 * - Administrator (of the course, the institution or the system) and Instructor → moderator;
 * - TeachingAssistant → the `teachingAssistant` setting. It wins over Instructor, because platforms
 *   (Canvas) send a TA the principal role Instructor with the sub-role TeachingAssistant;
 * - Learner → participant in a classroom, viewer in a lecture;
 * - anything else, or no role → viewer. Least privilege: a viewer sees and hears the room, raises a
 *   hand and answers polls, but cannot speak, show a camera or share, and a moderator can promote
 *   them. `guest` would be no safer: a guest has a participant's media rights.
 */
export function amphiRole(ltiRoles: readonly string[], options: RoleMappingOptions): Role {
  const kinds = new Set(ltiRoles.map(ltiRoleKind));
  if (kinds.has('administrator')) return 'moderator';
  if (kinds.has('teachingAssistant')) return options.teachingAssistant ?? 'presenter';
  if (kinds.has('instructor')) return 'moderator';
  if (kinds.has('learner')) return options.roomKind === 'classroom' ? 'participant' : 'viewer';
  return 'viewer';
}
