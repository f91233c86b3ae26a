import path from 'node:path';
import { TURN_PORT } from './constants.js';
import { startCoturn } from './coturn.js';

/** Starts the private coturn of this run; the returned function stops it after the last test. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const coturn = await startCoturn({ port: TURN_PORT, secret: process.env.AMPHI_E2E_TURN_SECRET!, workDir: path.join(process.env.AMPHI_E2E_TMP!, 'coturn') });
  return () => coturn.close();
}
