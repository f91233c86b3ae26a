import { expect, test } from '@playwright/test';
import { TEACHER_PASSWORD, expectAccessible, signUpTeacher, uniqueEmail } from './support/helpers.js';

test('a teacher changes their password under "My account", then signs in with the new one only', async ({ page }) => {
  const email = uniqueEmail('account');
  await signUpTeacher(page, 'Prof. Durand', email);
  await page.getByRole('navigation').getByRole('link', { name: 'My account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await expectAccessible(page, 'account page');

  // A wrong current password is refused with a readable message.
  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toContainText('Wrong email or password');

  await page.getByLabel('Current password').fill(TEACHER_PASSWORD);
  await page.getByLabel('New password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password was changed.')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEACHER_PASSWORD);
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toContainText('Wrong email or password');
  await page.getByLabel('Password').fill('a brand new passphrase');
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My rooms' })).toBeVisible();
});
