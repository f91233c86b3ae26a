import { expect, test, type Browser, type Page } from '@playwright/test';
import { createRoom, enterAsModerator, expectAccessible, joinAsGuest, signUpTeacher, uniqueEmail, type Person } from './support/helpers.js';
import { expectFlowing, inbound, instrument, participantIdOf } from './support/media.js';

// A lecture: the teacher on stage in Chromium with the fake camera, the broadcast composed by
// the server (Janus forwarders → ffmpeg), two viewers. The server gives the WebRTC tier one seat
// (playwright.config.ts): the first viewer watches over WebRTC, the second falls back to HLS.
// Then a viewer is invited onto the stage and sent back. The steps run in order on one room.
test.describe.configure({ mode: 'serial' });

let teacher: Person;
let lea: Person;
let max: Person;
/** The viewer on HLS (the other one has the WebRTC seat). */
let hls: Person;

async function open(browser: Browser, name: string): Promise<Person> {
  const context = await browser.newContext();
  await instrument(context);
  return { context, page: await context.newPage(), name };
}

/** Frames the page's <video> has decoded (Media Playback Quality API). */
function framesShown(page: Page, player: 'hls' | 'webrtc'): Promise<number> {
  return page.locator(`video[data-player="${player}"]`).evaluate((video: HTMLVideoElement) => video.getVideoPlaybackQuality().totalVideoFrames);
}

/**
 * Spread of luminance in the player's current frame: the black slate (nothing on stage) is flat,
 * the teacher's fake camera (a moving pattern on colour) is not.
 */
function lumaSpread(page: Page, player: 'hls' | 'webrtc'): Promise<number> {
  return page.locator(`video[data-player="${player}"]`).evaluate((video: HTMLVideoElement) => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 90;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4) {
      const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      min = Math.min(min, luma);
      max = Math.max(max, luma);
    }
    return max - min;
  });
}

async function expectPlaying(page: Page, player: 'hls' | 'webrtc'): Promise<void> {
  await expect(page.locator(`video[data-player="${player}"]`)).toHaveCount(1, { timeout: 30_000 });
  await expect.poll(() => framesShown(page, player), { timeout: 30_000, message: `${player} player shows frames` }).toBeGreaterThan(10);
  const before = await framesShown(page, player);
  await expect.poll(() => framesShown(page, player), { timeout: 10_000, message: `${player} player keeps playing` }).toBeGreaterThan(before + 10);
  // The program shows the teacher's camera, not the empty stage's black slate.
  await expect.poll(() => lumaSpread(page, player), { timeout: 20_000, message: `${player} player shows the teacher's camera` }).toBeGreaterThan(40);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  teacher = await open(browser, 'Prof. Curie');
  lea = await open(browser, 'Léa');
  max = await open(browser, 'Max');
  await signUpTeacher(teacher.page, teacher.name, uniqueEmail('lecturer'));
  await teacher.page.getByRole('link', { name: 'Create a room' }).click();
  const link = await createRoom(teacher.page, 'Physics 101', { lobby: false, kind: 'Lecture' });
  await enterAsModerator(teacher.page, 'Physics 101');
  for (const viewer of [lea, max]) await joinAsGuest(viewer.page, link, viewer.name);
});

test.afterAll(async () => {
  for (const person of [teacher, lea, max]) await person?.context.close();
});

