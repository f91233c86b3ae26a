import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, type BrowserContext, type Page } from '@playwright/test';

/**
 * Test-only instrumentation, installed before the app loads: remembers every
 * RTCPeerConnection and WebSocket the page creates (to read getStats and to send raw
 * protocol messages as a modified client would), and forces relay-only ICE when asked.
 */
export async function instrument(context: BrowserContext, options: { relayOnly?: boolean } = {}): Promise<void> {
  await context.addInitScript((relayOnly: boolean) => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; __sockets: WebSocket[] };
    w.__pcs = [];
    w.__sockets = [];
    const NativePC = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends NativePC {
      constructor(config?: RTCConfiguration) {
        super(relayOnly ? { ...config, iceTransportPolicy: 'relay' } : config);
        w.__pcs.push(this);
      }
    } as typeof RTCPeerConnection;
    const NativeWS = window.WebSocket;
    window.WebSocket = class extends NativeWS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        w.__sockets.push(this);
      }
    } as typeof WebSocket;
  }, options.relayOnly === true);
}

export interface Inbound {
  kind: string;
  trackIdentifier: string;
  framesDecoded: number;
  packetsReceived: number;
  totalSamplesReceived: number;
  /** Width of the last decoded frame (video). */
  frameWidth: number;
}

/** Inbound RTP statistics of every open peer connection of the page. */
export function inbound(page: Page): Promise<Inbound[]> {
  return page.evaluate(async () => {
    const out: Inbound[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp') return;
        out.push({
          kind: String(s.kind),
          trackIdentifier: String(s.trackIdentifier),
          framesDecoded: Number(s.framesDecoded ?? 0),
          packetsReceived: Number(s.packetsReceived ?? 0),
          totalSamplesReceived: Number(s.totalSamplesReceived ?? 0),
          frameWidth: Number(s.frameWidth ?? 0),
        });
      });
    }
    return out;
  });
}

/** The id of the track shown by the media element of a person's tile (or the element itself). */
async function trackId(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const media = el instanceof HTMLMediaElement ? el : el?.querySelector<HTMLMediaElement>('video, audio');
    const stream = media?.srcObject;
    return stream instanceof MediaStream ? (stream.getTracks()[0]?.id ?? null) : null;
  }, selector);
}

/** The participant id of the tile that shows this name. */
export async function participantIdOf(page: Page, name: string, source: 'camera' | 'screen' = 'camera'): Promise<string> {
  const tile = page.locator(`[data-source="${source}"][data-participant-id]`, { hasText: name }).first();
  await expect(tile).toBeVisible({ timeout: 20_000 });
  return (await tile.getAttribute('data-participant-id'))!;
}

type Source = 'camera' | 'screen' | 'mic' | 'screenAudio';
const isAudio = (source: Source) => source === 'mic' || source === 'screenAudio';

/** A counter of what the page received of one person's camera, screen (frames), microphone or screen sound (packets). */
export async function received(page: Page, participantId: string, source: Source): Promise<number> {
  const selector = `${isAudio(source) ? 'audio' : ''}[data-participant-id="${participantId}"][data-source="${source}"]`;
  const id = await trackId(page, selector);
  if (!id) return -1;
  const stats = (await inbound(page)).find((s) => s.trackIdentifier === id);
  if (!stats) return -1;
  return isAudio(source) ? stats.packetsReceived : stats.framesDecoded;
}

/** Width of the frames the page decodes of one person's camera or screen (0 when none). */
export async function decodedWidth(page: Page, participantId: string, source: 'camera' | 'screen'): Promise<number> {
  const id = await trackId(page, `[data-participant-id="${participantId}"][data-source="${source}"]`);
  return (await inbound(page)).find((s) => s.trackIdentifier === id)?.frameWidth ?? 0;
}

/** Waits until the counter rises (media flows), within `timeoutMs`. */
export async function expectFlowing(page: Page, participantId: string, source: Source, timeoutMs = 20_000): Promise<void> {
  const start = await received(page, participantId, source);
  await expect
    .poll(async () => (await received(page, participantId, source)) > Math.max(start, 0), { timeout: timeoutMs, message: `${source} of ${participantId} flowing` })
    .toBe(true);
}

/** Sends a raw protocol message on the page's room socket and returns the server's answer to it (ack or error). */
export function sendRaw(page: Page, message: Record<string, unknown>): Promise<{ type: string; code?: string }> {
  return page.evaluate(
    (msg) =>
      new Promise((resolve) => {
        const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets.filter((s) => s.readyState === WebSocket.OPEN);
        const socket = sockets[sockets.length - 1]!;
        const onMessage = (event: MessageEvent) => {
          const data = JSON.parse(String(event.data)) as { type: string; id?: string; code?: string };
          if ((data.type === 'ack' || data.type === 'error') && data.id === msg.id) {
            socket.removeEventListener('message', onMessage);
            resolve(data);
          }
        };
        socket.addEventListener('message', onMessage);
        socket.send(JSON.stringify(msg));
      }),
    message,
  );
}

/** PIDs of the Janus processes of this run's server (its configuration lives in the run's data folder). */
export function janusPids(): number[] {
  const dir = path.join(process.env.AMPHI_E2E_TMP!, 'data', 'janus');
  try {
    return execFileSync('pgrep', ['-f', `janus -F ${dir}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The type of the local ICE candidate of each connected peer connection (host, srflx, relay). */
export function localCandidateTypes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const types: string[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
          const local = stats.get(String(s.localCandidateId)) as Record<string, unknown> | undefined;
          if (local) types.push(String(local.candidateType));
        }
      });
    }
    return types;
  });
}
