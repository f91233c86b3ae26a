import { expect, test, type Browser } from '@playwright/test';
import { createRoom, enterAsModerator, expectAccessible, joinAsGuest, signUpTeacher, uniqueEmail, type Person as BasePerson } from './support/helpers.js';
import { decodedWidth, expectFlowing, instrument, janusPids, localCandidateTypes, participantIdOf, received, sendRaw } from './support/media.js';

// Three people in one classroom, in one browser (three contexts, each with Chromium's fake
// camera and microphone): they join once and the steps below run in order on the same room.
test.describe.configure({ mode: 'serial' });

interface Person extends BasePerson {
  id: string;
}

let teacher: Person;
let bea: Person;
let carl: Person;
let link: string;

async function open(browser: Browser, name: string, options: { relayOnly?: boolean } = {}): Promise<Person> {
  const context = await browser.newContext();
  await instrument(context, options);
  const page = await context.newPage();
  return { context, page, name, id: '' };
}

/** Waits until `viewer` decodes the camera of each of `others` and receives their microphone. */
async function expectSeesAndHears(viewer: Person, others: Person[]): Promise<void> {
  for (const other of others) {
    await expectFlowing(viewer.page, other.id, 'camera');
    await expectFlowing(viewer.page, other.id, 'mic');
  }
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  teacher = await open(browser, 'Prof. Martin');
  bea = await open(browser, 'Bea');
  carl = await open(browser, 'Carl');
  await signUpTeacher(teacher.page, teacher.name, uniqueEmail('teacher'));
  await teacher.page.getByRole('link', { name: 'Create a room' }).click();
  link = await createRoom(teacher.page, 'Media lab', { lobby: false });
  await enterAsModerator(teacher.page, 'Media lab');
  for (const guest of [bea, carl]) {
    await joinAsGuest(guest.page, link, guest.name);
    await expect(guest.page.getByRole('list', { name: /^People/ })).toBeVisible();
  }
  teacher.id = await participantIdOf(bea.page, teacher.name);
  bea.id = await participantIdOf(teacher.page, bea.name);
  carl.id = await participantIdOf(teacher.page, carl.name);
});

test.afterAll(async () => {
  for (const person of [teacher, bea, carl]) await person?.context.close();
});

test('three people who join one room each decode the two others’ video and receive their audio', async () => {
  test.setTimeout(90_000);
  await expectSeesAndHears(teacher, [bea, carl]);
  await expectSeesAndHears(bea, [teacher, carl]);
  await expectSeesAndHears(carl, [teacher, bea]);
  await expectAccessible(teacher.page, 'classroom with cameras (moderator)');
  await expectAccessible(carl.page, 'classroom with cameras (participant)');
});

test('the stage: grid and speaker views, pin, simulcast layer by tile size, paused off screen, who is speaking (Janus audio levels), connection quality', async () => {
  const page = carl.page;
  const stage = page.getByRole('region', { name: 'Videos' });
  await stage.scrollIntoViewIfNeeded();
  // Everyone's fake microphone plays a voice-like tone (playwright.config.ts): Janus reports them speaking.
  await expect(stage.getByText('Speaking').first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/^Connection: (good|fair|poor)$/)).toBeVisible({ timeout: 15_000 });

  await page.getByRole('button', { name: 'Speaker view', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Speaker view', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: `Pin ${bea.name}`, exact: true }).click();
  const large = stage.locator('.tile-large');
  await expect(large).toHaveCount(1);
  await expect(large).toHaveAttribute('data-participant-id', bea.id);
  // Simulcast follows tile size: the large tile gets the top layer (1280 wide, from the fake
  // 1280x720 camera), a small one in the strip the lowest (a quarter of that).
  await expect.poll(() => decodedWidth(page, bea.id, 'camera'), { timeout: 20_000 }).toBe(1280);
  await expect.poll(() => decodedWidth(page, teacher.id, 'camera'), { timeout: 20_000 }).toBe(320);
  await page.getByRole('button', { name: `Pin ${bea.name}`, exact: true }).click();
  await page.getByRole('button', { name: 'Grid view', exact: true }).click();
  await expect(stage.locator('.tile-large')).toHaveCount(0);
  await expect(stage.locator('[data-source="self"]')).toBeVisible();

  // Tiles scrolled out of view are paused: nothing more is decoded until they come back.
  const tile = stage.locator(`[data-participant-id="${bea.id}"][data-source="camera"]`);
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: viewport.width, height: 200 });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(tile).not.toBeInViewport();
  await expect.poll(async () => {
    const before = await received(page, bea.id, 'camera');
    await page.waitForTimeout(1000);
    return before < 0 ? -1 : (await received(page, bea.id, 'camera')) - before;
  }, { timeout: 15_000 }).toBe(0);
  await page.setViewportSize(viewport);
  await stage.scrollIntoViewIfNeeded();
  await expectFlowing(page, bea.id, 'camera');
});

