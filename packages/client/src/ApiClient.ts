import { z } from 'zod';
import {
  ErrorBody,
  InstanceSettings,
  IssuedLti11Consumer,
  Lti11Consumer,
  LtiDeepLinkAnswer,
  LtiDeepLinkOptions,
  LtiKeyRotated,
  LtiPlatform,
  LtiPlatformCreated,
  LtiPlatformList,
  LtiRoomSettings,
  LtiRoster,
  LtiSession,
  InviteResponse,
  IssuedStreamKey,
  JoinPreview,
  JoinResponse,
  MeResponse,
  Room,
  RoomLink,
  RoomLinks,
  StreamKeyInfo,
  User,
  isErrorCode,
  type ErrorCode,
  type LinkRole,
  type LtiDeepLinkChoice,
  type LtiPlatformRegistrationBody,
  type UpdateLtiRoomSettingsBody,
  type RoomKind,
  type RoomSettings,
} from '@amphi/protocol';

/** An HTTP error answered by the server, with its registry code. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const SignedIn = z.object({ user: User, csrfToken: z.string() });

export interface ApiClientOptions {
  /** Server origin, e.g. `http://localhost:8080` ('' in the browser for same-origin). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Keep the session cookie by hand (Node has no cookie jar; browsers do it themselves). */
  manageCookies?: boolean;
  /**
   * Authenticate every call with this bearer token (an LTI launch's app or deep linking token)
   * and never with cookies: inside an LMS's iframe they are third-party and blocked, and a
   * session cookie there would be someone else's identity.
   */
  bearer?: string;
}

/**
 * Typed calls to the Amphi HTTP API. Keeps the CSRF token that cookie-authenticated
 * writes must carry, and (in Node) the session cookie.
 */
export class ApiClient {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #manageCookies: boolean;
  readonly #bearer: string | undefined;
  #csrf: string | null = null;
  #cookie: string | null = null;

  constructor(options: ApiClientOptions = {}) {
    this.#base = options.baseUrl ?? '';
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#manageCookies = options.manageCookies ?? false;
    this.#bearer = options.bearer;
  }

  async me(): Promise<MeResponse> {
    const me = await this.#call('GET', '/api/me', MeResponse);
    this.#csrf = me.csrfToken;
    return me;
  }
  async signUp(body: { email: string; password: string; name: string; invite?: string }): Promise<User> {
    const res = await this.#call('POST', '/api/auth/signup', SignedIn, body);
    this.#csrf = res.csrfToken;
    return res.user;
  }
  async signIn(body: { email: string; password: string }): Promise<User> {
    const res = await this.#call('POST', '/api/auth/signin', SignedIn, body);
    this.#csrf = res.csrfToken;
    return res.user;
  }
  async signOut(): Promise<void> {
    await this.#call('POST', '/api/auth/signout', null);
    this.#csrf = null;
    this.#cookie = null;
  }
  async changePassword(body: { currentPassword: string; newPassword: string }): Promise<void> {
    await this.#call('POST', '/api/auth/password', null, body);
  }
  listRooms(): Promise<Room[]> {
    return this.#call('GET', '/api/rooms', z.array(Room));
  }
  createRoom(body: { title: string; kind: RoomKind; settings?: Partial<RoomSettings> }): Promise<Room> {
    return this.#call('POST', '/api/rooms', Room, body);
  }
  getRoom(id: string): Promise<Room> {
    return this.#call('GET', `/api/rooms/${encodeURIComponent(id)}`, Room);
  }
  updateRoom(id: string, body: { title?: string; kind?: RoomKind; settings?: Partial<RoomSettings> }): Promise<Room> {
    return this.#call('PATCH', `/api/rooms/${encodeURIComponent(id)}`, Room, body);
  }
  async deleteRoom(id: string): Promise<void> {
    await this.#call('DELETE', `/api/rooms/${encodeURIComponent(id)}`, null);
  }
  links(id: string): Promise<RoomLinks> {
    return this.#call('GET', `/api/rooms/${encodeURIComponent(id)}/links`, RoomLinks);
  }
  rotateLink(id: string, role: LinkRole, expiresInHours?: number): Promise<RoomLink> {
    return this.#call('POST', `/api/rooms/${encodeURIComponent(id)}/links/${role}/rotate`, RoomLink, expiresInHours === undefined ? {} : { expiresInHours });
  }
  streamKey(id: string): Promise<StreamKeyInfo> {
    return this.#call('GET', `/api/rooms/${encodeURIComponent(id)}/stream-key`, StreamKeyInfo);
  }
  /** Creates or replaces the room's RTMP stream key; the answer is the only place the key appears. */
  rotateStreamKey(id: string): Promise<IssuedStreamKey> {
    return this.#call('POST', `/api/rooms/${encodeURIComponent(id)}/stream-key`, IssuedStreamKey);
  }
  async revokeStreamKey(id: string): Promise<void> {
    await this.#call('DELETE', `/api/rooms/${encodeURIComponent(id)}/stream-key`, null);
  }
  addCohost(id: string, email: string): Promise<Room> {
    return this.#call('POST', `/api/rooms/${encodeURIComponent(id)}/cohosts`, Room, { email });
  }
  removeCohost(id: string, userId: string): Promise<Room> {
    return this.#call('DELETE', `/api/rooms/${encodeURIComponent(id)}/cohosts/${encodeURIComponent(userId)}`, Room);
  }
  joinPreview(token: string): Promise<JoinPreview> {
    return this.#call('POST', '/api/join/preview', JoinPreview, { token });
  }
  join(body: { token: string; displayName?: string } | { roomId: string; displayName?: string }): Promise<JoinResponse> {
    return this.#call('POST', '/api/join', JoinResponse, body);
  }
  adminSettings(): Promise<InstanceSettings> {
    return this.#call('GET', '/api/admin/settings', InstanceSettings);
  }
  setAdminSettings(body: InstanceSettings): Promise<InstanceSettings> {
    return this.#call('PUT', '/api/admin/settings', InstanceSettings, body);
  }
  invite(body: { email?: string; role: 'admin' | 'teacher' }): Promise<z.infer<typeof InviteResponse>> {
    return this.#call('POST', '/api/admin/invites', InviteResponse, body);
  }

