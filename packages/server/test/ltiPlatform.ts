import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { CookieJar, browserFetch, postForm, readForm } from './ltiBrowser.js';
import { coursePage, deepLinkActivityTitle, loginInitiationPage } from './ltiCoursePage.js';
import { PlatformServices, SCOPES, readBody, send, type DeepLinkReturn, type Member, type ToolRegistration } from './ltiPlatformServices.js';

export { CookieJar, postForm } from './ltiBrowser.js';
export { SCOPES, type DeepLinkReturn, type LineItem, type Member, type StoredScore, type ToolRegistration } from './ltiPlatformServices.js';

/**
 * A Moodle-like LTI 1.3 platform on 127.0.0.1 for the integration tests: its own RSA keys
 * (rotatable) published at /jwks, the OIDC login dance (/auth), the deep linking return
 * (/deep-link-return), and the Advantage services (/token, /nrps/:contextId, /ags/:contextId/…).
 * Everything it receives is kept for assertions. It never imports the code under test.
 */

export const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
export const LTI_ROLES = {
  instructor: [LIS + 'membership#Instructor', LIS + 'institution/person#Faculty'],
  learner: [LIS + 'membership#Learner', LIS + 'institution/person#Student'],
  teachingAssistant: [LIS + 'membership#Instructor', LIS + 'membership/Instructor#TeachingAssistant'],
  admin: [LIS + 'institution/person#Administrator', LIS + 'system/person#Administrator'],
} as const;

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface PlatformKey {
  readonly kid: string;
  readonly privateKey: KeyPair['privateKey'];
  readonly publicKey: KeyPair['publicKey'];
  readonly publicJwk: JWK;
}