test('someone who speaks while muted is told so', async () => {
  await carl.page.getByRole('button', { name: 'Mute', exact: true }).click();
  await expect(carl.page.getByRole('button', { name: 'Unmute', exact: true })).toBeVisible();
  // The fake microphone keeps "speaking" into the (muted) track.
  await expect(carl.page.getByText('You are muted')).toBeVisible({ timeout: 15_000 });
  await carl.page.getByRole('button', { name: 'Unmute', exact: true }).click();
  await expect(carl.page.getByRole('button', { name: 'Mute', exact: true })).toBeVisible();
});

test('a shared screen is decoded by the two others, and its sound heard', async () => {
  await teacher.page.getByRole('button', { name: 'Share screen', exact: true }).click();
  await expect(teacher.page.getByRole('button', { name: 'Stop sharing', exact: true })).toBeVisible();
  for (const viewer of [bea, carl]) {
    await expect(viewer.page.locator(`[data-participant-id="${teacher.id}"][data-source="screen"]`)).toBeVisible({ timeout: 20_000 });
    await expectFlowing(viewer.page, teacher.id, 'screen');
    await expectFlowing(viewer.page, teacher.id, 'screenAudio');
  }
  await teacher.page.getByRole('button', { name: 'Stop sharing', exact: true }).click();
  await expect(bea.page.locator(`[data-participant-id="${teacher.id}"][data-source="screen"]`)).toHaveCount(0, { timeout: 20_000 });
});

test('a participant may not share a screen without permission, even through the protocol directly', async () => {
  // Default settings: only moderators and presenters may share.
  await expect(bea.page.getByRole('button', { name: 'Share screen', exact: true })).toHaveCount(0);
  const refused = await bea.page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const pc = new RTCPeerConnection();
    pc.addTransceiver(stream.getVideoTracks()[0]!, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const sdp = pc.localDescription!.sdp;
    stream.getTracks().forEach((t) => t.stop());
    pc.close();
    return sdp;
  });
  const answer = await sendRaw(bea.page, { type: 'media.publish', id: 'hack-screen', sdp: refused, sources: [{ mid: '0', source: 'screen' }], fresh: true });
  expect(answer).toMatchObject({ type: 'error', code: 'NOT_ALLOWED' });
  const state = await sendRaw(bea.page, { type: 'media.state', id: 'hack-state', screen: true });
  expect(state).toMatchObject({ type: 'error', code: 'NOT_ALLOWED' });
  await expect(teacher.page.locator(`[data-participant-id="${bea.id}"][data-source="screen"]`)).toHaveCount(0);
});

