import { DEFAULT_ROOM_SETTINGS, type Role, type RoomKind } from '@amphi/protocol';
import type { TokenSigner } from '../auth/index.js';
import type { LtiContextRecord, LtiLaunchStore, LtiPlatformRecord, LtiResourceLinkRecord, LtiStore, RoomRecord, RoomStore } from '../storage/index.js';
import { JwksCache, type FetchJwks } from './jwks.js';
import { verifyLaunch } from './launch.js';
import { chooseRoom, displayNameFor, launchRole, mayCreateRoom, roomKindFor, roomTitleFor, type RoomFacts } from './launchRoom.js';
import { verifyLti11Launch, type FormParams, type Lti11Launch } from './lti11.js';
import { ltiError } from './ltiError.js';
import type { LoginStateStore } from './loginState.js';
import { initiateLogin, type LoginRedirect } from './oidcLogin.js';
import type { PlatformRegistration } from './platform.js';
import type { Sealer } from './sealing.js';

/** Lifetime of the web app's LTI app token (seconds): a new launch gives a new one. */
export const LTI_APP_TOKEN_TTL_S = 3600;
/** Lifetime of a deep linking request's token (seconds): the teacher picks or creates a room meanwhile. */
export const LTI_DEEP_LINK_TTL_S = 600;
/** Lifetime of an `amphi_room` placement (seconds): as long as the activity lives (ten years). */
const LTI_ROOM_TOKEN_TTL_S = 10 * 365 * 24 * 3600;
/** LTI 1.1 identities, courses and activities are namespaced by consumer key. */
export const LTI11_ISSUER_PREFIX = 'lti11:';

/** Where a launch leads. */
export type LaunchResult =
  | {
      readonly kind: 'room';
      readonly appToken: string;
      readonly room: { readonly id: string; readonly title: string; readonly kind: RoomKind };
      readonly role: Role;
      readonly name: string;
      /** Whether this launch made the room. */
      readonly created: boolean;
      /** Platform storage to check the state in (LTI 1.3 postMessage flow), with the platform's origin. */
      readonly storage?: PlatformStorageCheck;
    }
  | { readonly kind: 'notOpened'; readonly title: string | null }
  | { readonly kind: 'deepLinking'; readonly token: string; readonly storage?: PlatformStorageCheck };

/** What the launch page checks in the platform's storage before using its token. */
export interface PlatformStorageCheck {
  readonly target: string;
  readonly origin: string;
  readonly key: string;
  readonly value: string;
}

/** The platform storage key under which the login page puts a state. */
export function storageKeyFor(state: string): string {
  return `amphi_state_${state.slice(0, 32)}`;
}

export interface LtiLaunchServiceOptions {
  lti: LtiStore;
  launches: LtiLaunchStore;
  rooms: RoomStore;
  signer: TokenSigner;
  sealer: Sealer;
  /** Amphi's public base URL (the redirect URI is `<publicUrl>/lti/launch`). */
  publicUrl: string;
  /** Fetches a platform's JWKS (default: HTTP GET with a 5 s timeout). */
  fetchJwks?: FetchJwks;
  /** Least time between two fetches of a platform's key set, in milliseconds (default 60,000). */
  jwksCooldownMs?: number;
  /** Clock in epoch milliseconds. */
  now?: () => number;
}

/** Fetches a JSON document with a timeout; a failure names the URL, not the body. */
async function httpFetchJwks(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
  if (!response.ok) throw ltiError(`The platform's key set could not be fetched (HTTP ${response.status}).`);
  return response.json();
}

/**
 * LTI launches, around the pure verifiers: login initiation with states in the database,
 * LTI 1.3 and 1.1 launch verification, then the mapping — identity keyed by (issuer, sub),
 * course, activity → room (made on an instructor's first launch), role — and the app token
 * the web app runs on.
 */
export class LtiLaunchService {
  readonly #o: LtiLaunchServiceOptions;
  readonly #now: () => number;
  readonly #jwks: JwksCache;
  readonly #states: LoginStateStore;

  constructor(options: LtiLaunchServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#jwks = new JwksCache({ fetchJwks: options.fetchJwks ?? httpFetchJwks, now: this.#now, ...(options.jwksCooldownMs !== undefined ? { cooldownMs: options.jwksCooldownMs } : {}) });
    this.#states = { put: (state, value) => options.launches.putLoginState(state, value), take: (state) => options.launches.takeLoginState(state) };
  }

  get redirectUri(): string {
    return `${this.#o.publicUrl}/lti/launch`;
  }

