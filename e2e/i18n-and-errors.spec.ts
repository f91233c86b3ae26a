import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './support/constants.js';
import { createRoom, expectAccessible, participantLink, signUpTeacher, uniqueEmail } from './support/helpers.js';

test('the interface is French for a French browser, English otherwise, and the switcher changes it', async ({ browser }) => {
  const french = await browser.newContext({ locale: 'fr-FR' });
  const english = await browser.newContext({ locale: 'en-US' });
  try {
    const fr = await french.newPage();
    await fr.goto('/signin');
    await expect(fr.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
    await expect(fr.getByLabel('Mot de passe')).toBeVisible();
    await expect(fr.locator('html')).toHaveAttribute('lang', 'fr');
    await expectAccessible(fr, 'French sign-in page');

    const en = await english.newPage();
    await en.goto('/signin');
    await expect(en.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(en.locator('html')).toHaveAttribute('lang', 'en');

    // The switcher: French → English, and the choice survives a reload.
    await fr.getByRole('group', { name: 'Langue' }).getByRole('button', { name: 'English' }).click();
    await expect(fr.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(fr.locator('html')).toHaveAttribute('lang', 'en');
    await expect(fr.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true');
    await fr.reload();
    await expect(fr.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

    // And back to French.
    await en.getByRole('button', { name: 'Français' }).click();
    await expect(en.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
    await expect(en.locator('html')).toHaveAttribute('lang', 'fr');
  } finally {
    await french.close();
    await english.close();
  }
});

test('a signed-out visitor of the dashboard is sent to sign in, then back', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin\?next=%2F$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expectAccessible(page, 'sign-in page');

  // A wrong password is announced as an alert.
  const main = page.getByRole('main');
  await main.getByLabel('Email').fill(ADMIN_EMAIL);
  await main.getByLabel('Password').fill('not the password');
  await main.getByRole('button', { name: 'Sign in' }).click();
  await expect(main.getByRole('alert')).toHaveText('Wrong email or password.');

  // With the right password, one lands where one wanted to go.
  await main.getByLabel('Password').fill(ADMIN_PASSWORD);
  await main.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1, name: 'My rooms' })).toBeVisible();
});

test('a revoked link shows a translated "link revoked" page; the new link works', async ({ page, browser }) => {
  await signUpTeacher(page, 'Prof. Durand', uniqueEmail('durand'));
  await page.getByRole('link', { name: 'Create a room' }).click();
  const oldLink = await createRoom(page, 'Chimie organique', { lobby: false });

  const participant = page.getByRole('region', { name: 'Participant link' });
  await participant.getByRole('button', { name: 'Revoke and make a new link' }).click();
  await expect(participant.getByRole('status').filter({ hasText: 'The old link was revoked' })).toBeVisible();
  await expect(participant.getByRole('textbox', { name: 'Participant link' })).not.toHaveValue(oldLink);
  const newLink = await participantLink(page);

  const frenchGuest = await browser.newContext({ locale: 'fr-FR' });
  try {
    const guest = await frenchGuest.newPage();
    await guest.goto(oldLink);
    await expect(guest.getByRole('heading', { level: 1, name: 'Ce lien ne peut pas être utilisé' })).toBeVisible();
    await expect(guest.getByText('Ce lien a été révoqué.')).toBeVisible();
    await expectAccessible(guest, 'revoked link page (French)');
    await guest.getByRole('button', { name: 'English' }).click();
    await expect(guest.getByRole('heading', { level: 1, name: 'This link cannot be used' })).toBeVisible();
    await expect(guest.getByText('This link has been revoked.')).toBeVisible();

    await guest.goto(newLink);
    await expect(guest.getByRole('heading', { level: 1, name: 'Chimie organique' })).toBeVisible();
    await expect(guest.getByText('You will join as: Guest')).toBeVisible();
  } finally {
    await frenchGuest.close();
  }
});

test('an administrator closes sign-up, invites a teacher, then opens sign-up again', async ({ page, browser }) => {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My rooms' })).toBeVisible();

  await page.getByRole('navigation').getByRole('link', { name: 'Administration' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Administration' })).toBeVisible();
  const openSignup = page.getByRole('checkbox', { name: /^Open sign-up/ });
  await expect(openSignup).toBeChecked();
  await expectAccessible(page, 'administration page');

  await openSignup.uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Sign-up settings saved.')).toBeVisible();

  const visitorContext = await browser.newContext({ locale: 'en-US' });
  try {
    const visitor = await visitorContext.newPage();
    await visitor.goto('/signup');
    await expect(visitor.getByRole('heading', { level: 1, name: 'Sign-up is closed' })).toBeVisible();
    await expectAccessible(visitor, 'closed sign-up page');

    // An invitation still lets one person in.
    const email = uniqueEmail('invited');
    await page.getByLabel(/^Email \(optional/).fill(email);
    await page.getByLabel('Account role').selectOption('teacher');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const inviteField = page.getByRole('textbox', { name: 'Invitation link' });
    await expect(inviteField).toHaveValue(/\/signup\?invite=/);
    const inviteUrl = await inviteField.inputValue();

    await visitor.goto(inviteUrl);
    await expect(visitor.getByRole('heading', { level: 1, name: 'Create your teacher account' })).toBeVisible();
    await expect(visitor.getByText('You were invited')).toBeVisible();
    await visitor.getByLabel('Your name').fill('Dr. Invited');
    await visitor.getByLabel('Email').fill(email);
    await visitor.getByLabel('Password').fill('correct horse battery staple');
    await visitor.getByRole('button', { name: 'Create account' }).click();
    await expect(visitor.getByRole('heading', { level: 1, name: 'My rooms' })).toBeVisible();
  } finally {
    // Leave the instance as it was for other tests, even if a step above failed.
    await openSignup.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Sign-up settings saved.')).toBeVisible();
    await visitorContext.close();
  }

  const later = await browser.newContext({ locale: 'en-US' });
  try {
    const visitor = await later.newPage();
    await visitor.goto('/signup');
    await expect(visitor.getByRole('heading', { level: 1, name: 'Create your teacher account' })).toBeVisible();
  } finally {
    await later.close();
  }
});
