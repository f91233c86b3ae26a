import path from 'node:path';
import { expect, test, type APIRequestContext, type Browser, type Frame, type FrameLocator, type LaunchOptions, type Page } from '@playwright/test';
import { startLtiPlatform, type LtiPlatform } from '../../packages/server/test/ltiPlatform.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, CHROMIUM_ARGS } from './constants.js';

/**
 * What the LTI specs share: Chromium with third-party cookies blocked, the Moodle-like test
 * platform registered in Amphi, and someone's browser on one of its course pages.
 */

/** Chromium as in the other specs, with third-party cookies blocked as browsers do or will by default: the LMS's frame must run without them. */
export const thirdPartyCookiesBlocked: LaunchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${path.join(process.env.AMPHI_E2E_TMP ?? '', 'tone.wav')}`, '--test-third-party-cookie-phaseout'],
};

/**
 * Starts the Moodle-like platform. It serves its pages on `localhost` while Amphi is on
 * 127.0.0.1: two different sites, so Amphi's iframe in the course page is third-party, as in a
 * real LMS. Close it in `afterAll`.
 */
export function startCoursePlatform(clientId: string): Promise<LtiPlatform> {
  return startLtiPlatform({
    tool: { clientId, deploymentIds: ['1'], redirectUris: [`${BASE_URL}/lti/launch`], jwksUrl: `${BASE_URL}/lti/jwks` },
    browserHost: 'localhost',
  });
}

/** The administrator registers the test platform in Amphi, as they would from the admin page. */
export async function registerPlatform(request: APIRequestContext, lms: LtiPlatform): Promise<void> {
  const signIn = await request.post('/api/auth/signin', { data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(signIn.status()).toBe(200);
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const res = await request.post('/api/admin/lti/platforms', { data: lms.registration(), headers: { 'x-csrf-token': csrfToken } });
  expect(res.status(), await res.text()).toBe(201);
}

/**
 * A Moodle-like platform for this spec file, started and registered in Amphi before its tests
 * and closed after them: call at the top level of the spec, and `platform()` in the tests.
 */
export function courseOnPlatform(clientId: string): () => LtiPlatform {
  let platform: LtiPlatform | undefined;
  test.beforeAll(async ({ playwright }) => {
    platform = await startCoursePlatform(clientId);
    const request = await playwright.request.newContext({ baseURL: BASE_URL });
    try {
      await registerPlatform(request, platform);
    } finally {
      await request.dispose();
    }
  });
  test.afterAll(async () => platform?.close());
  return () => {
    if (!platform) throw new Error('the platform is not started yet');
    return platform;
  };
}

/** Someone's browser on a course page: the page, Amphi's frame (to find things in) and the frame itself (to run script in). */
export interface CoursePage {
  readonly page: Page;
  readonly amphi: FrameLocator;
  readonly frame: () => Frame;
  readonly close: () => Promise<void>;
}

/** Opens a course page (from `platform.prepareBrowserLaunch`) in a new browser context, and waits for the course's heading. */
export async function openCoursePage(browser: Browser, courseUrl: string, courseTitle: string): Promise<CoursePage> {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(courseUrl);
  await expect(page.getByRole('heading', { level: 1, name: courseTitle })).toBeVisible();
  const frame = () => {
    const found = page.frame({ name: 'amphi-frame' });
    if (!found) throw new Error('The course page has no Amphi frame.');
    return found;
  };
  return { page, amphi: page.frameLocator('iframe[title="Amphi"]'), frame, close: () => context.close() };
}
