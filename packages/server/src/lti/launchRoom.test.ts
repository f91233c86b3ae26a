import { describe, expect, it } from 'vitest';
import { chooseRoom, displayNameFor, mayCreateRoom, roomKindFor, roomTitleFor, type RoomFacts } from './launchRoom.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
const INSTRUCTOR = [LIS + 'membership#Instructor'];
const LEARNER = [LIS + 'membership#Learner'];
const TA = [LIS + 'membership#Instructor', LIS + 'membership/Instructor#TeachingAssistant'];
const ADMIN = [LIS + 'institution/person#Administrator'];

const classroom: RoomFacts = { id: 'c', kind: 'classroom', settings: { ltiTeachingAssistant: 'presenter' } };
const lecture: RoomFacts = { id: 'l', kind: 'lecture', settings: { ltiTeachingAssistant: 'moderator' } };

describe('chooseRoom', () => {
  it('leads into the linked room with the role its kind and settings give', () => {
    expect(chooseRoom({ linkedRoom: classroom, placedRoom: null, ltiRoles: LEARNER })).toEqual({ kind: 'join', room: classroom, role: 'participant', link: false });
    expect(chooseRoom({ linkedRoom: lecture, placedRoom: null, ltiRoles: LEARNER })).toMatchObject({ role: 'viewer' });
    expect(chooseRoom({ linkedRoom: classroom, placedRoom: null, ltiRoles: TA })).toMatchObject({ role: 'presenter' });
    expect(chooseRoom({ linkedRoom: lecture, placedRoom: null, ltiRoles: TA })).toMatchObject({ role: 'moderator' });
    expect(chooseRoom({ linkedRoom: classroom, placedRoom: null, ltiRoles: ['urn:x:Mentor'] })).toMatchObject({ role: 'viewer' });
  });

  it('prefers the linked room over a placement, and links a placed room on its first launch, whoever launches', () => {
    expect(chooseRoom({ linkedRoom: classroom, placedRoom: lecture, ltiRoles: INSTRUCTOR })).toMatchObject({ room: classroom, link: false });
    expect(chooseRoom({ linkedRoom: null, placedRoom: lecture, ltiRoles: LEARNER })).toEqual({ kind: 'join', room: lecture, role: 'viewer', link: true });
  });

  it('makes a room for an instructor or administrator, and shows "not opened yet" to everyone else', () => {
    expect(chooseRoom({ linkedRoom: null, placedRoom: null, ltiRoles: INSTRUCTOR })).toEqual({ kind: 'create' });
    expect(chooseRoom({ linkedRoom: null, placedRoom: null, ltiRoles: ADMIN })).toEqual({ kind: 'create' });
    for (const roles of [LEARNER, TA, [], ['urn:x:Mentor']]) expect(chooseRoom({ linkedRoom: null, placedRoom: null, ltiRoles: roles })).toEqual({ kind: 'notOpened' });
  });
});

describe('launch details', () => {
  it('lets only instructors (not teaching assistants) and administrators make rooms', () => {
    expect(mayCreateRoom(INSTRUCTOR)).toBe(true);
    expect(mayCreateRoom(['Instructor'])).toBe(true);
    expect(mayCreateRoom(ADMIN)).toBe(true);
    expect(mayCreateRoom(TA)).toBe(false);
    expect(mayCreateRoom(LEARNER)).toBe(false);
  });

  it('makes a lecture only when the activity asks for one', () => {
    expect(roomKindFor({ amphi_kind: ' Lecture ' })).toBe('lecture');
    expect(roomKindFor({ amphi_kind: 'webinar' })).toBe('classroom');
    expect(roomKindFor(undefined)).toBe('classroom');
  });

  it('titles a room after the activity, else the course, within 120 characters', () => {
    expect(roomTitleFor('Week 3 lecture', 'Algebra')).toBe('Week 3 lecture');
    expect(roomTitleFor('  ', 'Algebra')).toBe('Algebra');
    expect(roomTitleFor(undefined, undefined)).toBe('Amphi');
    expect(roomTitleFor('x'.repeat(300), undefined)).toHaveLength(120);
  });

  it('names a person as the platform does, else by email, else neutrally', () => {
    expect(displayNameFor(' Ada Lovelace ', 'ada@uni.example', '42')).toBe('Ada Lovelace');
    expect(displayNameFor(undefined, 'ada@uni.example', '42')).toBe('ada@uni.example');
    expect(displayNameFor(undefined, undefined, 'user-123456789')).toBe('LMS 456789');
  });
});
