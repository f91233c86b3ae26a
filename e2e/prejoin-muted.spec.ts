import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { ApiClient, RoomClient } from '@amphi/client';
import { BASE_URL } from './support/constants.js';
import { startLiveRoom } from './support/helpers.js';

test('in a room of more than 10 people, the device check starts with the microphone off and says why', async ({ page, browser }) => {
  test.setTimeout(90_000);
  const link = await startLiveRoom(page, 'Prof. Martin', 'Big lecture hall', { lobby: false });
  const token = new URL(link).pathname.split('/').pop()!;
  // Ten more people join from Node, through the same API and protocol (no browsers needed).
  const people: RoomClient[] = [];
  try {
    for (let i = 1; i <= 10; i++) {
      const { ticket } = await new ApiClient({ baseUrl: BASE_URL }).join({ token, displayName: `Student ${i}` });
      const client = new RoomClient({ url: BASE_URL.replace(/^http/, 'ws') + '/ws', ticket, createSocket: (url) => new WebSocket(url) });
      await client.connect();
      people.push(client);
    }
    const context = await browser.newContext();
    try {
      const guest = await context.newPage();
      await guest.goto(link);
      const devices = guest.getByRole('region', { name: 'Camera and microphone' });
      await expect(devices.getByRole('button', { name: 'Microphone', exact: true })).toHaveAttribute('aria-pressed', 'false');
      await expect(devices.getByText('You will join muted: more than 10 people are in the room.')).toBeVisible();
      await expect(devices.getByRole('button', { name: 'Camera', exact: true })).toHaveAttribute('aria-pressed', 'true');
      // Joining keeps it so: the others see the newcomer muted.
      await guest.getByLabel('Your name').fill('Zoe');
      await guest.getByRole('button', { name: 'Join' }).click();
      await expect(guest.getByRole('button', { name: 'Unmute', exact: true })).toBeVisible();
      await expect(page.getByRole('list', { name: /^People/ }).getByRole('listitem').filter({ hasText: 'Zoe' })).toContainText('Microphone off');
    } finally {
      await context.close();
    }
  } finally {
    for (const client of people) client.leave();
  }
});
