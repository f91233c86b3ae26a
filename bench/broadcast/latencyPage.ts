/**
 * The viewers of the glass-to-glass benchmark, in Debian's Chromium: pages that play the program
 * (hls.js, or a WebRTC peer connection to the audience tier over our protocol) in a <video> and
 * read the clock burned into every displayed frame (clockCode.ts): `requestVideoFrameCallback`
 * gives each frame as it is presented, its top-left strip is drawn to a canvas and decoded, and
 * latency = when the frame is displayed − when it was made.
 *
 * The functions below run in the page (Playwright serialises them): they only use what the page
 * has, and the globals `installClockGlobals` puts there.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../e2e/support/constants.js';
import { decodeClock, type ClockLayout } from './clockCode.js';

/** One decoded frame: wall clock when read (ms), latency (ms), height of the picture (which rung). */
export type Sample = [at: number, latencyMs: number, height: number];

export interface ClockState {
  samples: Sample[];
  /** hls.js's own view when read (seconds): its latency estimate to the live edge, its target, the playback rate. */
  player?: { latency: number; targetLatency: number | null; playbackRate: number; bufferedAhead: number };
  /** Frames presented (with a picture) and frames whose code could not be read. */
  frames: number;
  failures: number;
  errors: string[];
}

// ------------------------------------------------------------------ the page's own API (no DOM library here)

interface PageImageData {
  data: Uint8ClampedArray;
}
interface Page2d {
  drawImage(source: unknown, sx: number, sy: number, sw: number, sh: number, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(x: number, y: number, w: number, h: number): PageImageData;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d', options?: { willReadFrequently: boolean }): Page2d | null;
}
interface FrameMetadata {
  /** When the frame is expected to be visible (performance.now() time base). */
  expectedDisplayTime: number;
}
interface PageVideo {
  muted: boolean;
  playbackRate: number;
  currentTime: number;
  buffered: { length: number; end(i: number): number };
  autoplay: boolean;
  videoWidth: number;
  videoHeight: number;
  srcObject: unknown;
  play(): Promise<void>;
  requestVideoFrameCallback(callback: (now: number, metadata: FrameMetadata) => void): number;
}
interface PageImage {
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  decode(): Promise<void>;
}
declare const document: {
  createElement(tag: 'video'): PageVideo;
  createElement(tag: 'canvas'): PageCanvas;
  createElement(tag: 'img'): PageImage;
  body: { append(node: unknown): void };
};
declare class MediaStream {
  addTrack(track: unknown): void;
}
declare class RTCPeerConnection {
  constructor(config: { bundlePolicy: string });
  ontrack: ((event: { track: unknown }) => void) | null;
  readonly iceGatheringState: string;
  readonly localDescription: { sdp: string } | null;
  addEventListener(type: string, listener: () => void): void;
  setRemoteDescription(d: { type: 'offer'; sdp: string }): Promise<void>;
  createAnswer(): Promise<{ type: 'answer'; sdp: string }>;
  setLocalDescription(d: { type: 'answer'; sdp: string }): Promise<void>;
}
interface HlsInstance {
  latency: number;
  targetLatency: number | null;
  on(event: string, listener: (event: string, data: { fatal?: boolean; details?: string; url?: string; response?: { code?: number } }) => void): void;
  loadSource(url: string): void;
  attachMedia(video: PageVideo): void;
}
interface HlsClass {
  new (config?: Record<string, unknown>): HlsInstance;
  Events: { ERROR: string };
}
interface PageGlobals {
  decodeClock: typeof decodeClock;
  clockedVideo: typeof clockedVideo;
  Hls: HlsClass;
  __clock: ClockState;
  __player?: () => ClockState['player'];
}

// ------------------------------------------------------------------ in the page

/** A muted autoplaying <video> whose every presented frame's code is read into `globalThis.__clock`. */
function clockedVideo(layout: ClockLayout, epochMs: number): { video: PageVideo; state: ClockState } {
  const g = globalThis as unknown as PageGlobals;
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  const state: ClockState = { samples: [], frames: 0, failures: 0, errors: [] };
  g.__clock = state;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const onFrame = (_now: number, metadata: FrameMetadata) => {
    video.requestVideoFrameCallback(onFrame);
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h || !context) return;
    state.frames++;
    // The strip at this rung's scale.
    const blockW = (layout.block * w) / layout.width;
    const blockH = (layout.block * h) / layout.height;
    const cw = Math.ceil(blockW * layout.bits);
    const ch = Math.ceil(blockH * 2);
    if (canvas.width !== cw) canvas.width = cw;
    if (canvas.height !== ch) canvas.height = ch;
    context.drawImage(video, 0, 0, cw, ch, 0, 0, cw, ch);
    const value = g.decodeClock(context.getImageData(0, 0, cw, ch).data, cw, blockW, blockH, layout.bits);
    if (value === null) {
      state.failures++;
      return;
    }
    const shownAt = performance.timeOrigin + metadata.expectedDisplayTime;
    state.samples.push([Date.now(), shownAt - (epochMs + value), h]);
  };
  video.requestVideoFrameCallback(onFrame);
  return { video, state };
}

