import { expect, test } from '@playwright/test';
import { z } from 'zod';
import { LTI_ROLES, type BrowserLaunchOptions, type LtiUser } from '../packages/server/test/ltiPlatform.js';
import { BASE_URL } from './support/constants.js';
import { expectAccessible } from './support/helpers.js';
import { openCoursePage, courseOnPlatform, thirdPartyCookiesBlocked } from './support/lti.js';

/**
 * LTI Advantage from the course page of a Moodle-like platform, in browsers that block
 * third-party cookies: deep linking (an instructor adds a room to the course), the course
 * roster (NRPS) with who joined, and the attendance grades (AGS) sent when the session ends.
 */
test.use({ launchOptions: thirdPartyCookiesBlocked });

const platform = courseOnPlatform('amphi-e2e-services');

/** The course page of a launch: `user` opens it as `role` (an activity, or "add an activity" for deep linking). */
function launch(options: Omit<BrowserLaunchOptions, 'toolLoginUrl'>): string {
  return platform().prepareBrowserLaunch({ toolLoginUrl: `${BASE_URL}/lti/login`, ...options });
}

/** The activity a deep linking response places in the course (what the platform keeps of it). */
const PlacedActivity = z.object({ type: z.literal('ltiResourceLink'), title: z.string(), url: z.string(), custom: z.object({ amphi_room: z.string().min(1) }) });

test('an instructor adds a new lecture to the course from the course page, and a learner who opens that activity lands in it as a viewer', async ({ browser }) => {
  const course = { id: 'course-astro-201', label: 'ASTRO201', title: 'Astronomy 201' };
  const title = 'Stars and galaxies';
  const prof: LtiUser = { id: 'prof-hopper', name: 'Prof. Hopper' };

  const teacher = await openCoursePage(browser, launch({ context: course, user: prof, role: 'instructor', messageType: 'LtiDeepLinkingRequest' }), course.title);
  try {
    await expect(teacher.amphi.getByRole('heading', { level: 1, name: 'Add Amphi to your course' })).toBeVisible();
    // No room in this course yet: only the new room's form, titled after the course to start with.
    await expect(teacher.amphi.getByRole('group', { name: 'Use an existing room' })).toHaveCount(0);
    const titleField = teacher.amphi.getByRole('textbox', { name: 'Room title' });
    await expect(titleField).toHaveValue(course.title);
    await titleField.fill(title);
    await teacher.amphi.getByRole('radio', { name: 'Lecture', exact: true }).check();
    await expectAccessible(teacher.page, 'deep linking picker in the course frame');

    await teacher.amphi.getByRole('button', { name: 'Create the room and add it to the course' }).click();
    // The frame posts the signed answer to the platform, whose page replaces Amphi's in the frame.
    await expect(teacher.amphi.getByRole('heading', { level: 1, name: `Activity added: ${title}` })).toBeVisible();
    expect(teacher.frame().url()).toBe(platform().deepLinkReturnUrl);
  } finally {
    await teacher.close();
  }

  expect(platform().deepLinkErrors).toEqual([]);
  expect(platform().deepLinks).toHaveLength(1);
  const returned = platform().deepLinks[0]!;
  expect(returned.data).toMatch(/^dl-/);
  expect(returned.contentItems).toHaveLength(1);
  const activity = PlacedActivity.parse(returned.contentItems[0]);
  expect(activity).toMatchObject({ title, url: `${BASE_URL}/lti/launch` });

  // The platform makes the activity with the item's custom parameter; a learner opens it first.
  const learner = await openCoursePage(
    browser,
    launch({ context: course, user: { id: 'student-noor', name: 'Noor Haddad' }, role: 'learner', resourceLink: { id: 'activity-stars', title: activity.title }, custom: activity.custom }),
    course.title,
  );
  try {
    await expect(learner.amphi.getByRole('heading', { level: 1, name: title })).toBeVisible();
    const joinAs = learner.amphi.getByText('You will join as: Viewer');
    await expect(joinAs).toBeVisible();
    await expect(joinAs).toContainText('Lecture');
    // A viewer sends nothing: no device check before joining.
    await expect(learner.amphi.getByRole('region', { name: 'Camera and microphone' })).toHaveCount(0);
    await learner.amphi.getByRole('button', { name: 'Join' }).click();
    await expect(learner.amphi.getByRole('heading', { level: 1, name: 'Waiting for a moderator' })).toBeVisible();
  } finally {
    await learner.close();
  }
});

