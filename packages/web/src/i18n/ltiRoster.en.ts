import type { LtiGrade, LtiTeachingAssistant } from '@amphi/protocol';

/** English texts of the course roster and the LTI room settings; merged into `translation` (see index.ts). */
export const ltiRosterEn = {
  ltiRoster: {
    title: 'Course roster',
    intro: 'Members of the course in your learning platform, and who has joined the live session (the current one, or the last one).',
    refresh: 'Refresh',
    loading: 'Loading the roster…',
    unavailable: 'The course roster is not available: your learning platform does not share it with Amphi, or did not answer. Try again later.',
    empty: 'The course has no members.',
    summary: '{{notJoined}} of {{total}} not joined yet',
    allJoined: 'Everyone in the course has joined.',
    fetchedAt: 'Read from the learning platform at {{time}}.',
    caption: 'Course members and whether they joined',
    name: 'Name',
    role: 'Role in Amphi',
    presence: 'Live session',
    joined: 'Joined',
    notJoined: 'Not joined yet',
    inactive: 'inactive in the course',
  },
  ltiSettings: {
    title: 'Learning platform (LTI)',
    grade: {
      label: 'Grade sent to the course gradebook after each live session',
      options: {
        off: 'No grade',
        attendance: 'Attendance: 1 if the student joined, 0 if not',
        participation: 'Participation: share of the session the student was present, out of 100',
      } satisfies Record<LtiGrade, string>,
    },
    teachingAssistant: {
      label: 'Teaching assistants from the course join as',
      options: { moderator: 'Moderators', presenter: 'Presenters' } satisfies Record<LtiTeachingAssistant, string>,
    },
    save: 'Save',
    saved: 'Saved.',
  },
};

export type LtiRosterTranslation = typeof ltiRosterEn;
