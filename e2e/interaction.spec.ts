import { expect, test, type Browser, type Page } from '@playwright/test';
import { expectAccessible, startLiveRoom, type Person } from './support/helpers.js';
import { chatTexts, joinWithoutDevices, NetworkSwitch, openTab } from './support/interaction.js';

// A classroom's interaction layer against the real server: a teacher and two students (Alice,
// Bob) ask and answer questions, run a poll, and chat through a student's network dropping.
// The steps run in order on one room.
test.describe.configure({ mode: 'serial' });

let teacher: Person;
let alice: Person;
let bob: Person;
/** Alice's network (cut in the chat test). */
let aliceNetwork: NetworkSwitch;

async function open(browser: Browser, name: string): Promise<Person> {
  const context = await browser.newContext({ locale: 'en-US' });
  return { context, page: await context.newPage(), name };
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  teacher = await open(browser, 'Prof. Martin');
  alice = await open(browser, 'Alice');
  aliceNetwork = await NetworkSwitch.install(alice.context);
  bob = await open(browser, 'Bob');
  const link = await startLiveRoom(teacher.page, teacher.name, 'Calculus 2', { lobby: false });
  for (const student of [alice, bob]) await joinWithoutDevices(student.page, link, student.name);
});

test.afterAll(async () => {
  for (const person of [teacher, alice, bob]) await person?.context.close();
});

test('a student asks a question, the teacher marks it "answering now", and the student sees it', async () => {
  const question = 'Will integrals by parts be on the exam?';
  const aliceQuestions = await openTab(alice.page, 'Questions');
  await aliceQuestions.getByLabel('Your question').fill(question);
  await aliceQuestions.getByRole('button', { name: 'Ask' }).click();
  const asked = aliceQuestions.getByRole('log', { name: 'Questions' }).getByRole('listitem').filter({ hasText: question });
  await expect(asked).toContainText('Asked by you');

  // The teacher's tab counts it as new until opened.
  await expect(teacher.page.getByRole('tab', { name: /^Questions/ })).toContainText('1 new');
  const teacherQuestions = await openTab(teacher.page, 'Questions');
  const item = teacherQuestions.getByRole('log', { name: 'Questions' }).getByRole('listitem').filter({ hasText: question });
  await expect(item).toContainText('Asked by Alice');
  await expect(teacher.page.getByRole('tab', { name: /^Questions/ })).not.toContainText('new');
  await item.getByRole('group', { name: `Actions on: ${question}` }).getByRole('button', { name: 'Answering now' }).click();

  await expect(alice.page.getByRole('status').filter({ hasText: `Your question is being answered now: “${question}”` })).toBeVisible();
  await expect(asked).toContainText('Answering now');
  // Bob sees which question is being answered too, and upvotes it once.
  const bobItem = (await openTab(bob.page, 'Questions')).getByRole('listitem').filter({ hasText: question });
  await expect(bobItem).toContainText('Answering now');
  await bobItem.getByRole('button', { name: `Upvote: ${question}` }).click();
  await expect(bobItem.getByRole('button', { name: `Upvote: ${question}` })).toHaveAttribute('aria-pressed', 'true');
  await expect(item).toContainText('1 vote');
  await expect(asked).toContainText('1 vote');
});

test('an anonymous question hides the asker from the other students, not from the teacher', async () => {
  const question = 'Could you go over the chain rule again?';
  const bobQuestions = await openTab(bob.page, 'Questions');
  await bobQuestions.getByLabel('Your question').fill(question);
  // The room's default: anonymous from peers (the room form's "Anonymous questions" setting).
  await expect(bobQuestions.getByText('The other participants will not see your name; the moderators will.')).toBeVisible();
  await bobQuestions.getByRole('checkbox', { name: 'Ask anonymously' }).check();
  await bobQuestions.getByRole('button', { name: 'Ask' }).click();
  await expect(bobQuestions.getByRole('listitem').filter({ hasText: question })).toContainText('Asked by you');
  await expect((await openTab(alice.page, 'Questions')).getByRole('listitem').filter({ hasText: question })).toContainText('Anonymous');
  await expect(alice.page.getByRole('listitem').filter({ hasText: question })).not.toContainText('Bob');
  await expect((await openTab(teacher.page, 'Questions')).getByRole('listitem').filter({ hasText: question })).toContainText('Asked by Bob (Anonymous)');
});

