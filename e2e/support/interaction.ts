import { expect, type BrowserContext, type Locator, type Page, type WebSocketRoute } from '@playwright/test';

/** The interaction panel's tabs, as named on screen (a tab's name also carries its "N new" count). */
export type PanelTab = 'Chat' | 'Questions' | 'Polls';

/** Shows one tab of the interaction panel (chat, questions, polls) and returns its panel. */
export async function openTab(page: Page, tab: PanelTab): Promise<Locator> {
  const name = new RegExp(`^${tab}`);
  await page.getByRole('tab', { name }).click();
  await expect(page.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
  return page.getByRole('tabpanel', { name });
}

/**
 * Opens a join link and joins with camera and microphone off (fewer streams for the machine
 * to encode), then waits for the room.
 */
export async function joinWithoutDevices(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByLabel('Your name').fill(name);
  const devices = page.getByRole('region', { name: 'Camera and microphone' });
  for (const device of ['Camera', 'Microphone']) {
    const button = devices.getByRole('button', { name: device, exact: true });
    if ((await button.getAttribute('aria-pressed')) === 'true') await button.click();
    await expect(button).toHaveAttribute('aria-pressed', 'false');
  }
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('list', { name: /^People/ })).toBeVisible();
}

/** The texts of the chat messages shown, in order (deleted ones and those being sent included). */
export function chatTexts(page: Page): Promise<string[]> {
  return page.getByRole('log', { name: 'Chat messages' }).locator('.chat-text, .chat-deleted').allInnerTexts();
}

/**
 * One person's network, cut and restored by the test. Chromium's offline emulation
 * (`context.setOffline`, CDP `Network.emulateNetworkConditions`) fails new requests but
 * leaves open WebSockets working (microsoft/playwright#4910), so the room's socket goes
 * through a route: cutting the network closes it (the server sees the connection end too)
 * and refuses new ones until the network is back.
 */
export class NetworkSwitch {
  readonly #context: BrowserContext;
  readonly #sockets = new Set<WebSocketRoute>();
  #online = true;

  private constructor(context: BrowserContext) {
    this.#context = context;
  }

  /** Install before the page opens its socket. */
  static async install(context: BrowserContext): Promise<NetworkSwitch> {
    const network = new NetworkSwitch(context);
    await context.routeWebSocket(/\/ws$/, (socket) => {
      if (!network.#online) {
        // 1001 "going away": a connection that cannot be made now (the client tries again).
        void socket.close({ code: 1001, reason: 'offline' });
        return;
      }
      socket.connectToServer();
      network.#sockets.add(socket);
    });
    return network;
  }

  async cut(): Promise<void> {
    this.#online = false;
    await this.#context.setOffline(true);
    for (const socket of this.#sockets) await socket.close({ code: 1001, reason: 'offline' });
    this.#sockets.clear();
  }

  async restore(): Promise<void> {
    this.#online = true;
    await this.#context.setOffline(false);
  }
}
