import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { KeyResolver } from './jwks.js';
import { isLtiError, ltiError } from './ltiError.js';
import type { LoginStateStore } from './loginState.js';
import type { PlatformLookup } from './platform.js';

// Written out in full (not concatenated) so that each is a literal type and the claims are typed.
const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  deepLinking: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
} as const;

export type LtiMessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';

/** Context types, by their short name; platforms send the short name or the full URI (Moodle sends both forms). */
const CONTEXT_TYPE_URI = 'http://purl.imsglobal.org/vocab/lis/v2/course#';
const CONTEXT_TYPES = ['CourseTemplate', 'CourseOffering', 'CourseSection', 'Group'] as const;
export type ContextType = (typeof CONTEXT_TYPES)[number];

/** A verified launch: who came, from which course and activity, with which LTI roles. */
export interface Launch {
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  /** The platform's stable id of the user: with `issuer`, the key of their Amphi identity. */
  readonly sub: string;
  readonly name?: string;
  readonly email?: string;
  readonly messageType: LtiMessageType;
  readonly targetLinkUri: string;
  /** The LTI roles as sent (map them with `amphiRole`). */
  readonly roles: readonly string[];
  /** The course; `type` holds known types by short name (`CourseSection`), whichever form was sent. */
  readonly context?: { readonly id: string; readonly title?: string; readonly label?: string; readonly type: readonly ContextType[] };
  /** The activity: present in every resource link launch. */
  readonly resourceLink?: { readonly id: string; readonly title?: string };
  readonly custom?: Readonly<Record<string, string>>;
  /** Present in a deep linking request: where and what to answer. */
  readonly deepLinking?: {
    readonly returnUrl: string;
    readonly acceptTypes: readonly string[];
    readonly acceptPresentationDocumentTargets: readonly string[];
    readonly acceptMultiple?: boolean;
    readonly autoCreate?: boolean;
    readonly title?: string;
    readonly text?: string;
    /** Opaque; must be sent back unchanged in the deep linking response. */
    readonly data?: string;
  };
  /** Names and Role Provisioning Services: where to read the course roster. */
  readonly namesRoles?: { readonly contextMembershipsUrl: string; readonly serviceVersions: readonly string[] };
  /** Assignment and Grade Services: what Amphi may do with the gradebook. */
  readonly gradeService?: { readonly scope: readonly string[]; readonly lineItems?: string; readonly lineItem?: string };
  /** The platform storage frame the login named: the launch page checks the state there. */
  readonly storageTarget?: string;
}

export interface LaunchDeps {
  readonly platforms: PlatformLookup;
  readonly states: LoginStateStore;
  readonly keys: KeyResolver;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  /** Tolerated clock difference with the platform, in seconds (default 30). */
  readonly clockSkewS?: number;
  /** Oldest accepted `iat`, in seconds (default 600): id_tokens are made for an immediate redirect. */
  readonly maxTokenAgeS?: number;
}

/** Longest accepted id_token, in characters (Canvas tokens with many claims stay under 16 KB). */
const MAX_ID_TOKEN = 64 * 1024;
const MAX_STATE = 512;

const text = z.string().max(4096);
const url = z.string().max(2048).refine((value) => URL.canParse(value), 'not a URL');

const Claims = z.object({
  sub: z.string().min(1).max(255),
  name: text.optional(),
  email: text.optional(),
  [CLAIM.messageType]: z.enum(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']),
  [CLAIM.version]: z.literal('1.3.0'),
  [CLAIM.deploymentId]: z.string().min(1).max(255),
  [CLAIM.targetLinkUri]: url,
  [CLAIM.roles]: z.array(text).max(100),
  [CLAIM.resourceLink]: z.object({ id: z.string().min(1).max(255), title: text.nullish() }).optional(),
  [CLAIM.context]: z
    .object({ id: z.string().min(1).max(255), title: text.nullish(), label: text.nullish(), type: z.array(text).max(20).nullish() })
    .optional(),
  [CLAIM.custom]: z.record(z.string(), z.unknown()).optional(),
  [CLAIM.deepLinking]: z
    .object({
      deep_link_return_url: url,
      accept_types: z.array(text),
      accept_presentation_document_targets: z.array(text),
      accept_multiple: z.boolean().nullish(),
      auto_create: z.boolean().nullish(),
      title: text.nullish(),
      text: text.nullish(),
      data: text.nullish(),
    })
    .optional(),
  [CLAIM.nrps]: z.object({ context_memberships_url: url, service_versions: z.array(text) }).optional(),
  [CLAIM.ags]: z.object({ scope: z.array(text), lineitems: url.nullish(), lineitem: url.nullish() }).optional(),
});
type Claims = z.infer<typeof Claims>;

/**
 * Verifies the form posted to Amphi's launch URL (`id_token` and `state`) and returns the launch.
 * The state is taken first, so it is spent even when the token is refused. Throws `LTI_INVALID`
 * with the cause, for every refusal: unknown, used or expired state; a token that is not an RS256
 * JWT signed by the platform's key; wrong `iss`, `aud`, `azp` or nonce; expired or not yet issued;
 * unregistered deployment; missing or malformed LTI claims.
 */
export async function verifyLaunch(form: unknown, deps: LaunchDeps): Promise<Launch> {
  try {
    return await verify(form, deps);
  } catch (error) {
    if (isLtiError(error)) throw error;
    if (error instanceof joseErrors.JOSEError) throw ltiError(`The id_token was refused: ${joseReason(error)}`);
    throw error;
  }
}

async function verify(form: unknown, deps: LaunchDeps): Promise<Launch> {
  if (typeof form !== 'object' || form === null) throw ltiError('Launch: the form is missing.');
  const { id_token: idToken, state } = form as { id_token?: unknown; state?: unknown };
  if (typeof state !== 'string' || state === '' || state.length > MAX_STATE) throw ltiError('Launch: the state is missing or malformed.');
  if (typeof idToken !== 'string' || idToken === '' || idToken.length > MAX_ID_TOKEN) {
    throw ltiError('Launch: the id_token is missing or too long.');
  }

  const login = await deps.states.take(state);
  if (!login) throw ltiError('Launch: this state is unknown or was already used; start again from the course.');
  const now = deps.now();
  if (login.expiresAt <= now) throw ltiError('Launch: this state has expired; start again from the course.');
  const registration = (await deps.platforms(login.iss)).find((r) => r.issuer === login.iss && r.clientId === login.clientId);
  if (!registration) throw ltiError(`Launch: the platform ${login.iss} is no longer registered.`);

  const skew = deps.clockSkewS ?? 30;
  const { payload } = await jwtVerify(idToken, deps.keys.keysFor(registration), {
    // RS256 only, as LTI 1.3 requires: `none`, HS256 (keyed with the public key) and the rest are refused.
    algorithms: ['RS256'],
    issuer: login.iss,
    audience: login.clientId,
    currentDate: new Date(now),
    clockTolerance: skew,
    // With maxTokenAge jose also refuses an `iat` in the future (beyond the tolerance).
    maxTokenAge: deps.maxTokenAgeS ?? 600,
    requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
  });
  checkAuthorizedParty(payload, login.clientId);
  if (payload.nonce !== login.nonce) throw ltiError('Launch: the nonce is not the one issued with this state.');

  const parsed = Claims.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw ltiError(`Launch: the claim ${issue.path.map(String).join('.') || '(root)'} is missing or invalid (${issue.message}).`);
  }
  const claims = parsed.data;
  const deploymentId = claims[CLAIM.deploymentId];
  if (!registration.deploymentIds.includes(deploymentId)) {
    throw ltiError(`Launch: the deployment ${deploymentId} is not registered for ${registration.issuer}.`);
  }
  const launch = toLaunch(claims, registration.issuer, registration.clientId);
  return login.storageTarget !== undefined ? { ...launch, storageTarget: login.storageTarget } : launch;
}

