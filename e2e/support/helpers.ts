import { AxeBuilder } from '@axe-core/playwright';
import { expect, type BrowserContext, type Page } from '@playwright/test';

/** Someone in a spec: their own browser context (cookies, devices), their page, and the name they join with. */
export interface Person {
  context: BrowserContext;
  page: Page;
  name: string;
}

/**
 * Runs axe-core on the page as it is now and fails on any `serious` or `critical`
 * violation, listing each rule and the elements concerned.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(blocking, `serious or critical accessibility violations on the ${what}`).toEqual([]);
}

/** An email address no other test (or earlier run) used. */
export function uniqueEmail(who: string): string {
  return `${who}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@uni.example`;
}

export const TEACHER_PASSWORD = 'correct horse battery staple';

/** Signs a new teacher up through the sign-up page and waits for the dashboard. */
export async function signUpTeacher(page: Page, name: string, email: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(TEACHER_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My rooms' })).toBeVisible();
}

/** Fills the "Create a room" page, submits, waits for the room editor; returns the participant link. */
export async function createRoom(page: Page, title: string, options: { lobby: boolean; kind?: 'Classroom' | 'Lecture' }): Promise<string> {
  await page.getByLabel('Title').fill(title);
  await page.getByRole('radio', { name: options.kind ?? 'Classroom' }).check();
  await page.getByRole('checkbox', { name: /^Lobby/ }).setChecked(options.lobby);
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit ${title}` })).toBeVisible();
  return participantLink(page);
}

/** The participant link as shown in the room editor's read-only field. */
export async function participantLink(page: Page): Promise<string> {
  const field = page.getByRole('region', { name: 'Participant link' }).getByRole('textbox', { name: 'Participant link' });
  await expect(field).toHaveValue(/\/j\/[\w.-]+$/);
  return field.inputValue();
}

/** From the room editor, enters the room as moderator (which starts the live session) and waits for the room page. */
export async function enterAsModerator(page: Page, title: string): Promise<void> {
  await page.getByRole('link', { name: 'Enter the room' }).click();
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  // The pre-join page has the same heading: wait for the room itself (its list of people).
  await expect(page.getByRole('list', { name: /^People/ })).toBeVisible();
}

/** Signs a new teacher up, creates a classroom and enters it as moderator; returns the participant link. */
export async function startLiveRoom(page: Page, teacher: string, title: string, options: { lobby: boolean }): Promise<string> {
  await signUpTeacher(page, teacher, uniqueEmail('teacher'));
  await page.getByRole('link', { name: 'Create a room' }).click();
  const link = await createRoom(page, title, options);
  await enterAsModerator(page, title);
  return link;
}

/** Opens a join link, gives a display name and presses Join. */
export async function joinAsGuest(guest: Page, link: string, name: string): Promise<void> {
  await guest.goto(link);
  await guest.getByLabel('Your name').fill(name);
  await guest.getByRole('button', { name: 'Join' }).click();
}
