import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, CHROMIUM_ARGS, PORT, TURN_PORT } from './support/constants.js';
import { outwardIPv4 } from './support/coturn.js';

const repoRoot = path.resolve(import.meta.dirname, '..');

// This file is read by the main process and again by each worker. The main process makes
// one fresh temporary folder per run (server data, Chromium's config and cache) and removes
// it on exit; workers inherit it through the environment.
if (!process.env.AMPHI_E2E_TMP) {
  const dir = mkdtempSync(path.join(tmpdir(), 'amphi-e2e-'));
  process.env.AMPHI_E2E_TMP = dir;
  // The TURN server's secret, shared by the Amphi server (which signs credentials) and the
  // coturn that global setup starts.
  process.env.AMPHI_E2E_TURN_SECRET = randomBytes(24).toString('base64url');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  // Everyone's fake microphone plays a voice-like tone (the default fake audio is a short beep a
  // second, too quiet on average for Janus to report anyone as speaking). Generated, never committed.
  // A gliding, pulsing tone: Chromium's noise suppression would fade out a steady one.
  const voice = '0.6*sin(2*PI*(220+120*sin(2*PI*0.7*t))*t)*(0.55+0.45*sin(2*PI*3*t))';
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `aevalsrc=${voice}:s=16000:d=30`, '-ac', '1', path.join(dir, 'tone.wav')]);
  if (!existsSync(path.join(repoRoot, 'packages/web/dist/index.html'))) {
    throw new Error('The web app is not built: run `npm run build:web` first.');
  }
}
const tmp = process.env.AMPHI_E2E_TMP;
for (const sub of ['config', 'cache']) mkdirSync(path.join(tmp, sub), { recursive: true });
// Chromium writes crash reports and caches here instead of the home folder.
process.env.XDG_CONFIG_HOME = path.join(tmp, 'config');
process.env.XDG_CACHE_HOME = path.join(tmp, 'cache');

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  outputDir: path.join(tmp, 'test-results'),
  globalSetup: './support/globalSetup.ts',
  use: {
    baseURL: BASE_URL,
    locale: 'en-US',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${path.join(tmp, 'tone.wav')}`],
    },
  },
  // The real server, with a fresh database for this run.
  webServer: {
    command: 'node --import tsx packages/server/src/main.ts',
    cwd: repoRoot,
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    env: {
      AMPHI_PORT: String(PORT),
      AMPHI_HOST: '127.0.0.1',
      AMPHI_PUBLIC_URL: BASE_URL,
      AMPHI_DATA_DIR: path.join(tmp, 'data'),
      AMPHI_ADMIN_EMAIL: ADMIN_EMAIL,
      AMPHI_ADMIN_PASSWORD: ADMIN_PASSWORD,
      AMPHI_SCRYPT_LOG_N: '12',
      AMPHI_RATE_SIGNIN: '1000',
      AMPHI_RATE_JOIN: '1000',
      AMPHI_RATE_API: '10000',
      AMPHI_LOG_LEVEL: 'warn',
      // Lectures: a private RTMP port, a light ladder, and a WebRTC tier of one viewer (the
      // second one falls back to HLS, so both players are tested).
      AMPHI_RTMP_PORT: '18935',
      AMPHI_HLS_LADDER: '360p',
      AMPHI_HLS_PRESET: 'ultrafast',
      AMPHI_AUDIENCE_WEBRTC_MAX: '1',
      AMPHI_TURN_URLS: `turn:${outwardIPv4()}:${TURN_PORT}?transport=udp`,
      AMPHI_TURN_SECRET: process.env.AMPHI_E2E_TURN_SECRET!,
    },
  },
});
