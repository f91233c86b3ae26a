import { expect, test } from '@playwright/test';
import { createRoom, enterAsModerator, signUpTeacher, uniqueEmail } from './support/helpers.js';

test('the dashboard shows a room going live after its 15-second refresh, without a reload', async ({ page, context, browser }) => {
  // Fake time for the dashboard's context only; the room is entered from another context.
  await page.clock.install();
  await signUpTeacher(page, 'Prof. Rossi', uniqueEmail('rossi'));
  await page.getByRole('link', { name: 'Create a room' }).click();
  await createRoom(page, 'Geometria 5', { lobby: false });
  const editorUrl = page.url();

  await page.goto('/');
  const row = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Geometria 5' }) });
  await expect(row).toContainText('Not live');
  // Time stands still from here, so only the fake 15 s below can trigger the refresh.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);

  // The same teacher, signed in, enters the room from a second browser context.
  const otherContext = await browser.newContext({ locale: 'en-US', storageState: await context.storageState() });
  try {
    const other = await otherContext.newPage();
    await other.goto(editorUrl);
    await enterAsModerator(other, 'Geometria 5');
    // The pre-join page has the same heading: the People list shows the session is joined.
    await expect(other.getByRole('list', { name: /^People/ }).getByRole('listitem')).toHaveCount(1);
    await expect(row).toContainText('Not live');

    await page.clock.runFor(15_000);
    await expect(row).toContainText('Live now: 1');
  } finally {
    await otherContext.close();
  }
});
