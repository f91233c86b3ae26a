import { expect, test } from '@playwright/test';
import { createRoom, expectAccessible, joinAsGuest, signUpTeacher, startLiveRoom, uniqueEmail } from './support/helpers.js';

test('a guest who arrives first waits for the teacher, joins when they start, and sees the end', async ({ page, browser }) => {
  await signUpTeacher(page, 'Prof. Nguyen', uniqueEmail('nguyen'));
  await page.getByRole('link', { name: 'Create a room' }).click();
  const link = await createRoom(page, 'Physique 2', { lobby: false });

  const guestContext = await browser.newContext({ locale: 'en-US' });
  try {
    const guest = await guestContext.newPage();
    await guest.goto(link);
    await expect(guest.getByText('A moderator will let you in.')).toHaveCount(0);
    await guest.getByLabel('Your name').fill('Bob');
    await guest.getByRole('button', { name: 'Join' }).click();
    await expect(guest.getByRole('heading', { level: 1, name: 'Waiting for a moderator' })).toBeVisible();
    await expect(guest.getByText('The session has not started yet.')).toBeVisible();
    await expectAccessible(guest, 'waiting-for-a-moderator screen');

    // The teacher enters: as moderator, they start the session.
    await page.getByRole('link', { name: 'Enter the room' }).click();
    await page.getByRole('button', { name: 'Join' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Physique 2' })).toBeVisible();

    // With no lobby, the waiting guest is in as soon as the session starts.
    await expect(guest.getByRole('heading', { level: 1, name: 'Physique 2' })).toBeVisible();
    await expect(guest.getByRole('list', { name: /^People/ }).getByRole('listitem')).toHaveCount(2);
    await expect(page.getByRole('list', { name: /^People/ }).getByRole('listitem').filter({ hasText: 'Bob' })).toBeVisible();

    // Bob joined with his microphone on (a small room); muting and unmuting reach the teacher.
    const bobItem = page.getByRole('list', { name: /^People/ }).getByRole('listitem').filter({ hasText: 'Bob' });
    await expect(bobItem).toContainText('Microphone on');
    await guest.getByRole('button', { name: 'Mute', exact: true }).click();
    await expect(bobItem).toContainText('Microphone off');
    await guest.getByRole('button', { name: 'Unmute', exact: true }).click();
    await expect(bobItem).toContainText('Microphone on');

    // The teacher makes Bob a presenter; Bob sees his new role.
    await page.getByLabel('Role of Bob').selectOption('presenter');
    await page.getByRole('button', { name: 'Change role' }).click();
    await expect(guest.getByRole('list', { name: /^People/ }).getByRole('listitem').filter({ hasText: 'Bob' })).toContainText('Presenter');

    // Ending the session (after confirming) closes it for everyone.
    await page.getByRole('button', { name: 'End session for everyone' }).click();
    await page.getByRole('button', { name: 'Yes, end it' }).click();
    await expect(guest.getByRole('heading', { level: 1, name: 'The session has ended' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: 'The session has ended' })).toBeVisible();
    await expectAccessible(guest, 'session ended screen');
    await expect(guest.getByRole('button', { name: 'Join again' })).toBeVisible();
  } finally {
    await guestContext.close();
  }
});

test('a guest who reloads the page keeps their place, in the lobby and then in the room', async ({ page, browser }) => {
  const link = await startLiveRoom(page, 'Prof. Weber', 'Chimie 3', { lobby: true });

  const guestContext = await browser.newContext({ locale: 'en-US' });
  try {
    const guest = await guestContext.newPage();
    await joinAsGuest(guest, link, 'Carla');
    await expect(guest.getByRole('heading', { level: 1, name: 'You are in the lobby' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Waiting in the lobby (1)' })).toBeVisible();

    // Reloading does not queue Carla a second time: she is back in the lobby, once.
    await guest.reload();
    await expect(guest.getByRole('heading', { level: 1, name: 'You are in the lobby' })).toBeVisible();
    const lobby = page.getByRole('region', { name: 'Waiting in the lobby (1)' });
    await expect(lobby.getByRole('listitem')).toHaveCount(1);
    await lobby.getByRole('button', { name: 'Admit Carla' }).click();
    await expect(guest.getByRole('heading', { level: 1, name: 'Chimie 3' })).toBeVisible();

    // Reloading inside the room: still one Carla in everyone's list, and she can act.
    await guest.reload();
    await expect(guest.getByRole('heading', { level: 1, name: 'Chimie 3' })).toBeVisible();
    const teacherList = page.getByRole('list', { name: /^People/ });
    await expect(teacherList.getByRole('listitem')).toHaveCount(2);
    await guest.getByRole('button', { name: 'Raise hand' }).click();
    await expect(teacherList.getByRole('listitem').filter({ hasText: 'Carla' })).toContainText('Hand raised');
  } finally {
    await guestContext.close();
  }
});