/** Plays `src` with hls.js (`config`) and samples it. */
function hlsViewer({ src, config, layout, epochMs }: { src: string; config: Record<string, unknown>; layout: ClockLayout; epochMs: number }): void {
  const g = globalThis as unknown as PageGlobals;
  const { video, state } = g.clockedVideo(layout, epochMs);
  const hls = new g.Hls(config);
  hls.on(g.Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) state.errors.push(`hls.js fatal: ${data.details} ${data.response?.code ?? ''} ${data.url ?? ''}`);
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  g.__player = () => ({
    latency: hls.latency,
    targetLatency: hls.targetLatency,
    playbackRate: video.playbackRate,
    bufferedAhead: video.buffered.length ? video.buffered.end(video.buffered.length - 1) - video.currentTime : 0,
  });
  video.play().catch((err: unknown) => state.errors.push(`play: ${String(err)}`));
}

/**
 * Joins with `ticket` over our protocol, asks for the WebRTC program (`audience.watch`),
 * answers Janus' offer without trickle (as WebRtcPlayer does) and samples the video.
 */
function webrtcViewer({ wsUrl, ticket, layout, epochMs }: { wsUrl: string; ticket: string; layout: ClockLayout; epochMs: number }): void {
  const g = globalThis as unknown as PageGlobals;
  const { video, state } = g.clockedVideo(layout, epochMs);
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const stream = new MediaStream();
  pc.ontrack = ({ track }) => {
    stream.addTrack(track);
    // Once: a second assignment (the other track) would interrupt the first play().
    if (video.srcObject) return;
    video.srcObject = stream;
    video.play().catch((err: unknown) => state.errors.push(`play: ${String(err)}`));
  };
  const gathered = () =>
    new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, 2000);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  const ws = new WebSocket(wsUrl);
  const send = (m: object) => ws.send(JSON.stringify(m));
  let watching = false;
  let n = 0;
  let answering = Promise.resolve();
  ws.onopen = () => send({ type: 'hello', id: 'hello', ticket });
  ws.onmessage = (event) => {
    const m = JSON.parse(String(event.data)) as { type: string; status?: string; sdp?: string; code?: string; message?: string };
    if ((m.type === 'welcome' || m.type === 'status') && m.status === 'joined' && !watching) {
      watching = true;
      send({ type: 'audience.watch', id: 'watch' });
    } else if (m.type === 'error') state.errors.push(`${m.code}: ${m.message}`);
    else if (m.type === 'audience.offer') {
      answering = answering.then(async () => {
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp! });
        await pc.setLocalDescription(await pc.createAnswer());
        await gathered();
        send({ type: 'audience.answer', id: `answer-${++n}`, sdp: pc.localDescription!.sdp });
      });
    }
  };
}

/** Decodes pictures given as data: URLs (the known-frame check). */
async function decodePictures({ urls, layout }: { urls: string[]; layout: ClockLayout }): Promise<(number | null)[]> {
  const g = globalThis as unknown as PageGlobals;
  const out: (number | null)[] = [];
  for (const url of urls) {
    const img = document.createElement('img');
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(img, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const blockW = (layout.block * canvas.width) / layout.width;
    const blockH = (layout.block * canvas.height) / layout.height;
    out.push(g.decodeClock(data, canvas.width, blockW, blockH, layout.bits));
  }
  return out;
}

// ------------------------------------------------------------------ in Node

const hlsJsPath = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

/** A Chromium with one page per viewer, each in its own context (no shared throttling). */
export class ViewerBrowser {
  readonly #browser: Browser;
  readonly #home: string;

  private constructor(browser: Browser, home: string) {
    this.#browser = browser;
    this.#home = home;
  }

  static async launch(): Promise<ViewerBrowser> {
    const home = mkdtempSync(path.join(tmpdir(), 'amphi-bench-g2g-chromium-'));
    const browser = await chromium.launch({
      executablePath: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
    return new ViewerBrowser(browser, home);
  }

  /**
   * A page of `origin` (any URL there: only the origin matters, for WebSocket and fetch rules)
   * with the clock decoder and hls.js. The CSP of Amphi's own pages is bypassed to add them.
   */
  async page(url: string): Promise<ViewerPage> {
    const context = await this.#browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    // tsx (esbuild keepNames) wraps named functions in `__name(...)`: give the page one.
    await page.addInitScript(`globalThis.__name = (fn) => fn; globalThis.decodeClock = ${decodeClock.toString()}; globalThis.clockedVideo = ${clockedVideo.toString()};`);
    await page.goto(url);
    await page.addScriptTag({ content: readFileSync(hlsJsPath, 'utf8') });
    return new ViewerPage(page);
  }

  async close(): Promise<void> {
    await this.#browser.close();
    rmSync(this.#home, { recursive: true, force: true });
  }
}

export class ViewerPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  hls(src: string, config: Record<string, unknown>, layout: ClockLayout, epochMs: number): Promise<void> {
    return this.page.evaluate(hlsViewer, { src, config, layout, epochMs });
  }

  webrtc(wsUrl: string, ticket: string, layout: ClockLayout, epochMs: number): Promise<void> {
    return this.page.evaluate(webrtcViewer, { wsUrl, ticket, layout, epochMs });
  }

  decode(urls: string[], layout: ClockLayout): Promise<(number | null)[]> {
    return this.page.evaluate(decodePictures, { urls, layout });
  }

  /** What the page has read so far. */
  state(): Promise<ClockState> {
    return this.page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const player = g.__player?.();
      return { ...g.__clock, ...(player ? { player } : {}) };
    });
  }
}