test('viewers wait for the broadcast; the moderator starts it; WebRTC and HLS viewers both play the program', async () => {
  test.setTimeout(120_000);
  for (const viewer of [lea, max]) await expect(viewer.page.getByRole('heading', { name: 'The lecture has not started yet' })).toBeVisible({ timeout: 20_000 });
  await expectAccessible(lea.page, 'lecture waiting screen');

  await teacher.page.getByRole('button', { name: 'Start broadcast' }).click();
  await expect(teacher.page.getByText('Status: Live')).toBeVisible({ timeout: 15_000 });
  await expectAccessible(teacher.page, 'lecture stage with the broadcast panel (moderator)');
  // One viewer takes the one WebRTC seat; the other is refused one and watches over HLS.
  const playerOf = async (page: Page) => {
    await expect(page.locator('video[data-player]')).toHaveCount(1, { timeout: 30_000 });
    // A refused seat switches to HLS at once; a granted one stays on WebRTC.
    await page.waitForTimeout(2000);
    return (await page.locator('video[data-player]').getAttribute('data-player')) as 'hls' | 'webrtc';
  };
  const players = [await playerOf(lea.page), await playerOf(max.page)];
  expect([...players].sort()).toEqual(['hls', 'webrtc']);
  const [webrtcViewer, hlsViewer] = players[0] === 'webrtc' ? [lea, max] : [max, lea];
  await expectPlaying(webrtcViewer.page, 'webrtc');
  await expect(webrtcViewer.page.getByText('Low latency (WebRTC)')).toBeVisible();
  await expectPlaying(hlsViewer.page, 'hls');
  await expect(hlsViewer.page.getByText('Standard (HLS, a few seconds behind)')).toBeVisible();
  await expect(hlsViewer.page.getByText('The low-latency stream is full: you are watching with a few seconds of delay.')).toBeVisible();
  // The WebRTC viewer's frames come from a Janus Streaming mountpoint over a peer connection.
  const video = (await inbound(webrtcViewer.page)).filter((s) => s.kind === 'video');
  expect(video.some((s) => s.framesDecoded > 0)).toBe(true);
  hls = hlsViewer;
  await expectAccessible(hls.page, 'lecture player (HLS)');
});

test('the HLS player: quality levels, keyboard, back to live', async () => {
  const page = hls.page;
  const player = page.getByRole('region', { name: 'Broadcast player' });
  await expect(player.getByRole('combobox', { name: 'Quality' })).toBeVisible();
  await player.focus();
  await page.keyboard.press('k');
  await expect(player.getByRole('button', { name: 'Play' })).toBeVisible();
  await expect(player.getByRole('button', { name: 'Back to live' })).toBeVisible({ timeout: 15_000 });
  await player.getByRole('button', { name: 'Back to live' }).click();
  await expect(player.getByRole('button', { name: 'Pause' })).toBeVisible();
});

test('a viewer raises a hand, is invited onto the stage, sees and is seen, then goes back to the audience', async () => {
  test.setTimeout(120_000);
  await lea.page.getByRole('button', { name: 'Raise hand' }).click();
  await teacher.page.getByRole('button', { name: `Invite ${lea.name} to the stage` }).click();
  await expect(lea.page.getByText('You are on stage. Your microphone and camera are off.')).toBeVisible({ timeout: 15_000 });
  // On stage: Léa receives the teacher's camera from the VideoRoom and turns her own on.
  const teacherId = await participantIdOf(lea.page, teacher.name);
  await expectFlowing(lea.page, teacherId, 'camera');
  await lea.page.getByRole('button', { name: 'Turn camera on' }).click();
  const leaId = await participantIdOf(teacher.page, lea.name);
  // Tiles out of view are paused (no layer received): bring Léa's into the teacher's view.
  await teacher.page.locator(`figure[data-participant-id="${leaId}"]`).first().scrollIntoViewIfNeeded();
  await expectFlowing(teacher.page, leaId, 'camera');

  await teacher.page.getByRole('button', { name: `Send ${lea.name} back to the audience` }).click();
  await expect(lea.page.getByText('You are back in the audience.')).toBeVisible({ timeout: 15_000 });
  await expect(lea.page.locator('video[data-player]')).toHaveCount(1, { timeout: 30_000 });
});

test('the moderator stops the broadcast: viewers see the end screen', async () => {
  await teacher.page.getByRole('button', { name: 'Stop broadcast' }).click();
  await teacher.page.getByRole('button', { name: 'Yes, stop it' }).click();
  await expect(max.page.getByRole('heading', { name: 'The broadcast has ended' })).toBeVisible({ timeout: 15_000 });
  await expect(lea.page.getByRole('heading', { name: 'The broadcast has ended' })).toBeVisible({ timeout: 15_000 });
});