  /** Answers a third-party login initiation (GET query or POST form). */
  login(params: unknown): Promise<LoginRedirect> {
    return initiateLogin(params, { platforms: (issuer) => this.#o.lti.platformsFor(issuer), states: this.#states, redirectUri: this.redirectUri, now: this.#now });
  }

  /** Verifies an LTI 1.3 launch (the form posted to /lti/launch) and decides where it leads. */
  async launch(form: unknown): Promise<LaunchResult> {
    // Read once: the verifier looks the registration up, and the launch needs its id.
    let registrations: LtiPlatformRecord[] = [];
    const platforms = async (issuer: string) => (registrations = await this.#o.lti.platformsFor(issuer));
    const launch = await verifyLaunch(form, { platforms, states: this.#states, keys: this.#jwks, now: this.#now });
    const platform = registrations.find((p) => p.issuer === launch.issuer && p.clientId === launch.clientId);
    const state = (form as { state: string }).state;
    const storage = launch.storageTarget !== undefined && platform ? { target: launch.storageTarget, origin: new URL(platform.authUrl).origin, key: storageKeyFor(state), value: state } : undefined;
    const withStorage = <T extends object>(result: T): T => (storage ? { ...result, storage } : result);

    const identity = await this.#o.launches.upsertIdentity({ issuer: launch.issuer, sub: launch.sub, name: launch.name ?? null, email: launch.email ?? null });
    const context = launch.context
      ? await this.#o.launches.upsertContext({
          issuer: launch.issuer,
          contextId: launch.context.id,
          title: launch.context.title ?? null,
          label: launch.context.label ?? null,
          membershipsUrl: launch.namesRoles?.contextMembershipsUrl ?? null,
          platformId: platform?.id ?? null,
        })
      : null;

    if (launch.messageType === 'LtiDeepLinkingRequest') {
      if (!mayCreateRoom(launch.roles)) throw ltiError('Only an instructor can add Amphi to a course.');
      const settings = launch.deepLinking!;
      if (!platform) throw ltiError(`Launch: the platform ${launch.issuer} is no longer registered.`);
      const token = await this.#o.signer.sign(
        {
          typ: 'ltidl',
          iid: identity.id,
          pid: platform.id,
          dep: launch.deploymentId,
          ...(context ? { ctx: context.id } : {}),
          ret: settings.returnUrl,
          ...(settings.data !== undefined ? { data: settings.data } : {}),
          multi: settings.acceptMultiple ?? false,
        },
        LTI_DEEP_LINK_TTL_S,
      );
      return withStorage({ kind: 'deepLinking', token });
    }
    const result = await this.#resourceLaunch({
      issuer: launch.issuer,
      platformId: platform?.id ?? null,
      identityId: identity.id,
      name: displayNameFor(launch.name, launch.email, launch.sub),
      roles: launch.roles,
      resourceLink: launch.resourceLink!,
      context,
      custom: launch.custom,
      grades: launch.gradeService ? { lineItemsUrl: launch.gradeService.lineItems ?? null, lineItemUrl: launch.gradeService.lineItem ?? null, agsScope: [...launch.gradeService.scope] } : null,
    });
    return result.kind === 'room' ? withStorage(result) : result;
  }

  /** Verifies an LTI 1.1 launch (OAuth 1.0a HMAC-SHA1) and decides where it leads, as an LTI 1.3 launch would. */
  async launch11(request: { url: string; params: FormParams }): Promise<LaunchResult> {
    const launch: Lti11Launch = await verifyLti11Launch(
      { method: 'POST', url: request.url, params: request.params },
      {
        consumerSecret: async (key) => {
          const consumer = await this.#o.lti.consumer(key);
          return consumer ? (this.#o.sealer.open(consumer.secretSealed) ?? undefined) : undefined;
        },
        // Remembered twice the timestamp window: a request older than that is refused by its timestamp.
        nonces: { seen: (key, nonce, timestamp) => this.#o.launches.nonceSeen(key, nonce, new Date((timestamp + 2 * 300) * 1000)) },
        now: this.#now(),
      },
    );
    if (launch.userId === undefined) throw ltiError('LTI 1.1 launch rejected: anonymous launches (no user_id) are not accepted.');
    const issuer = LTI11_ISSUER_PREFIX + launch.consumerKey;
    const name = launch.name ?? ([launch.givenName, launch.familyName].filter(Boolean).join(' ') || undefined);
    const identity = await this.#o.launches.upsertIdentity({ issuer, sub: launch.userId, name: name ?? null, email: launch.email ?? null });
    const context = launch.context
      ? await this.#o.launches.upsertContext({ issuer, contextId: launch.context.id, title: launch.context.title ?? null, label: launch.context.label ?? null, membershipsUrl: null, platformId: null })
      : null;
    return this.#resourceLaunch({
      issuer,
      platformId: null,
      identityId: identity.id,
      name: displayNameFor(name, launch.email, launch.userId),
      roles: launch.roles,
      resourceLink: launch.resourceLink,
      context,
      custom: launch.custom,
      grades: null,
    });
  }

