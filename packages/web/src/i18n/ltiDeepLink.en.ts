/** English texts of the page where an instructor adds Amphi to a course (LTI deep linking); merged into `translation` (see index.ts). */
export const ltiDeepLinkEn = {
  ltiDeepLink: {
    title: 'Add Amphi to your course',
    intro: 'Choose the room this new activity of your course leads to: a room already in this course, or a new one.',
    existing: 'Use an existing room',
    existingHint: 'Rooms already added to this course. Students of both activities meet in the same room.',
    newRoomChoice: 'Create a new room instead',
    create: 'Create a new room',
    roomTitle: 'Room title',
    titleRequired: 'Give the room a title.',
    kind: 'Kind of room',
    addExisting: 'Add this room to the course',
    addNew: 'Create the room and add it to the course',
    returning: 'Returning to your course…',
  },
};

export type LtiDeepLinkTranslation = typeof ltiDeepLinkEn;