  // Administrators' LTI settings (cookie session).
  ltiPlatforms(): Promise<LtiPlatformList> {
    return this.#call('GET', '/api/admin/lti/platforms', LtiPlatformList);
  }
  addLtiPlatform(body: LtiPlatformRegistrationBody): Promise<LtiPlatformCreated> {
    return this.#call('POST', '/api/admin/lti/platforms', LtiPlatformCreated, body);
  }
  async removeLtiPlatform(id: string): Promise<void> {
    await this.#call('DELETE', `/api/admin/lti/platforms/${encodeURIComponent(id)}`, null);
  }
  /** Replaces a platform's deployment ids (at least one); the platform keeps its id. */
  setLtiDeployments(id: string, deploymentIds: readonly string[]): Promise<LtiPlatform> {
    return this.#call('PUT', `/api/admin/lti/platforms/${encodeURIComponent(id)}/deployments`, LtiPlatform, { deploymentIds });
  }
  /** Makes a new signing key; the previous one stays published for an hour. */
  rotateLtiKey(): Promise<LtiKeyRotated> {
    return this.#call('POST', '/api/admin/lti/keys/rotate', LtiKeyRotated);
  }
  lti11Consumers(): Promise<Lti11Consumer[]> {
    return this.#call('GET', '/api/admin/lti/consumers', z.array(Lti11Consumer));
  }
  /** The answer is the only place the consumer's secret appears. */
  addLti11Consumer(name: string): Promise<IssuedLti11Consumer> {
    return this.#call('POST', '/api/admin/lti/consumers', IssuedLti11Consumer, { name });
  }
  async removeLti11Consumer(consumerKey: string): Promise<void> {
    await this.#call('DELETE', `/api/admin/lti/consumers/${encodeURIComponent(consumerKey)}`, null);
  }

  // With an LTI launch's token (`bearer`).
  /** The room, role and name an app token stands for. */
  ltiSession(): Promise<LtiSession> {
    return this.#call('GET', '/api/lti/session', LtiSession);
  }
  /** A one-time ticket to open the room's WebSocket, as `join` gives. */
  ltiJoin(): Promise<JoinResponse> {
    return this.#call('POST', '/api/lti/join', JoinResponse, {});
  }
  /** The course roster with who joined (moderators). */
  ltiRoster(): Promise<LtiRoster> {
    return this.#call('GET', '/api/lti/roster', LtiRoster);
  }
  ltiRoomSettings(): Promise<LtiRoomSettings> {
    return this.#call('GET', '/api/lti/room-settings', LtiRoomSettings);
  }
  updateLtiRoomSettings(change: UpdateLtiRoomSettingsBody): Promise<LtiRoomSettings> {
    return this.#call('PUT', '/api/lti/room-settings', LtiRoomSettings, change);
  }
  /** With a deep linking token: the rooms already placed in the course. */
  ltiDeepLinkOptions(): Promise<LtiDeepLinkOptions> {
    return this.#call('GET', '/api/lti/deep-link', LtiDeepLinkOptions);
  }
  /** With a deep linking token: places a room, answering what to post back to the platform. */
  ltiDeepLink(choice: LtiDeepLinkChoice): Promise<LtiDeepLinkAnswer> {
    return this.#call('POST', '/api/lti/deep-link', LtiDeepLinkAnswer, choice);
  }

  /** The WebSocket URL of this server. */
  wsUrl(): string {
    const base = this.#base || ((globalThis as { location?: { origin: string } }).location?.origin ?? '');
    return base.replace(/^http/, 'ws') + '/ws';
  }

  async #call<T>(method: string, path: string, schema: z.ZodType<T> | null, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#bearer !== undefined) headers.authorization = `Bearer ${this.#bearer}`;
    else {
      if (method !== 'GET' && this.#csrf) headers['x-csrf-token'] = this.#csrf;
      if (this.#cookie) headers.cookie = this.#cookie;
    }
    const credentials = this.#bearer !== undefined ? 'omit' : 'same-origin';
    const res = await this.#fetch(this.#base + path, { method, headers, credentials, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (this.#manageCookies) {
      const setCookie = res.headers.get('set-cookie');
      const match = setCookie?.match(/amphi_session=([^;]*)/);
      if (match) this.#cookie = match[1] ? `amphi_session=${match[1]}` : null;
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page: the status says enough.
    }
    if (!res.ok) {
      const parsed = ErrorBody.safeParse(json);
      const code: ErrorCode = parsed.success && isErrorCode(parsed.data.code) ? parsed.data.code : 'INTERNAL';
      throw new ApiError(code, res.status, parsed.success ? parsed.data.message : res.statusText, parsed.success ? (parsed.data.issues ?? []) : []);
    }
    return schema === null ? (undefined as T) : schema.parse(json);
  }
}
