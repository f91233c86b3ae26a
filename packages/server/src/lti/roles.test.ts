import { describe, expect, it } from 'vitest';
import { amphiRole, ltiRoleKind } from './roles.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('ltiRoleKind', () => {
  it('reads the full URIs, the short names and the LTI 1.1 URNs alike', () => {
    expect(ltiRoleKind(LIS + 'membership#Instructor')).toBe('instructor');
    expect(ltiRoleKind('Instructor')).toBe('instructor');
    expect(ltiRoleKind('urn:lti:role:ims/lis/Instructor')).toBe('instructor');
    expect(ltiRoleKind(LIS + 'membership#Learner')).toBe('learner');
    expect(ltiRoleKind('Learner')).toBe('learner');
    expect(ltiRoleKind(LIS + 'membership/Learner#Learner')).toBe('learner');
    expect(ltiRoleKind(LIS + 'membership#Administrator')).toBe('administrator');
    expect(ltiRoleKind(LIS + 'institution/person#Administrator')).toBe('administrator');
    expect(ltiRoleKind(LIS + 'system/person#Administrator')).toBe('administrator');
    expect(ltiRoleKind('urn:lti:instrole:ims/lis/Administrator')).toBe('administrator');
    expect(ltiRoleKind(LIS + 'membership/Instructor#TeachingAssistant')).toBe('teachingAssistant');
    expect(ltiRoleKind('TeachingAssistant')).toBe('teachingAssistant');
    expect(ltiRoleKind('urn:lti:role:ims/lis/TeachingAssistant')).toBe('teachingAssistant');
  });

  it('counts an institution instructor or student as nothing in the course, and unknown roles as other', () => {
    expect(ltiRoleKind(LIS + 'institution/person#Instructor')).toBe('other');
    expect(ltiRoleKind(LIS + 'institution/person#Faculty')).toBe('other');
    expect(ltiRoleKind(LIS + 'membership#Mentor')).toBe('other');
    expect(ltiRoleKind('http://example.com/roles#Instructor')).toBe('other');
    expect(ltiRoleKind('')).toBe('other');
  });
});

describe('amphiRole', () => {
  it('makes instructors and administrators moderators of classrooms and lectures', () => {
    for (const roomKind of ['classroom', 'lecture'] as const) {
      expect(amphiRole([LIS + 'membership#Instructor'], { roomKind })).toBe('moderator');
      expect(amphiRole(['Instructor'], { roomKind })).toBe('moderator');
      expect(amphiRole([LIS + 'membership#Administrator'], { roomKind })).toBe('moderator');
      expect(amphiRole([LIS + 'institution/person#Administrator', LIS + 'membership#Learner'], { roomKind })).toBe('moderator');
    }
  });

  it('makes a learner a participant in a classroom and a viewer in a lecture', () => {
    expect(amphiRole([LIS + 'membership#Learner'], { roomKind: 'classroom' })).toBe('participant');
    expect(amphiRole(['Learner'], { roomKind: 'lecture' })).toBe('viewer');
  });

  it('makes a teaching assistant what the setting says (presenter by default), even with the principal role Instructor', () => {
    const ta = [LIS + 'membership#Instructor', LIS + 'membership/Instructor#TeachingAssistant'];
    expect(amphiRole(ta, { roomKind: 'classroom' })).toBe('presenter');
    expect(amphiRole(ta, { roomKind: 'lecture', teachingAssistant: 'moderator' })).toBe('moderator');
    expect(amphiRole(['TeachingAssistant'], { roomKind: 'lecture', teachingAssistant: 'presenter' })).toBe('presenter');
  });

  it('gives unknown roles, institution-only roles and no role the least privilege: viewer', () => {
    for (const roomKind of ['classroom', 'lecture'] as const) {
      expect(amphiRole([LIS + 'membership#Mentor'], { roomKind })).toBe('viewer');
      expect(amphiRole([LIS + 'institution/person#Instructor'], { roomKind })).toBe('viewer');
      expect(amphiRole([], { roomKind })).toBe('viewer');
    }
  });
});