  /** Signs the `amphi_room` custom parameter that places a room in an activity of this issuer. */
  roomPlacement(roomId: string, issuer: string): Promise<string> {
    return this.#o.signer.sign({ typ: 'ltiroom', rid: roomId, lms: issuer }, LTI_ROOM_TOKEN_TTL_S);
  }

  /** The registration a deep linking token was made for. */
  async platform(platformId: string): Promise<PlatformRegistration & { id: string }> {
    const platform = await this.#o.lti.platform(platformId);
    if (!platform) throw ltiError('The learning platform is no longer registered.');
    return platform;
  }

  async #placedRoom(custom: Readonly<Record<string, string>> | undefined, issuer: string): Promise<RoomRecord | null> {
    const token = custom?.amphi_room;
    if (token === undefined) return null;
    try {
      const claims = await this.#o.signer.verifyLtiRoom(token);
      if (claims.lms !== issuer) return null;
      return await this.#o.rooms.get(claims.rid);
    } catch {
      // A parameter edited by hand, or a room of another Amphi: the activity is treated as new.
      return null;
    }
  }

  async #resourceLaunch(input: {
    issuer: string;
    platformId: string | null;
    identityId: string;
    name: string;
    roles: readonly string[];
    resourceLink: { readonly id: string; readonly title?: string };
    context: LtiContextRecord | null;
    custom: Readonly<Record<string, string>> | undefined;
    grades: { lineItemsUrl: string | null; lineItemUrl: string | null; agsScope: string[] } | null;
  }): Promise<LaunchResult> {
    const { launches, rooms } = this.#o;
    let link = await launches.resourceLink(input.issuer, input.resourceLink.id);
    const linkedRoom = link ? await rooms.get(link.roomId) : null;
    const placedRoom = linkedRoom ? null : await this.#placedRoom(input.custom, input.issuer);
    const choice = chooseRoom({ linkedRoom: facts(linkedRoom), placedRoom: facts(placedRoom), ltiRoles: input.roles });
    if (choice.kind === 'notOpened') return { kind: 'notOpened', title: input.resourceLink.title ?? input.context?.title ?? null };

    const linkInput = (roomId: string) => ({
      issuer: input.issuer,
      resourceLinkId: input.resourceLink.id,
      contextRef: input.context?.id ?? null,
      roomId,
      platformId: input.platformId,
      lineItemsUrl: input.grades?.lineItemsUrl ?? null,
      lineItemUrl: input.grades?.lineItemUrl ?? null,
      agsScope: input.grades?.agsScope ?? [],
    });
    let room: RoomRecord;
    let created = false;
    if (choice.kind === 'create') {
      const made = await rooms.create(null, { title: roomTitleFor(input.resourceLink.title, input.context?.title ?? undefined), kind: roomKindFor(input.custom), settings: { ...DEFAULT_ROOM_SETTINGS } });
      link = await launches.linkResource(linkInput(made.id));
      if (link.roomId !== made.id) {
        // Another instructor's launch linked the activity first: theirs is the room.
        await rooms.delete(made.id);
      } else created = true;
      room = (await rooms.get(link.roomId))!;
    } else {
      if (choice.link) link = await launches.linkResource(linkInput(choice.room.id));
      room = choice.kind === 'join' && !choice.link ? linkedRoom! : (await rooms.get(link!.roomId))!;
    }
    if (link && input.grades && !sameGrades(link, input.grades)) await launches.updateGradeService(link.id, input.grades);
    const finalRole = launchRole(input.roles, facts(room)!);
    const appToken = await this.#o.signer.sign({ typ: 'lti', rid: room.id, role: finalRole, name: input.name, iid: input.identityId, rl: link!.id }, LTI_APP_TOKEN_TTL_S);
    return { kind: 'room', appToken, room: { id: room.id, title: room.title, kind: room.kind }, role: finalRole, name: input.name, created };
  }
}

function facts(room: RoomRecord | null): RoomFacts | null {
  return room ? { id: room.id, kind: room.kind, settings: room.settings } : null;
}

function sameGrades(link: LtiResourceLinkRecord, grades: { lineItemsUrl: string | null; lineItemUrl: string | null; agsScope: string[] }): boolean {
  return link.lineItemsUrl === grades.lineItemsUrl && link.lineItemUrl === grades.lineItemUrl && link.agsScope.join(' ') === grades.agsScope.join(' ');
}
