import { LtiLaunchPayload, type LtiPlatformStorage } from '@amphi/protocol';
import { tabGet, tabSet } from '../ui/tabStorage.js';

/**
 * How the web app starts inside an LMS (LTI): the page answering a launch carries its data in
 * `<meta name="amphi-lti">`; "open in a new window" passes the app token in a `#lti=` fragment
 * (a fragment never reaches servers or caches); a reload inside the frame (GET /lti/app) finds
 * the token kept in the tab (ui/tabStorage). The app runs on that token, never on cookies (an LMS iframe is
 * third-party: browsers block its cookies).
 */

/** Where the launch the app runs on is kept for this tab (so per LMS frame; see ui/tabStorage). */
export const LTI_STORAGE_KEY = 'amphi.lti';
/** Where the app stays after reading a launch: a reload there does not post the launch again. */
export const LTI_APP_PATH = '/lti/app';

/** A launch the app can run on: a room, or a deep linking request (the picker). */
export interface StoredLaunch {
  readonly kind: 'room' | 'deepLinking';
  readonly token: string;
}

/** What the app shows first in LTI mode. */
export type LtiStart =
  /** Check the launch in the platform's storage first, then run on it (and keep it). */
  | { readonly kind: 'check'; readonly launch: StoredLaunch; readonly storage: LtiPlatformStorage }
  /** Run on this launch. */
  | { readonly kind: 'run'; readonly launch: StoredLaunch }
  /** Reloaded, or opened without a launch: the person must open the activity again from the course. */
  | { readonly kind: 'missing' };

/** The launch data of the page (`<meta name="amphi-lti">`), or null when there is none or it does not parse. */
export function readLaunchMeta(content: string | null | undefined): LtiLaunchPayload | null {
  if (!content) return null;
  try {
    const parsed = LtiLaunchPayload.safeParse(JSON.parse(content));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The app token of a `#lti=<token>` fragment ("open in a new window"), or null. */
export function readFragmentToken(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('lti');
  return token ? token : null;
}

/** The launch kept in this tab, or null when there is none or it does not parse. */
export function readStoredLaunch(value: string | null): StoredLaunch | null {
  if (!value) return null;
  try {
    const data: unknown = JSON.parse(value);
    if (typeof data !== 'object' || data === null || !('kind' in data) || !('token' in data)) return null;
    const { kind, token } = data;
    if ((kind !== 'room' && kind !== 'deepLinking') || typeof token !== 'string' || token === '') return null;
    return { kind, token };
  } catch {
    return null;
  }
}

/**
 * Decides how LTI mode starts: a new launch (meta) wins, then a token handed over in the
 * fragment, then the launch kept in this tab. `store` is the launch to keep now (null: keep
 * what is kept); a launch to check is kept only once the platform confirmed it.
 */
export function decideLtiStart(input: { meta: LtiLaunchPayload | null; fragmentToken: string | null; stored: StoredLaunch | null }): { start: LtiStart; store: StoredLaunch | null } {
  const { meta, fragmentToken, stored } = input;
  if (meta && meta.kind !== 'resume') {
    const launch: StoredLaunch = { kind: meta.kind, token: meta.token };
    if (meta.storage) return { start: { kind: 'check', launch, storage: meta.storage }, store: null };
    return { start: { kind: 'run', launch }, store: launch };
  }
  if (fragmentToken !== null) {
    const launch: StoredLaunch = { kind: 'room', token: fragmentToken };
    return { start: { kind: 'run', launch }, store: launch };
  }
  if (stored) return { start: { kind: 'run', launch: stored }, store: null };
  return { start: { kind: 'missing' }, store: null };
}

/** Keeps a launch in this tab: a reload in the frame resumes on it. */
export function keepLaunch(launch: StoredLaunch): void {
  tabSet(LTI_STORAGE_KEY, JSON.stringify(launch));
}

let started: LtiStart | undefined;

/**
 * Reads the launch of this page once (meta, fragment, storage), keeps it, and replaces the URL
 * with /lti/app without the fragment: a reload resumes instead of posting the launch again,
 * and the token does not stay in the address bar or the history.
 */
export function ltiStart(): LtiStart {
  if (started) return started;
  const meta = readLaunchMeta(document.querySelector('meta[name="amphi-lti"]')?.getAttribute('content'));
  const { start, store } = decideLtiStart({ meta, fragmentToken: readFragmentToken(window.location.hash), stored: readStoredLaunch(tabGet(LTI_STORAGE_KEY)) });
  if (window.location.pathname !== LTI_APP_PATH || window.location.hash !== '') {
    window.history.replaceState(window.history.state, '', LTI_APP_PATH);
  }
  if (store) keepLaunch(store);
  started = start;
  return start;
}

/** Whether the app is shown inside another page (the LMS's iframe). */
export function isFramed(): boolean {
  try {
    return window.top !== window.self;
  } catch {
    // Reading window.top can throw in some sandboxes: that is a frame too.
    return true;
  }
}

/** Opens the room in a new top-level window, handing the app token over in the fragment (no cookie needed). */
export function openInNewWindow(token: string): void {
  window.open(`${LTI_APP_PATH}#lti=${encodeURIComponent(token)}`, '_blank', 'noopener');
}