test('when the teacher mutes Bea, nobody receives her audio, everyone sees her muted, and she cannot unmute herself', async () => {
  await teacher.page.getByRole('button', { name: `Mute ${bea.name}`, exact: true }).click();
  // Her own page shows her muted, and asks nothing of her yet.
  await expect(bea.page.getByRole('button', { name: 'Unmute', exact: true })).toBeVisible();
  // Even a modified client that turns its microphone back on gets nowhere.
  expect(await sendRaw(bea.page, { type: 'media.state', id: 'hack-unmute', mic: true })).toMatchObject({ type: 'error', code: 'MUTED_BY_MODERATOR' });
  await bea.page.evaluate(() => {
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) for (const s of pc.getSenders()) if (s.track?.kind === 'audio') s.track.enabled = true;
  });
  for (const viewer of [teacher, carl]) {
    // The server stops forwarding: the packet count settles and then stays put.
    await expect.poll(async () => {
      const before = await received(viewer.page, bea.id, 'mic');
      await viewer.page.waitForTimeout(1500);
      // -1 (no such stream) must not pass for "nothing received".
      return before < 0 ? -1 : (await received(viewer.page, bea.id, 'mic')) - before;
    }, { timeout: 15_000 }).toBe(0);
  }
  // Carl's audio still flows to the teacher meanwhile.
  await expectFlowing(teacher.page, carl.id, 'mic');
  // The teacher asks Bea to unmute; she accepts and is heard again.
  await teacher.page.getByRole('button', { name: `Ask ${bea.name} to unmute`, exact: true }).click();
  await expect(bea.page.getByRole('alertdialog')).toBeVisible();
  await expectAccessible(bea.page, 'ask-to-unmute dialog');
  await bea.page.getByRole('alertdialog').getByRole('button', { name: 'Unmute', exact: true }).click();
  await expectFlowing(carl.page, bea.id, 'mic');
});

test('killing the Janus process heals by itself: frames flow again within 5 s, without a click', async () => {
  test.setTimeout(60_000);
  // Tiles scrolled out of view are paused on purpose (moderation clicks scroll the page):
  // bring everyone's videos into view and check they flow before the kill.
  for (const viewer of [teacher, bea, carl]) {
    await viewer.page.getByRole('region', { name: 'Videos' }).scrollIntoViewIfNeeded();
    for (const other of [teacher, bea, carl].filter((p) => p !== viewer)) await expectFlowing(viewer.page, other.id, 'camera');
  }
  const pids = janusPids();
  expect(pids).toHaveLength(1);
  process.kill(pids[0]!, 'SIGKILL');
  const killedAt = Date.now();
  await expect.poll(() => janusPids().some((pid) => pid !== pids[0]), { timeout: 5_000 }).toBe(true);
  // Each page decodes the others' cameras again (counters restart on new connections).
  const healed = [teacher, bea, carl].map(async (viewer) => {
    for (const other of [teacher, bea, carl].filter((p) => p !== viewer)) {
      await expect.poll(async () => {
        const a = await received(viewer.page, other.id, 'camera');
        await viewer.page.waitForTimeout(200);
        return (await received(viewer.page, other.id, 'camera')) > a && a >= 0;
      }, { timeout: 5_000, intervals: [100] }).toBe(true);
    }
  });
  await Promise.all(healed);
  test.info().annotations.push({ type: 'healed after', description: `${Date.now() - killedAt} ms` });
});

test('a locked room keeps a newcomer out with a clear message, until it is unlocked', async ({ browser }) => {
  await teacher.page.getByRole('button', { name: 'Lock room', exact: true }).click();
  await expect(bea.page.getByText('Room locked')).toBeVisible();
  const eve = await open(browser, 'Eve');
  try {
    await joinAsGuest(eve.page, link, eve.name);
    await expect(eve.page.getByText('A moderator has locked this room: nobody new may enter.')).toBeVisible();
  } finally {
    await eve.context.close();
  }
  await teacher.page.getByRole('button', { name: 'Unlock room', exact: true }).click();
  await expect(bea.page.getByText('Room locked')).toHaveCount(0);
});

test('a participant whose network only allows relayed traffic (TURN) receives video', async ({ browser }) => {
  test.setTimeout(90_000);
  const dana = await open(browser, 'Dana', { relayOnly: true });
  try {
    await joinAsGuest(dana.page, link, dana.name);
    await expect(dana.page.getByRole('list', { name: /^People/ })).toBeVisible();
    await expectFlowing(dana.page, teacher.id, 'camera', 30_000);
    const types = await localCandidateTypes(dana.page);
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['relay']));
  } finally {
    await dana.context.close();
  }
});