/** With several audiences, `azp` must name Amphi's client id; when present it must in any case. */
function checkAuthorizedParty(payload: JWTPayload, clientId: string): void {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.azp === undefined) {
    if (audiences.length > 1) throw ltiError('Launch: the id_token has several audiences and no azp.');
  } else if (payload.azp !== clientId) {
    throw ltiError('Launch: the id_token was issued to another client (azp).');
  }
}

function toLaunch(claims: Claims, issuer: string, clientId: string): Launch {
  const messageType = claims[CLAIM.messageType];
  const resourceLink = claims[CLAIM.resourceLink];
  const deepLinking = claims[CLAIM.deepLinking];
  if (messageType === 'LtiResourceLinkRequest' && !resourceLink) throw ltiError('Launch: a resource link launch without resource_link.');
  if (messageType === 'LtiDeepLinkingRequest' && !deepLinking) throw ltiError('Launch: a deep linking request without deep_linking_settings.');

  const launch: { -readonly [K in keyof Launch]: Launch[K] } = {
    issuer,
    clientId,
    deploymentId: claims[CLAIM.deploymentId],
    sub: claims.sub,
    messageType,
    targetLinkUri: claims[CLAIM.targetLinkUri],
    roles: claims[CLAIM.roles],
  };
  if (claims.name) launch.name = claims.name;
  if (claims.email) launch.email = claims.email;
  const context = claims[CLAIM.context];
  if (context) {
    launch.context = { id: context.id, type: contextTypes(context.type ?? []), ...defined({ title: context.title, label: context.label }) };
  }
  if (resourceLink) launch.resourceLink = { id: resourceLink.id, ...defined({ title: resourceLink.title }) };
  const custom = claims[CLAIM.custom];
  if (custom) {
    launch.custom = Object.fromEntries(Object.entries(custom).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  if (deepLinking) {
    launch.deepLinking = {
      returnUrl: deepLinking.deep_link_return_url,
      acceptTypes: deepLinking.accept_types,
      acceptPresentationDocumentTargets: deepLinking.accept_presentation_document_targets,
      ...defined({
        acceptMultiple: deepLinking.accept_multiple,
        autoCreate: deepLinking.auto_create,
        title: deepLinking.title,
        text: deepLinking.text,
        data: deepLinking.data,
      }),
    };
  }
  const nrps = claims[CLAIM.nrps];
  if (nrps) launch.namesRoles = { contextMembershipsUrl: nrps.context_memberships_url, serviceVersions: nrps.service_versions };
  const ags = claims[CLAIM.ags];
  if (ags) launch.gradeService = { scope: ags.scope, ...defined({ lineItems: ags.lineitems, lineItem: ags.lineitem }) };
  return launch;
}

/** Known context types by short name, from either form; unknown types are left out. */
function contextTypes(types: readonly string[]): ContextType[] {
  const found = new Set<ContextType>();
  for (const type of types) {
    const name = type.startsWith(CONTEXT_TYPE_URI) ? type.slice(CONTEXT_TYPE_URI.length) : type;
    const known = CONTEXT_TYPES.find((t) => t === name);
    if (known) found.add(known);
  }
  return [...found];
}

/** The entries whose value is neither undefined nor null. */
function defined<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null)) as { [K in keyof T]?: NonNullable<T[K]> };
}

function joseReason(error: joseErrors.JOSEError): string {
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not RS256.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not match the platform key.';
  if (error instanceof joseErrors.JWTExpired) return `it has expired (${error.message}).`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `${error.message}.`;
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return `it is malformed (${error.message}).`;
  return `${error.message} (${error.code}).`;
}
