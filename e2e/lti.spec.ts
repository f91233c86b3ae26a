import { expect, test, type Browser } from '@playwright/test';
import type { BrowserLaunchOptions } from '../packages/server/test/ltiPlatform.js';
import { BASE_URL } from './support/constants.js';
import { expectAccessible } from './support/helpers.js';
import { openCoursePage as openCourse, courseOnPlatform, thirdPartyCookiesBlocked, type CoursePage } from './support/lti.js';

// Third-party cookies blocked, as browsers do or will by default: the LMS's frame must run without them.
test.use({ launchOptions: thirdPartyCookiesBlocked });

/**
 * The Moodle-like platform serves its pages on `localhost` while Amphi is on 127.0.0.1: two
 * different sites, so Amphi's iframe in the course page is third-party, as in a real LMS.
 */
const platform = courseOnPlatform('amphi-e2e');

const COURSE = { id: 'course-phys-101', label: 'PHYS101', title: 'Physics 101' };

function launch(options: Omit<BrowserLaunchOptions, 'toolLoginUrl' | 'context'>): string {
  return platform().prepareBrowserLaunch({ toolLoginUrl: `${BASE_URL}/lti/login`, context: COURSE, ...options });
}

/** Someone's browser on a course page: the page, Amphi's frame (to find things in) and the frame itself (to run script in). */
function openCoursePage(browser: Browser, courseUrl: string): Promise<CoursePage> {
  return openCourse(browser, courseUrl, COURSE.title);
}

test('a learner who opens an activity before the instructor is told it is not open yet', async ({ browser }) => {
  const learner = await openCoursePage(browser, launch({ user: { id: 'student-early', name: 'Early Bird' }, role: 'learner', resourceLink: { id: 'link-not-yet', title: 'Tuesday seminar' } }));
  try {
    await expect(learner.amphi.getByRole('heading', { level: 1, name: 'This activity is not open yet' })).toBeVisible();
    await expect(learner.amphi.getByText('Tuesday seminar')).toBeVisible();
  } finally {
    await learner.close();
  }
});

test('a launch the platform storage does not confirm is refused, with what to do', async ({ browser }) => {
  // The instructor's launch makes the room, so the learner's launch leads to it; their platform lost the state.
  const teacher = await openCoursePage(browser, launch({ user: { id: 'teacher-2', name: 'Prof. Storage' }, role: 'instructor', resourceLink: { id: 'link-lost', title: 'Lost state' } }));
  await expect(teacher.amphi.getByText('You will join as: Moderator')).toBeVisible();
  await teacher.close();
  const learner = await openCoursePage(browser, launch({ user: { id: 'student-lost', name: 'Sam Lost' }, role: 'learner', resourceLink: { id: 'link-lost', title: 'Lost state' }, storage: 'forgetful' }));
  try {
    await expect(learner.amphi.getByRole('heading', { level: 1, name: 'The launch could not be confirmed' })).toBeVisible();
    await expect(learner.amphi.getByText('Go back to your course and open the activity again.')).toBeVisible();
    await expect(learner.amphi.getByRole('button', { name: 'Join' })).toHaveCount(0);
  } finally {
    await learner.close();
  }
});