async function newKey(): Promise<PlatformKey> {
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface LtiUser {
  /** The `sub` (Moodle's user id). */
  readonly id: string;
  readonly name?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly email?: string;
}

/** Ways to spoil the id_token, so each negative test is one option. */
export interface Tamper {
  readonly aud?: string | string[];
  readonly azp?: string;
  readonly iss?: string;
  /** Only the claim changes; the login initiation keeps the real deployment. */
  readonly deploymentId?: string;
  /** `none`: unsigned; `HS256`: HMAC keyed with the platform's public key (the key-confusion attack). */
  readonly alg?: 'none' | 'HS256';
  /** iat an hour ago, exp 50 minutes ago. */
  readonly expired?: boolean;
  /** Signs with a key the JWKS does not publish, under a kid it does not know. */
  readonly unknownKid?: boolean;
  /** Puts this nonce in the token instead of the one the tool sent (e.g. a previous launch's). */
  readonly nonce?: string;
  /** Replaces the state in the form posted back. */
  readonly state?: string;
  /** Claims added or replaced (undefined removes one). */
  readonly claims?: JWTPayload;
}

export interface LaunchOptions {
  /** The tool's login initiation URL. */
  readonly toolLoginUrl: string;
  /** The activity's launch URL (target_link_uri); default: the tool's first redirect URI. */
  readonly targetLinkUri?: string;
  readonly user: LtiUser;
  readonly roles: readonly string[];
  readonly context?: { readonly id: string; readonly label?: string; readonly title?: string };
  readonly resourceLink?: { readonly id: string; readonly title?: string };
  /** Default `LtiResourceLinkRequest`. */
  readonly messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  /** Default: the tool's first deployment id. */
  readonly deploymentId?: string;
  readonly custom?: Readonly<Record<string, string>>;
  /** How the login initiation reaches the tool (default POST, an auto-submitted form, as Moodle does). */
  readonly initiation?: 'GET' | 'POST';
  /** The browser; default a new one. Cookies the tool sets during login are kept in it. */
  readonly jar?: CookieJar;
  readonly tamper?: Tamper;
}

export interface LaunchForm {
  /** Where the browser posts the form: the redirect_uri the tool asked for. */
  readonly action: string;
  /** The form_post fields: `id_token` and `state`. */
  readonly fields: { readonly id_token: string; readonly state: string };
  /** The nonce the tool sent (before any tampering). */
  readonly nonce: string;
  readonly claims: JWTPayload;
  readonly jar: CookieJar;
  /** Posts the form to the tool's launch URL with the browser's cookies. */
  post(): Promise<Response>;
}

/** A launch a real browser makes from a course page (see `prepareBrowserLaunch`). */
export interface BrowserLaunchOptions {
  /** The tool's login initiation URL. */
  readonly toolLoginUrl: string;
  /** The activity's launch URL (target_link_uri); default: the tool's first redirect URI. */
  readonly targetLinkUri?: string;
  readonly user: LtiUser;
  /** The person's role in the course. */
  readonly role: keyof typeof LTI_ROLES;
  readonly context: { readonly id: string; readonly label?: string; readonly title?: string };
  /** The activity launched; absent for a deep linking request (which adds an activity). */
  readonly resourceLink?: { readonly id: string; readonly title?: string };
  /**
   * Default `LtiResourceLinkRequest`. `LtiDeepLinkingRequest`: the instructor's "add an activity"
   * from the course page; the tool's answer comes back to the frame at /deep-link-return.
   */
  readonly messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  readonly custom?: Readonly<Record<string, string>>;
  /**
   * Offer the LTI client-side storage: the course page answers `lti.put_data`/`lti.get_data`, the
   * login says `lti_storage_target=_parent`. `forgetful`: it acknowledges values but keeps none.
   */
  readonly storage?: boolean | 'forgetful';
}

interface PendingLaunch {
  readonly options: LaunchOptions;
  readonly deploymentId: string;
  readonly targetLinkUri: string;
}

export interface LtiPlatformOptions {
  /** The tool registered in this platform (can be changed later with `registerTool`). */
  readonly tool: ToolRegistration;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Host name of the pages a browser sees (/auth, /course, /launch-frame), default 127.0.0.1:
   * `localhost` makes them another site than a tool on 127.0.0.1 (its frame is then third-party).
   * The issuer and the server-to-server URLs (JWKS, token, services) stay on 127.0.0.1.
   */
  readonly browserHost?: string;
}

export class LtiPlatform {
  /** Requests served at /jwks. */
  jwksRequests = 0;
  /** Authentication requests refused at /auth, with the reason. */
  readonly authErrors: string[] = [];
  readonly services: PlatformServices;
  #keys: PlatformKey[];
  #tool: ToolRegistration;
  readonly #pending = new Map<string, PendingLaunch>();
  /** Browser launches by course, user and activity (`prepareBrowserLaunch`). */
  readonly #browserLaunches = new Map<string, BrowserLaunchOptions>();
  /** Base URL of the pages a browser sees (see `LtiPlatformOptions.browserHost`). */
  readonly browserUrl: string;
  readonly #now: () => number;
  #closed?: Promise<void>;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    key: PlatformKey,
    options: LtiPlatformOptions,
  ) {
    this.#keys = [key];
    this.#tool = options.tool;
    this.#now = options.now ?? Date.now;
    this.browserUrl = options.browserHost === undefined ? baseUrl : `http://${options.browserHost}:${new URL(baseUrl).port}`;
    this.services = new PlatformServices(baseUrl, () => this.#tool, this.#now);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#route(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { error: error instanceof Error ? error.message : String(error) });
        else res.destroy();
      });
    });
  }

  static async start(options: LtiPlatformOptions): Promise<LtiPlatform> {
    const server = createServer();
    // Port 0: the OS picks a free port, with no race between probing and listening.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new LtiPlatform(server, `http://127.0.0.1:${port}`, await newKey(), options);
  }

  /** The platform's issuer (`iss` of its tokens). */
  get issuer(): string {
    return this.baseUrl;
  }
  get jwksUrl(): string {
    return `${this.baseUrl}/jwks`;
  }
  get authUrl(): string {
    return `${this.browserUrl}/auth`;
  }
  get tokenUrl(): string {
    return this.services.tokenUrl;
  }
  /** On the browser's host: the tool's page posts its answer there from the course page's frame. */
  get deepLinkReturnUrl(): string {
    return `${this.browserUrl}/deep-link-return`;
  }
  /** The kid of the key that signs now. */
  get currentKid(): string {
    return this.#keys[0]!.kid;
  }
  /** Deep linking responses accepted, in order. */
  get deepLinks(): readonly DeepLinkReturn[] {
    return this.services.deepLinks;
  }
  /** Why deep linking responses were refused, in order. */
  get deepLinkErrors(): readonly string[] {
    return this.services.deepLinkErrors;
  }
  /** Scores received over AGS, in order. */
  get scores(): PlatformServices['scores'] {
    return this.services.scores;
  }
  get tool(): ToolRegistration {
    return this.#tool;
  }

  /** What an administrator enters in Amphi to register this platform. */
  registration(): { issuer: string; clientId: string; deploymentIds: string[]; jwksUrl: string; authUrl: string; tokenUrl: string } {
    const t = this.#tool;
    return { issuer: this.issuer, clientId: t.clientId, deploymentIds: [...t.deploymentIds], jwksUrl: this.jwksUrl, authUrl: this.authUrl, tokenUrl: this.tokenUrl };
  }

  registerTool(tool: ToolRegistration): void {
    this.#tool = tool;
  }

  /** Signs with a new key from now on; the old one stays published unless `dropOld` (its tokens may still be in flight). */
  async rotateKey(options: { dropOld?: boolean } = {}): Promise<string> {
    const key = await newKey();
    this.#keys = options.dropOld ? [key] : [key, ...this.#keys];
    return key.kid;
  }

  /** Enrols a person in a course (launches enrol the launching user themselves). */
  enrol(context: { id: string; label?: string; title?: string }, member: Member): void {
    this.services.enrol(context, member);
  }

  /**
   * A launch as a browser in Moodle does it: the login initiation to the tool, the tool's
   * redirect to /auth, and the platform's answer. Returns the form the browser would post to
   * the tool's launch URL, without posting it. Throws when the tool or /auth refuses.
   */
  async startLaunch(options: LaunchOptions): Promise<LaunchForm> {
    const tool = this.#tool;
    const jar = options.jar ?? new CookieJar();
    const deploymentId = options.deploymentId ?? tool.deploymentIds[0]!;
    const targetLinkUri = options.targetLinkUri ?? tool.redirectUris[0]!;
    const messageHint = randomBytes(12).toString('hex');
    this.#pending.set(messageHint, { options, deploymentId, targetLinkUri });
    if (options.context) {
      const { user } = options;
      this.enrol(options.context, { userId: user.id, name: user.name, givenName: user.givenName, familyName: user.familyName, email: user.email, roles: options.roles });
    }

    const initiation: Record<string, string> = {
      iss: this.issuer,
      target_link_uri: targetLinkUri,
      login_hint: options.user.id,
      lti_message_hint: messageHint,
      client_id: tool.clientId,
      lti_deployment_id: deploymentId,
    };
    let response: Response;
    if ((options.initiation ?? 'POST') === 'POST') response = await postForm(options.toolLoginUrl, initiation, jar);
    else {
      const url = new URL(options.toolLoginUrl);
      for (const [name, value] of Object.entries(initiation)) url.searchParams.set(name, value);
      response = await browserFetch(url.toString(), {}, jar);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      throw new Error(`The tool did not redirect the login initiation: ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    const authUrl = new URL(location, options.toolLoginUrl);
    if (authUrl.origin + authUrl.pathname !== this.authUrl) throw new Error(`The tool redirected to ${authUrl.toString()}, not to the platform's /auth.`);
    const nonce = authUrl.searchParams.get('nonce') ?? '';

    const auth = await browserFetch(authUrl.toString(), {}, jar);
    const page = await auth.text();
    if (auth.status !== 200) throw new Error(`The platform refused the authentication request: ${page}`);
    const form = readForm(page);
    const fields = { id_token: form.fields.id_token ?? '', state: options.tamper?.state ?? form.fields.state ?? '' };
    const claims = JSON.parse(Buffer.from(fields.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload;
    return { action: form.action, fields, nonce, claims, jar, post: () => postForm(form.action, fields, jar) };
  }

  /**
   * Registers a launch a real browser makes from a course page, and returns the page's URL
   * (`/course/<contextId>?user=…&role=…&link=…`): an iframe whose first page posts the login
   * initiation to the tool, as Moodle does. Each load of the page is a fresh launch. A deep
   * linking request has no `link` (one per course, user and role).
   */
  prepareBrowserLaunch(options: BrowserLaunchOptions): string {
    const linkId = options.resourceLink?.id ?? '';
    this.#browserLaunches.set(browserLaunchKey(options.context.id, options.user.id, linkId, options.role), options);
    const url = new URL(`/course/${encodeURIComponent(options.context.id)}`, this.browserUrl);
    url.searchParams.set('user', options.user.id);
    url.searchParams.set('role', options.role);
    if (options.resourceLink) url.searchParams.set('link', linkId);
    return url.toString();
  }

  #browserLaunch(contextId: string, query: URLSearchParams): BrowserLaunchOptions | undefined {
    return this.#browserLaunches.get(browserLaunchKey(contextId, query.get('user') ?? '', query.get('link') ?? '', query.get('role') ?? ''));
  }

  /** The course page: the activity in an iframe (and the storage, when the launch offers it). */
  #coursePage(contextId: string, query: URLSearchParams, res: ServerResponse): void {
    const launch = this.#browserLaunch(contextId, query);
    if (!launch) return send(res, 404, 'No such course page.', 'text/plain; charset=utf-8');
    const frameSrc = `/launch-frame?${new URLSearchParams({ context: contextId, user: launch.user.id, role: launch.role, ...(launch.resourceLink ? { link: launch.resourceLink.id } : {}) }).toString()}`;
    const activityTitle = launch.messageType === 'LtiDeepLinkingRequest' ? deepLinkActivityTitle : (launch.resourceLink?.title ?? 'Amphi');
    const html = coursePage({ courseTitle: launch.context.title ?? contextId, activityTitle, frameSrc, storage: launch.storage === 'forgetful' ? 'forgetful' : launch.storage ? 'working' : 'none' });
    send(res, 200, html, 'text/html; charset=utf-8');
  }

  /** The frame's first page: a fresh pending launch, and the login initiation posted to the tool. */
  #launchFrame(query: URLSearchParams, res: ServerResponse): void {
    const browser = this.#browserLaunch(query.get('context') ?? '', query);
    if (!browser) return send(res, 404, 'No such launch.', 'text/plain; charset=utf-8');
    const tool = this.#tool;
    const options: LaunchOptions = {
      toolLoginUrl: browser.toolLoginUrl,
      user: browser.user,
      roles: LTI_ROLES[browser.role],
      context: browser.context,
      ...(browser.resourceLink === undefined ? {} : { resourceLink: browser.resourceLink }),
      ...(browser.messageType === undefined ? {} : { messageType: browser.messageType }),
      ...(browser.targetLinkUri === undefined ? {} : { targetLinkUri: browser.targetLinkUri }),
      ...(browser.custom === undefined ? {} : { custom: browser.custom }),
    };
    const deploymentId = tool.deploymentIds[0]!;
    const targetLinkUri = browser.targetLinkUri ?? tool.redirectUris[0]!;
    const messageHint = randomBytes(12).toString('hex');
    this.#pending.set(messageHint, { options, deploymentId, targetLinkUri });
    const { user } = browser;
    this.enrol(browser.context, { userId: user.id, name: user.name, givenName: user.givenName, familyName: user.familyName, email: user.email, roles: options.roles });
    const fields: Record<string, string> = {
      iss: this.issuer,
      target_link_uri: targetLinkUri,
      login_hint: user.id,
      lti_message_hint: messageHint,
      client_id: tool.clientId,
      lti_deployment_id: deploymentId,
      ...(browser.storage ? { lti_storage_target: '_parent' } : {}),
    };
    send(res, 200, loginInitiationPage(browser.toolLoginUrl, fields), 'text/html; charset=utf-8');
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/jwks') {
      this.jwksRequests += 1;
      return send(res, 200, { keys: this.#keys.map((k) => k.publicJwk) });
    }
    if ((req.method === 'GET' || req.method === 'POST') && path === '/auth') {
      const params = req.method === 'GET' ? url.searchParams : new URLSearchParams(await readBody(req));
      return this.#authenticate(params, res);
    }
    if (req.method === 'GET' && (match = /^\/course\/([^/]+)$/.exec(path))) return this.#coursePage(decodeURIComponent(match[1]!), url.searchParams, res);
    if (req.method === 'GET' && path === '/launch-frame') return this.#launchFrame(url.searchParams, res);
    if (req.method === 'POST' && path === '/deep-link-return') return this.services.deepLinkReturn(req, res, this.issuer);
    if (req.method === 'POST' && path === '/token') return this.services.token(req, res);
    if (req.method === 'GET' && (match = /^\/nrps\/([^/]+)$/.exec(path))) return this.services.memberships(req, res, decodeURIComponent(match[1]!), url.searchParams);
    if ((req.method === 'GET' || req.method === 'POST') && (match = /^\/ags\/([^/]+)\/lineitems$/.exec(path))) {
      return this.services.lineItemsRoute(req, res, decodeURIComponent(match[1]!), url.searchParams);
    }
    if (req.method === 'POST' && (match = /^\/ags\/([^/]+)\/lineitems\/(\d+)\/scores$/.exec(path))) {
      return this.services.scoresRoute(req, res, decodeURIComponent(match[1]!), match[2]!);
    }
    send(res, 404, { error: 'not found' });
  }

  /** The OIDC authentication request (LTI 1.3 core §5.1.1.2): checked like Moodle's auth.php. */
  async #authenticate(params: URLSearchParams, res: ServerResponse): Promise<void> {
    const refuse = (reason: string): void => {
      this.authErrors.push(reason);
      send(res, 400, { error: 'invalid_request', error_description: reason });
    };
    const tool = this.#tool;
    if (params.get('scope') !== 'openid') return refuse('scope must be openid');
    if (params.get('response_type') !== 'id_token') return refuse('response_type must be id_token');
    if (params.get('response_mode') !== 'form_post') return refuse('response_mode must be form_post');
    if (params.get('prompt') !== 'none') return refuse('prompt must be none');
    if (params.get('client_id') !== tool.clientId) return refuse('unknown client_id');
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!tool.redirectUris.includes(redirectUri)) return refuse('redirect_uri is not registered for this tool');
    const nonce = params.get('nonce');
    if (!nonce) return refuse('nonce is missing');
    const state = params.get('state') ?? '';
    const pending = this.#pending.get(params.get('lti_message_hint') ?? '');
    if (!pending) return refuse('lti_message_hint is unknown or was already used');
    if (params.get('login_hint') !== pending.options.user.id) return refuse('login_hint is not the user of this launch');
    this.#pending.delete(params.get('lti_message_hint')!);

    const idToken = await this.#idToken(pending, nonce);
    const escape = (v: string): string => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const page =
      '<!doctype html><html><body onload="document.forms[0].submit()">' +
      `<form method="post" action="${escape(redirectUri)}">` +
      `<input type="hidden" name="id_token" value="${escape(idToken)}">` +
      (state === '' ? '' : `<input type="hidden" name="state" value="${escape(state)}">`) +
      '</form></body></html>';
    send(res, 200, page, 'text/html; charset=utf-8');
  }

  async #idToken(pending: PendingLaunch, nonce: string): Promise<string> {
    const { options, deploymentId, targetLinkUri } = pending;
    const tamper = options.tamper ?? {};
    const { user, context } = options;
    const messageType = options.messageType ?? 'LtiResourceLinkRequest';
    const claims: JWTPayload = {
      nonce: tamper.nonce ?? nonce,
      sub: user.id,
      ...(user.name === undefined ? {} : { name: user.name }),
      ...(user.givenName === undefined ? {} : { given_name: user.givenName }),
      ...(user.familyName === undefined ? {} : { family_name: user.familyName }),
      ...(user.email === undefined ? {} : { email: user.email }),
      [CLAIM + 'message_type']: messageType,
      [CLAIM + 'version']: '1.3.0',
      [CLAIM + 'deployment_id']: tamper.deploymentId ?? deploymentId,
      [CLAIM + 'target_link_uri']: targetLinkUri,
      [CLAIM + 'roles']: [...options.roles],
      [CLAIM + 'tool_platform']: { guid: 'moodle.test', product_family_code: 'moodle', version: '2024100700', name: 'Moodle test' },
      [CLAIM + 'launch_presentation']: { locale: 'fr', document_target: 'iframe', return_url: `${this.baseUrl}/course` },
      ...(tamper.azp === undefined ? {} : { azp: tamper.azp }),
    };
    if (messageType === 'LtiResourceLinkRequest') {
      claims[CLAIM + 'resource_link'] = { id: options.resourceLink?.id ?? 'link-1', title: options.resourceLink?.title ?? 'Amphi', description: '' };
    } else {
      claims[DL_CLAIM + 'deep_linking_settings'] = {
        deep_link_return_url: this.deepLinkReturnUrl,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['frame', 'iframe', 'window'],
        accept_multiple: false,
        auto_create: false,
        data: `dl-${randomBytes(6).toString('hex')}`,
      };
    }
    if (context) {
      // Moodle sends the context type as a full URI.
      claims[CLAIM + 'context'] = { id: context.id, label: context.label, title: context.title, type: [LIS + 'course#CourseSection'] };
      const contextPath = encodeURIComponent(context.id);
      claims['https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice'] = {
        context_memberships_url: `${this.baseUrl}/nrps/${contextPath}`,
        service_versions: ['1.0', '2.0'],
      };
      claims['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] = {
        scope: [SCOPES.lineItem, SCOPES.lineItemReadOnly, SCOPES.resultReadOnly, SCOPES.score],
        lineitems: `${this.baseUrl}/ags/${contextPath}/lineitems`,
      };
    }
    if (options.custom) claims[CLAIM + 'custom'] = { ...options.custom };
    for (const [name, value] of Object.entries(tamper.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }

    const seconds = Math.floor(this.#now() / 1000);
    const iat = tamper.expired ? seconds - 3600 : seconds;
    const exp = tamper.expired ? seconds - 3000 : seconds + 60;
    const iss = tamper.iss ?? this.issuer;
    const aud = tamper.aud ?? this.#tool.clientId;
    if (tamper.alg === 'none') return new UnsecuredJWT(claims).setIssuer(iss).setAudience(aud).setIssuedAt(iat).setExpirationTime(exp).encode();
    const key = tamper.unknownKid ? await newKey() : this.#keys[0]!;
    const jwt = new SignJWT(claims).setIssuer(iss).setAudience(aud).setIssuedAt(iat).setExpirationTime(exp);
    if (tamper.alg === 'HS256') {
      const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
      return jwt.setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(secret);
    }
    return jwt.setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  /** Stops the server; safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve, reject) => {
      this.server.closeAllConnections();
      this.server.close((error) => (error ? reject(error) : resolve()));
    });
    return this.#closed;
  }
}

function browserLaunchKey(contextId: string, userId: string, resourceLinkId: string, role: string): string {
  return JSON.stringify([contextId, userId, resourceLinkId, role]);
}

/** Starts a Moodle-like platform that trusts `tool`. Close it in `afterAll`. */
export function startLtiPlatform(options: LtiPlatformOptions): Promise<LtiPlatform> {
  return LtiPlatform.start(options);
}
