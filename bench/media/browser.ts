/**
 * A real browser receiving through Amphi, without the web UI: Debian's Chromium (Playwright)
 * on a page of the Amphi server's own origin runs a small script that joins with our
 * protocol over WebSocket, asks to receive, answers the subscription offer with the browser's
 * own RTCPeerConnection, and reports the time from the start of the join to the first
 * decoded remote video frame (getStats polled every 20 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../e2e/support/constants.js';

export interface ProbeResult {
  /** Join to first decoded remote video frame, or null if none came. */
  ms: number | null;
  /** Size of the browser's subscription answer (the largest, if several). */
  answerBytes: number;
  /** Remote streams in the last offer. */
  streams: number;
  /** What went wrong, if anything (an error message from the server, a timeout). */
  error?: string;
}

/** Joins with `ticket` and waits for the first decoded remote frame (at most `timeoutMs`). */
export type BrowserProbe = (wsUrl: string, ticket: string, timeoutMs: number) => Promise<ProbeResult>;


// The page's own WebRTC API (this project type-checks without the DOM library).
interface PageStats {
  type: string;
  kind?: string;
  framesDecoded?: number;
}
declare class RTCPeerConnection {
  constructor(config: { bundlePolicy: string });
  readonly iceGatheringState: string;
  readonly localDescription: { sdp: string } | null;
  addEventListener(type: string, listener: () => void): void;
  setRemoteDescription(d: { type: 'offer'; sdp: string }): Promise<void>;
  createAnswer(): Promise<{ type: 'answer'; sdp: string }>;
  setLocalDescription(d: { type: 'answer'; sdp: string }): Promise<void>;
  getStats(): Promise<Map<string, PageStats>>;
  close(): void;
}

/** Runs in the page. */
async function pageProbe({ wsUrl, ticket, timeoutMs }: { wsUrl: string; ticket: string; timeoutMs: number }): Promise<ProbeResult> {
  const t0 = performance.now();
  const ws = new WebSocket(wsUrl);
  let pc: RTCPeerConnection | null = null;
  let answerBytes = 0;
  let streams = 0;
  let n = 0;
  const send = (m: object) => ws.send(JSON.stringify(m));
  const gathered = (c: RTCPeerConnection) =>
    new Promise<void>((resolve) => {
      if (c.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, 2000);
      c.addEventListener('icegatheringstatechange', () => {
        if (c.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  try {
    return await new Promise<ProbeResult>((resolve) => {
      const finish = (ms: number | null, error?: string) => resolve({ ms, answerBytes, streams, ...(error ? { error } : {}) });
      const timer = setTimeout(() => finish(null, 'timeout'), timeoutMs);
      let polling = false;
      const poll = async () => {
        if (polling) return;
        polling = true;
        for (;;) {
          const current = pc;
          if (current) {
            const stats = await current.getStats();
            for (const r of stats.values()) {
              if (r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded ?? 0) > 0) {
                clearTimeout(timer);
                return finish(performance.now() - t0);
              }
            }
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      let offers: Promise<void> = Promise.resolve();
      ws.onopen = () => send({ type: 'hello', id: 'hello', ticket });
      ws.onmessage = (event) => {
        const m = JSON.parse(String(event.data));
        if ((m.type === 'welcome' || m.type === 'status') && m.status === 'joined') send({ type: 'media.receive', id: 'receive' });
        else if (m.type === 'error') finish(null, `${m.code}: ${m.message}`);
        else if (m.type === 'media.offer') {
          offers = offers.then(async () => {
            if (m.fresh || !pc) {
              pc?.close();
              pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
            }
            streams = m.streams.length;
            await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
            await pc.setLocalDescription(await pc.createAnswer());
            await gathered(pc);
            const sdp = pc.localDescription!.sdp;
            answerBytes = Math.max(answerBytes, sdp.length);
            send({ type: 'media.subscriberAnswer', id: `answer-${++n}`, sdp });
            void poll();
          });
        }
      };
    });
  } finally {
    if (ws.readyState === WebSocket.OPEN) send({ type: 'leave' });
    ws.close();
    (pc as RTCPeerConnection | null)?.close();
  }
}

/** Starts Chromium on a page of the server's origin, runs `fn` with a probe, closes Chromium. */
export async function firstRemoteFrame<T>(fn: (probe: BrowserProbe) => Promise<T>, origin?: string): Promise<T> {
  const home = mkdtempSync(path.join(tmpdir(), 'amphi-bench-chromium-'));
  const browser = await chromium.launch({
    executablePath: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
  });
  try {
    const page = await browser.newPage();
    // tsx (esbuild keepNames) wraps named functions in `__name(...)`: give the page one.
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    let at: string | undefined;
    return await fn(async (wsUrl, ticket, timeoutMs) => {
      const http = origin ?? wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/');
      if (at !== http) {
        await page.goto(http).catch(() => undefined);
        at = http;
      }
      return page.evaluate(pageProbe, { wsUrl, ticket, timeoutMs });
    });
  } finally {
    await browser.close();
    rmSync(home, { recursive: true, force: true });
  }
}