test('the instructor opens the activity in the course, then a learner launched from the course page joins them in the live room', async ({ browser }) => {
  test.setTimeout(120_000);
  const activity = { id: 'link-live', title: 'Waves, live' };

  // The instructor's first launch makes the room; entering it starts the live session.
  const teacher = await openCoursePage(browser, launch({ user: { id: 'teacher-1', name: 'Prof. Moodle' }, role: 'instructor', resourceLink: activity }));
  try {
    await expect(teacher.amphi.getByRole('heading', { level: 1, name: activity.title })).toBeVisible();
    await expect(teacher.amphi.getByText('You will join as: Moderator')).toBeVisible();
    // Compact: no sign-in link or menu in the frame, and the launch is no longer in the frame's address.
    await expect(teacher.amphi.getByRole('link', { name: 'Sign in' })).toHaveCount(0);
    expect(new URL(teacher.frame().url()).pathname).toBe('/lti/app');
    await expect(teacher.amphi.getByRole('button', { name: 'Open in a new window' })).toBeVisible();

    // The frame is third-party: the browser keeps no cookie for Amphi there (the app runs on its app token).
    const cookie = await teacher.frame().evaluate(() => {
      document.cookie = 'amphi_probe=1; SameSite=None; Secure; Path=/';
      return document.cookie;
    });
    expect(cookie).toBe('');

    await teacher.amphi.getByRole('button', { name: 'Join' }).click();
    const teacherPeople = teacher.amphi.getByRole('list', { name: /^People/ });
    await expect(teacherPeople).toBeVisible();
    await expect(teacherPeople).toContainText('Prof. Moodle');

    // A learner opens the same activity from the course page, in their own browser.
    const student = await openCoursePage(browser, launch({ user: { id: 'student-1', name: 'Camille Dupont' }, role: 'learner', resourceLink: activity }));
    try {
      await expect(student.amphi.getByRole('heading', { level: 1, name: activity.title })).toBeVisible();
      await expect(student.amphi.getByText('You will join as: Participant')).toBeVisible();
      await expect(student.amphi.getByRole('button', { name: 'Open in a new window' })).toBeVisible();
      await expectAccessible(student.page, 'pre-join page in the course frame');
      await student.amphi.getByRole('button', { name: 'Join' }).click();
      const studentPeople = student.amphi.getByRole('list', { name: /^People/ });
      await expect(studentPeople).toContainText('Camille Dupont');
      await expect(studentPeople).toContainText('Prof. Moodle');
      // The teacher sees the learner by the name the LMS gave.
      await expect(teacherPeople).toContainText('Camille Dupont');

      // A reload inside the frame (GET /lti/app) takes the same place back: the browser denies
      // storage to a third-party frame, so the launch and the place are kept in the frame's history entry.
      await student.frame().evaluate(() => {
        Object.assign(window, { beforeReload: true });
        window.location.reload();
      });
      await expect.poll(() => student.frame().evaluate(() => 'beforeReload' in window).catch(() => true)).toBe(false);
      await expect(studentPeople).toContainText('Camille Dupont');
      await expect(teacherPeople.getByRole('listitem').filter({ hasText: 'Camille Dupont' })).toHaveCount(1);

      // "Open in a new window": the room in a top-level window, on the token handed over in the fragment.
      const popup = student.page.context().waitForEvent('page');
      await student.amphi.getByRole('button', { name: 'Open in a new window' }).click();
      const window2 = await popup;
      await expect(window2.getByRole('heading', { level: 1, name: activity.title })).toBeVisible();
      expect(new URL(window2.url()).pathname).toBe('/lti/app');
      expect(new URL(window2.url()).hash).toBe('');
      await expect(window2.getByRole('button', { name: 'Open in a new window' })).toHaveCount(0);
      await window2.getByRole('button', { name: 'Join' }).click();
      await expect(window2.getByRole('list', { name: /^People/ })).toContainText('Prof. Moodle');
      await expect(student.amphi.getByRole('heading', { level: 1, name: 'You left the room' })).toBeVisible();
    } finally {
      await student.close();
    }

    // A platform that offers the LTI client-side storage: the login puts the state there, and the
    // app reads it back before running on its token (no cookie binds the launch to this browser).
    const stored = await openCoursePage(browser, launch({ user: { id: 'student-2', name: 'Lina Martin' }, role: 'learner', resourceLink: activity, storage: true }));
    try {
      await expect(stored.amphi.getByText('You will join as: Participant')).toBeVisible();
      const log = await stored.page.evaluate(() => (window as unknown as { ltiStorageLog: { subject: string; key: string; origin: string }[] }).ltiStorageLog);
      expect(log.map((m) => m.subject)).toEqual(['lti.put_data', 'lti.get_data']);
      expect(log.every((m) => m.origin === BASE_URL && m.key === log[0]!.key)).toBe(true);
      await stored.amphi.getByRole('button', { name: 'Join' }).click();
      await expect(stored.amphi.getByRole('list', { name: /^People/ })).toContainText('Lina Martin');
      await expect(teacherPeople).toContainText('Lina Martin');
    } finally {
      await stored.close();
    }
  } finally {
    await teacher.close();
  }
});

test('the app opened without a launch asks, in the browser’s language, to open the activity from the course', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  try {
    const page = await context.newPage();
    await page.goto('/lti/app');
    await expect(page.getByRole('heading', { level: 1, name: 'Ouvrez l’activité depuis votre cours' })).toBeVisible();
    await expect(page.getByText('Revenez à votre cours et rouvrez l’activité.')).toBeVisible();
    // Not framed: no "open in a new window"; no sign-in menu either.
    await expect(page.getByRole('link', { name: 'Se connecter' })).toHaveCount(0);
    await expectAccessible(page, 'LTI page without a launch');
  } finally {
    await context.close();
  }
});
