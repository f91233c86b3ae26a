/** English texts of the web app launched from an LMS (LTI); merged into `translation` (see index.ts). */
export const ltiAppEn = {
  ltiApp: {
    bar: 'Amphi in your course',
    checking: 'Connecting to your course…',
    storageFailedTitle: 'The launch could not be confirmed',
    storageFailed: 'Amphi could not confirm the launch with your course. Go back to your course and open the activity again.',
    missingTitle: 'Open the activity from your course',
    missing: 'This page needs a launch from your course, and none was found here (it may have expired). Go back to your course and open the activity again.',
    errorTitle: 'The activity could not be opened',
    openAgain: 'Go back to your course and open the activity again.',
    openInNewWindow: 'Open in a new window',
  },
};

export type LtiAppTranslation = typeof ltiAppEn;
