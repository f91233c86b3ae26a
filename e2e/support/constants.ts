/** Fixed port of the server started for the browser tests. */
export const PORT = 18931;
export const BASE_URL = `http://127.0.0.1:${PORT}`;
/** The first administrator, created by the server on its first start. */
export const ADMIN_EMAIL = 'admin@e2e.example';
export const ADMIN_PASSWORD = 'e2e-admin-password-0001';
/** Port of the private coturn started for the browser tests (relay-only connections). */
export const TURN_PORT = 18932;

/** Debian Chromium's flags for media tests (fake camera, microphone and screen; no network chatter). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];
