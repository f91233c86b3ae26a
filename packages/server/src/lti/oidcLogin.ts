import { randomBytes } from 'node:crypto';
import { ltiError } from './ltiError.js';
import type { LoginStateStore } from './loginState.js';
import type { PlatformLookup, PlatformRegistration } from './platform.js';

/** The parameters of a third-party login initiation (LTI 1.3 core §5.1.1 / OIDC third-party login). */
export interface LoginRequest {
  readonly iss: string;
  readonly loginHint: string;
  readonly targetLinkUri: string;
  readonly ltiMessageHint?: string;
  readonly clientId?: string;
  readonly deploymentId?: string;
  /** The platform's storage frame, when it offers the LTI client-side postMessage storage. */
  readonly storageTarget?: string;
}

/** Longest accepted parameter, in characters (Canvas' lti_message_hint is a JWT of ~1 KB). */
const MAX_PARAM = 4096;

/** Lifetime of a login state in milliseconds (default 5 minutes): the user is between two redirects. */
export const DEFAULT_LOGIN_STATE_TTL_MS = 5 * 60_000;

/**
 * Reads a login initiation from its query (GET) or form (POST) parameters. A parameter that is
 * repeated, not a string, empty or too long is refused, as is a target that is not an http(s) URL.
 */
export function parseLoginRequest(params: unknown): LoginRequest {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw ltiError('Login initiation: the parameters are missing.');
  }
  const fields = params as Record<string, unknown>;
  const read = (name: string, required: boolean): string | undefined => {
    const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (value === undefined || value === '') {
      if (required) throw ltiError(`Login initiation: the parameter ${name} is missing.`);
      return undefined;
    }
    if (typeof value !== 'string') throw ltiError(`Login initiation: the parameter ${name} must be given once, as text.`);
    if (value.length > MAX_PARAM) throw ltiError(`Login initiation: the parameter ${name} is longer than ${MAX_PARAM} characters.`);
    return value;
  };
  const iss = read('iss', true)!;
  const loginHint = read('login_hint', true)!;
  const targetLinkUri = read('target_link_uri', true)!;
  if (!isHttpUrl(targetLinkUri)) throw ltiError('Login initiation: target_link_uri is not an http(s) URL.');
  const request: { -readonly [K in keyof LoginRequest]: LoginRequest[K] } = { iss, loginHint, targetLinkUri };
  const ltiMessageHint = read('lti_message_hint', false);
  const clientId = read('client_id', false);
  const deploymentId = read('lti_deployment_id', false);
  if (ltiMessageHint !== undefined) request.ltiMessageHint = ltiMessageHint;
  if (clientId !== undefined) request.clientId = clientId;
  if (deploymentId !== undefined) request.deploymentId = deploymentId;
  const storageTarget = read('lti_storage_target', false);
  if (storageTarget !== undefined) request.storageTarget = storageTarget;
  return request;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Picks the registration a login is for: by client id when the platform sends one, else the
 * issuer's only registration (an issuer with several needs `client_id` to say which).
 */
export function findRegistration(request: LoginRequest, registrations: readonly PlatformRegistration[]): PlatformRegistration {
  const ofIssuer = registrations.filter((r) => r.issuer === request.iss);
  if (ofIssuer.length === 0) throw ltiError(`Login initiation: the platform ${request.iss} is not registered.`);
  let registration: PlatformRegistration | undefined;
  if (request.clientId !== undefined) {
    registration = ofIssuer.find((r) => r.clientId === request.clientId);
    if (!registration) throw ltiError(`Login initiation: the platform ${request.iss} has no registration with client id ${request.clientId}.`);
  } else {
    if (ofIssuer.length > 1) throw ltiError(`Login initiation: the platform ${request.iss} has several registrations and sent no client_id.`);
    registration = ofIssuer[0]!;
  }
  if (request.deploymentId !== undefined && !registration.deploymentIds.includes(request.deploymentId)) {
    throw ltiError(`Login initiation: the deployment ${request.deploymentId} is not registered for ${request.iss}.`);
  }
  return registration;
}

export interface LoginDeps {
  readonly platforms: PlatformLookup;
  readonly states: LoginStateStore;
  /** Amphi's launch URL, registered at the platform as a redirect URI: where the id_token is posted. */
  readonly redirectUri: string;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  /** Random, unguessable token for state and nonce (default: 32 random bytes, base64url). */
  readonly randomToken?: () => string;
  /** Lifetime of a state in milliseconds (default `DEFAULT_LOGIN_STATE_TTL_MS`). */
  readonly stateTtlMs?: number;
}

export interface LoginRedirect {
  /** The platform's authorization URL with the authentication request: redirect the browser there. */
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly registration: PlatformRegistration;
  /** The platform storage frame named by the login: put the state there before redirecting. */
  readonly storageTarget?: string;
}

const defaultRandomToken = (): string => randomBytes(32).toString('base64url');

/**
 * Answers a third-party login initiation: finds the registration, remembers a fresh state
 * bound to a fresh nonce, and returns the authentication request to send the browser to.
 * Throws `LTI_INVALID` for bad parameters or an unknown platform.
 */
export async function initiateLogin(params: unknown, deps: LoginDeps): Promise<LoginRedirect> {
  const request = parseLoginRequest(params);
  const registration = findRegistration(request, await deps.platforms(request.iss));
  const random = deps.randomToken ?? defaultRandomToken;
  const state = random();
  const nonce = random();
  const expiresAt = deps.now() + (deps.stateTtlMs ?? DEFAULT_LOGIN_STATE_TTL_MS);
  await deps.states.put(state, { nonce, iss: registration.issuer, clientId: registration.clientId, expiresAt, ...(request.storageTarget !== undefined ? { storageTarget: request.storageTarget } : {}) });

  const url = new URL(registration.authUrl);
  const query: [string, string][] = [
    ['scope', 'openid'],
    ['response_type', 'id_token'],
    ['response_mode', 'form_post'],
    ['prompt', 'none'],
    ['client_id', registration.clientId],
    ['redirect_uri', deps.redirectUri],
    ['login_hint', request.loginHint],
    ['state', state],
    ['nonce', nonce],
  ];
  if (request.ltiMessageHint !== undefined) query.push(['lti_message_hint', request.ltiMessageHint]);
  // set, not append: a registered auth URL that already carries one of these cannot smuggle a second value.
  for (const [name, value] of query) url.searchParams.set(name, value);
  return { url: url.toString(), state, nonce, registration, ...(request.storageTarget !== undefined ? { storageTarget: request.storageTarget } : {}) };
}