test('the instructor sees in the course roster who joined, turns attendance grades on, and the course gets a grade for each learner when the session ends', async ({ browser }) => {
  test.setTimeout(120_000);
  const course = { id: 'course-chem-110', label: 'CHEM110', title: 'Chemistry 110' };
  const activity = { id: 'link-chem-live', title: 'Reactions, live' };
  const prof: LtiUser = { id: 'prof-lavoisier', name: 'Prof. Lavoisier' };
  const ana: LtiUser = { id: 'student-ana', name: 'Ana Souza' };
  const ben: LtiUser = { id: 'student-ben', name: 'Ben Martin' };
  for (const learner of [ana, ben]) platform().enrol(course, { userId: learner.id, name: learner.name, roles: LTI_ROLES.learner });

  const teacher = await openCoursePage(browser, launch({ context: course, user: prof, role: 'instructor', resourceLink: activity }), course.title);
  try {
    await expect(teacher.amphi.getByText('You will join as: Moderator')).toBeVisible();

    // The course tools are folded below the pre-join page; the instructor unfolds the roster.
    const roster = teacher.amphi.getByRole('region', { name: 'Course roster' });
    await expect(roster).toBeHidden();
    await teacher.amphi.locator('summary', { hasText: 'Course roster' }).click();
    await expect(roster).toBeVisible();
    // Everyone the platform lists, the instructor included (launching enrolled them); nobody in the room yet.
    await expect(roster.getByRole('status')).toHaveText('3 of 3 not joined yet');
    const row = (name: string) => roster.getByRole('row').filter({ hasText: name });
    await expect(row('Ana Souza').getByRole('cell')).toHaveText(['Participant', 'Not joined yet']);
    await expect(row('Ben Martin').getByRole('cell')).toHaveText(['Participant', 'Not joined yet']);
    await expect(row('Prof. Lavoisier').getByRole('cell')).toHaveText(['Moderator', 'Not joined yet']);

    await teacher.amphi.getByRole('button', { name: 'Join' }).click();
    const teacherPeople = teacher.amphi.getByRole('list', { name: /^People/ });
    await expect(teacherPeople).toContainText('Prof. Lavoisier');

    // Ana opens the activity from the course page and joins; Ben does not come.
    const student = await openCoursePage(browser, launch({ context: course, user: ana, role: 'learner', resourceLink: activity }), course.title);
    try {
      await expect(student.amphi.getByText('You will join as: Participant')).toBeVisible();
      await student.amphi.getByRole('button', { name: 'Join' }).click();
      await expect(student.amphi.getByRole('list', { name: /^People/ })).toContainText('Prof. Lavoisier');
      await expect(teacherPeople).toContainText('Ana Souza');

      // The roster is read when asked: Refresh shows who is in the session now. (Ana's arrival is
      // recorded as the server lets her in; if a press comes before that, pressing again shows it.)
      await expect(roster).toBeVisible();
      await expect(async () => {
        await roster.getByRole('button', { name: 'Refresh' }).click();
        await expect(row('Ana Souza').getByRole('cell')).toHaveText(['Participant', 'Joined']);
      }).toPass();
      await expect(row('Ben Martin').getByRole('cell')).toHaveText(['Participant', 'Not joined yet']);
      await expect(row('Prof. Lavoisier').getByRole('cell')).toHaveText(['Moderator', 'Joined']);
      await expect(roster.getByRole('status')).toHaveText('1 of 3 not joined yet');
      await expectAccessible(teacher.page, 'course roster unfolded in the room');

      // Attendance grades for this room, then the end of the session for everyone.
      const settings = teacher.amphi.getByRole('region', { name: 'Learning platform (LTI)' });
      await settings.getByLabel('Grade sent to the course gradebook after each live session').selectOption({ label: 'Attendance: 1 if the student joined, 0 if not' });
      await settings.getByRole('button', { name: 'Save' }).click();
      await expect(settings.getByRole('status')).toHaveText('Saved.');

      await teacher.amphi.getByRole('button', { name: 'End session for everyone' }).click();
      await teacher.amphi.getByRole('button', { name: 'Yes, end it' }).click();
      await expect(teacher.amphi.getByRole('heading', { level: 1, name: 'The session has ended' })).toBeVisible();
      await expect(student.amphi.getByRole('heading', { level: 1, name: 'The session has ended' })).toBeVisible();
    } finally {
      await student.close();
    }
  } finally {
    await teacher.close();
  }

  // The gradebook gets one score per learner of the course: 1 for Ana, who came, 0 for Ben; none for the instructor.
  const courseScores = () => platform().scores.filter((s) => s.contextId === course.id);
  await expect.poll(() => courseScores().length).toBe(2);
  const byUser = new Map(courseScores().map((s) => [s.score.userId, s.score]));
  expect(byUser.get(ana.id)).toMatchObject({ scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
  expect(byUser.get(ben.id)).toMatchObject({ scoreGiven: 0, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
  expect(byUser.has(prof.id)).toBe(false);
  const lineItems = platform().services.lineItems.get(course.id) ?? [];
  expect(lineItems).toHaveLength(1);
  expect(lineItems[0]).toMatchObject({ label: `${activity.title} — attendance`, scoreMaximum: 1, resourceLinkId: activity.id });
});
