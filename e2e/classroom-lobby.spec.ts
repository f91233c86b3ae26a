import { expect, test } from '@playwright/test';
import { BASE_URL } from './support/constants.js';
import { createRoom, expectAccessible, uniqueEmail } from './support/helpers.js';

test('a guest knocks, is admitted by the teacher, then removed with a reason they can read', async ({ page, context, browser }) => {
  // Nine axe-core audits in two browser contexts take 15-30 s on a shared 2-core machine.
  test.setTimeout(120_000);
  // The teacher signs up in the browser.
  await page.goto('/signup');
  await expect(page.getByRole('heading', { level: 1, name: 'Create your teacher account' })).toBeVisible();
  await expectAccessible(page, 'sign-up page');
  await page.getByLabel('Your name').fill('Prof. Martin');
  await page.getByLabel('Email').fill(uniqueEmail('teacher'));
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'My rooms' })).toBeVisible();
  await expect(page.getByText('You have no rooms yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expectAccessible(page, 'dashboard');

  // They create a classroom with the lobby on, and land in its editor.
  await page.getByRole('link', { name: 'Create a room' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create a room' })).toBeVisible();
  await expectAccessible(page, 'room creation page');
  const shownLink = await createRoom(page, 'Algebra 101', { lobby: true });
  await expect(page.getByRole('checkbox', { name: /^Lobby/ })).toBeChecked();
  await expectAccessible(page, 'room editor');

  // The Copy button puts the same link on the clipboard as the one shown in the field.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  const participantLinks = page.getByRole('region', { name: 'Participant link' });
  await participantLinks.getByRole('button', { name: 'Copy' }).click();
  await expect(participantLinks.getByText('Copied to the clipboard.')).toBeVisible();
  const copied = await page.evaluate<string>('navigator.clipboard.readText()');
  expect(copied).toBe(shownLink);
  expect(copied.startsWith(`${BASE_URL}/j/`)).toBe(true);

  // The teacher enters the room: as its only moderator, they start the live session.
  await page.getByRole('link', { name: 'Enter the room' }).click();
  await expect(page.getByText('You will join as: Moderator')).toBeVisible();
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Algebra 101' })).toBeVisible();
  const teacherPeople = page.getByRole('list', { name: /^People/ });
  await expect(teacherPeople.getByRole('listitem')).toHaveCount(1);
  await expect(page.getByRole('region', { name: 'Waiting in the lobby (0)' })).toContainText('Nobody is waiting.');

  // A guest opens the link in another browser context and gives a display name.
  const guestContext = await browser.newContext({ locale: 'en-US' });
  try {
    const guest = await guestContext.newPage();
    await guest.goto(copied);
    await expect(guest.getByRole('heading', { level: 1, name: 'Algebra 101' })).toBeVisible();
    await expect(guest.getByText('You will join as: Guest')).toBeVisible();
    await expect(guest.getByText('A moderator will let you in.')).toBeVisible();
    // The device check: the fake camera plays in the preview, both devices start on (a small room).
    const devices = guest.getByRole('region', { name: 'Camera and microphone' });
    await expect(devices.getByRole('button', { name: 'Microphone', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(devices.getByRole('button', { name: 'Camera', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(devices.getByRole('meter', { name: 'Microphone level' })).toBeVisible();
    await expect(devices.getByLabel('Camera device')).toBeVisible();
    await expect.poll(() => devices.locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await expectAccessible(guest, 'pre-join page');

    // Keyboard only: from the name field, Tab goes through the device controls (Space turns the
    // camera off), reaches Join, and Enter joins.
    await guest.getByLabel('Your name').fill('Alice');
    await guest.keyboard.press('Tab');
    await expect(devices.getByRole('button', { name: 'Microphone', exact: true })).toBeFocused();
    await guest.keyboard.press('Tab');
    await expect(devices.getByRole('button', { name: 'Camera', exact: true })).toBeFocused();
    await guest.keyboard.press('Space');
    await expect(devices.getByRole('button', { name: 'Camera', exact: true })).toHaveAttribute('aria-pressed', 'false');
    const join = guest.getByRole('button', { name: 'Join' });
    for (let i = 0; i < 6 && !(await join.evaluate((b) => b === document.activeElement)); i++) await guest.keyboard.press('Tab');
    await expect(join).toBeFocused();
    await guest.keyboard.press('Enter');

    // The guest waits in the lobby.
    await expect(guest.getByRole('heading', { level: 1, name: 'You are in the lobby' })).toBeVisible();
    await expect(guest.getByRole('status').filter({ hasText: 'A moderator will let you in.' })).toBeVisible();
    await expectAccessible(guest, 'lobby screen');

    // The teacher sees the knock (and it is announced) and admits the guest.
    const lobby = page.getByRole('region', { name: 'Waiting in the lobby (1)' });
    await expect(lobby.getByRole('listitem')).toHaveText(/Alice/);
    await expect(page.getByText('Alice is waiting in the lobby.')).toBeAttached();
    // Keyboard only: Tab from the lobby's heading reaches Admit, and Enter admits. With the
    // lobby now empty, focus goes back to its heading instead of falling to the page body.
    const lobbyHeading = page.getByRole('heading', { name: /^Waiting in the lobby/ });
    await lobbyHeading.focus();
    await page.keyboard.press('Tab');
    await expect(lobby.getByRole('button', { name: 'Admit Alice' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(lobbyHeading).toHaveText('Waiting in the lobby (0)');
    await expect(lobbyHeading).toBeFocused();

    // Both see each other in the participant list.
    await expect(guest.getByRole('heading', { level: 1, name: 'Algebra 101' })).toBeVisible();
    const guestPeople = guest.getByRole('list', { name: /^People/ });
    await expect(guestPeople.getByRole('listitem')).toHaveCount(2);
    await expect(guestPeople.getByRole('listitem').filter({ hasText: 'Prof. Martin' })).toContainText('Moderator');
    await expect(guestPeople.getByRole('listitem').filter({ hasText: 'Alice' })).toContainText('(you)');
    await expect(teacherPeople.getByRole('listitem')).toHaveCount(2);
    await expect(teacherPeople.getByRole('listitem').filter({ hasText: 'Alice' })).toContainText('Guest');
    await expect(page.getByRole('region', { name: 'Waiting in the lobby (0)' })).toBeVisible();
    await expectAccessible(page, 'room page (moderator)');
    await expectAccessible(guest, 'room page (guest)');

    // The guest raises a hand; the teacher sees it.
    await guest.getByRole('button', { name: 'Raise hand' }).click();
    await expect(guest.getByRole('button', { name: 'Lower hand' })).toBeVisible();
    await expect(teacherPeople.getByRole('listitem').filter({ hasText: 'Alice' })).toContainText('Hand raised');

    // The teacher removes the guest with a reason.
    await page.getByRole('button', { name: 'Remove Alice…' }).click();
    await page.getByLabel('Reason shown to Alice (optional)').fill('This is the Tuesday group');
    await page.getByRole('button', { name: 'Remove Alice', exact: true }).click();

    // The guest sees that they were removed, and why.
    await expect(guest.getByRole('heading', { level: 1, name: 'You were removed from the room' })).toBeVisible();
    await expect(guest.getByText('Reason given by the moderator: This is the Tuesday group')).toBeVisible();
    await expect(guest.getByRole('button', { name: 'Join again' })).toHaveCount(0);
    await expectAccessible(guest, 'removed screen');
    await expect(teacherPeople.getByRole('listitem')).toHaveCount(1);
    await expect(page.getByRole('heading', { name: 'People (1)' })).toBeFocused();
  } finally {
    await guestContext.close();
  }
});