test('a poll is opened, two students vote, and the results revealed to all show the right counts', async () => {
  const polls = await openTab(teacher.page, 'Polls');
  await polls.getByText('New poll').click();
  await polls.getByLabel('Question').fill('Which number is prime?');
  await polls.getByLabel('Option 1', { exact: true }).fill('4');
  await polls.getByLabel('Option 2', { exact: true }).fill('6');
  await polls.getByRole('button', { name: 'Add an option' }).click();
  await polls.getByLabel('Option 3', { exact: true }).fill('7');
  await polls.getByRole('button', { name: 'Create poll' }).click();
  const teacherPoll = polls.getByRole('article', { name: 'Which number is prime?' });
  await expect(teacherPoll).toContainText('Draft');
  await teacherPoll.getByRole('button', { name: 'Open voting' }).click();
  await expect(teacherPoll).toContainText('Open');

  // Alice votes 7; Bob votes 4, then changes his vote to 7.
  const studentPoll = async (page: Page) => (await openTab(page, 'Polls')).getByRole('article', { name: 'Which number is prime?' });
  const alicePoll = await studentPoll(alice.page);
  await alicePoll.getByRole('radio', { name: '7', exact: true }).check();
  await alicePoll.getByRole('button', { name: 'Vote' }).click();
  await expect(alicePoll.getByRole('status')).toHaveText('Your vote was counted. You can change it until voting closes.');
  const bobPoll = await studentPoll(bob.page);
  await bobPoll.getByRole('radio', { name: '4', exact: true }).check();
  await bobPoll.getByRole('button', { name: 'Vote' }).click();
  await expect(bobPoll.getByRole('button', { name: 'Change my vote' })).toBeVisible();
  await bobPoll.getByRole('radio', { name: '7', exact: true }).check();
  await bobPoll.getByRole('button', { name: 'Change my vote' }).click();

  // The teacher sees the live counts (students do not), closes and reveals.
  const teacherResults = teacherPoll.getByRole('listitem');
  await expect(teacherPoll).toContainText('Live results (only you see them)');
  await expect(teacherResults.nth(2)).toContainText('2 votes (100%)', { timeout: 15_000 });
  await expect(alicePoll).not.toContainText('votes (');
  await teacherPoll.getByRole('button', { name: 'Close voting' }).click();
  await expect(alicePoll).toContainText('Voting is closed. Waiting for the results.');
  await teacherPoll.getByRole('button', { name: 'Show results to everyone' }).click();

  for (const poll of [teacherPoll, alicePoll, bobPoll]) {
    await expect(poll).toContainText('Results shown');
    const rows = poll.getByRole('listitem');
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(0)).toContainText('0 votes (0%)');
    await expect(rows.nth(1)).toContainText('0 votes (0%)');
    await expect(rows.nth(2)).toContainText('7');
    await expect(rows.nth(2)).toContainText('2 votes (100%)');
    await expect(poll).toContainText('2 people voted');
  }
  await expect(bobPoll).toContainText('Your vote: 7');
});

test('the chat survives a student’s network dropping for 10 s: nothing lost, nothing twice, in order', async () => {
  const teacherChat = await openTab(teacher.page, 'Chat');
  const aliceChat = await openTab(alice.page, 'Chat');
  await teacherChat.getByRole('textbox', { name: 'Message' }).fill('Open the book at page 12: https://uni.example/book');
  await teacherChat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(aliceChat.getByRole('link', { name: 'https://uni.example/book' })).toHaveAttribute('rel', 'noopener noreferrer nofollow');

  // Alice's network goes away: her page says it is reconnecting.
  await aliceNetwork.cut();
  const offlineSince = Date.now();
  await expect(alice.page.getByText('Connection lost. Reconnecting…')).toBeVisible();
  for (const text of ['Exercise 1', 'Exercise 2', 'Exercise 3']) {
    await teacherChat.getByRole('textbox', { name: 'Message' }).fill(text);
    await teacherChat.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect(teacherChat.getByRole('log', { name: 'Chat messages' })).toContainText(text);
  }
  // Alice writes while offline: her message waits, shown as being sent.
  await aliceChat.getByRole('textbox', { name: 'Message' }).fill('Sorry, my connection dropped');
  await aliceChat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(aliceChat.getByRole('log', { name: 'Chat messages' })).toContainText('Sending…');
  // The drop lasts 10 s in all.
  await alice.page.waitForTimeout(Math.max(0, 10_000 - (Date.now() - offlineSince)));
  await aliceNetwork.restore();

  await expect(alice.page.getByText('Connection lost. Reconnecting…')).toBeHidden({ timeout: 20_000 });
  // A last message after the others: once it is shown, everything before it has arrived.
  await aliceChat.getByRole('textbox', { name: 'Message' }).fill('Back online');
  await aliceChat.getByRole('textbox', { name: 'Message' }).press('Enter');
  const expected = ['Open the book at page 12: https://uni.example/book', 'Exercise 1', 'Exercise 2', 'Exercise 3', 'Sorry, my connection dropped', 'Back online'];
  await expect.poll(() => chatTexts(teacher.page)).toEqual(expected);
  await expect.poll(() => chatTexts(alice.page)).toEqual(expected);
  // Bob was on another tab: it counts what he has not seen.
  await expect(bob.page.getByRole('tab', { name: /^Chat/ })).toContainText('6 new');
  await openTab(bob.page, 'Chat');
  await expect.poll(() => chatTexts(bob.page)).toEqual(expected);
});

test('the interaction panel passes an accessibility check', async () => {
  test.setTimeout(90_000);
  await openTab(teacher.page, 'Chat');
  await expectAccessible(teacher.page, 'interaction panel (teacher, chat)');
  await openTab(teacher.page, 'Questions');
  await expectAccessible(teacher.page, 'interaction panel (teacher, questions)');
  await openTab(alice.page, 'Polls');
  await expectAccessible(alice.page, 'interaction panel (student, polls)');
  // Keyboard: arrow keys move between the tabs.
  const chatTab = alice.page.getByRole('tab', { name: /^Chat/ });
  await alice.page.getByRole('tab', { name: /^Polls/ }).focus();
  await alice.page.keyboard.press('Home');
  await expect(chatTab).toBeFocused();
  await expect(chatTab).toHaveAttribute('aria-selected', 'true');
});
