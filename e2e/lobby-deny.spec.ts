import { expect, test } from '@playwright/test';
import { expectAccessible, joinAsGuest, startLiveRoom } from './support/helpers.js';

test('a guest denied at the lobby reads the reason the moderator gave', async ({ page, browser }) => {
  const link = await startLiveRoom(page, 'Prof. Haddad', 'Biologie 4', { lobby: true });

  const guestContext = await browser.newContext({ locale: 'en-US' });
  try {
    const guest = await guestContext.newPage();
    await joinAsGuest(guest, link, 'Dana');
    await expect(guest.getByRole('heading', { level: 1, name: 'You are in the lobby' })).toBeVisible();

    // Deny first asks for a reason, which is optional.
    const lobby = page.getByRole('region', { name: 'Waiting in the lobby (1)' });
    await lobby.getByRole('button', { name: 'Deny Dana…' }).click();
    const reason = lobby.getByLabel('Reason shown to Dana (optional)');
    await expect(reason).toBeFocused();
    await reason.fill('This session is for enrolled students');
    await expectAccessible(page, 'room page with the deny form open');
    await lobby.getByRole('button', { name: 'Deny Dana', exact: true }).click();

    // Dana is told she was not let in, and why; she gets no button to knock again.
    await expect(guest.getByRole('heading', { level: 1, name: 'You were not let in' })).toBeVisible();
    await expect(guest.getByText('Reason given by the moderator: This session is for enrolled students')).toBeVisible();
    await expect(guest.getByRole('button', { name: 'Join again' })).toHaveCount(0);
    await expectAccessible(guest, 'denied screen');
    await expect(page.getByRole('region', { name: 'Waiting in the lobby (0)' })).toContainText('Nobody is waiting.');
  } finally {
    await guestContext.close();
  }
});
