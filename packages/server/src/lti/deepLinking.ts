import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { ltiError } from './ltiError.js';

/**
 * LTI Deep Linking 2.0, tool side: the answer to an `LtiDeepLinkingRequest` is a JWT
 * (`LtiDeepLinkingResponse`) signed with Amphi's key, posted by the browser to the platform's
 * `deep_link_return_url` in a form field named `JWT`.
 *
 * Pure apart from the random nonce (injectable): the key and the clock come in through parameters.
 */

export const DL_CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  settings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  data: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  msg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
} as const;

/** Lifetime of the response JWT in seconds (default 300): it only has to survive one form post. */
export const DEEP_LINKING_RESPONSE_TTL_SECONDS = 300;

function httpUrl(what: string) {
  return z
    .string()
    .max(2048)
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        return false;
      }
    }, `${what} must be an http(s) URL`);
}

const SettingsClaim = z.object({
  deep_link_return_url: httpUrl('deep_link_return_url'),
  accept_types: z.array(z.string()).refine((types) => types.includes('ltiResourceLink'), 'the platform does not accept ltiResourceLink items'),
  accept_presentation_document_targets: z.array(z.string()).optional(),
  accept_multiple: z.boolean().optional(),
  auto_create: z.boolean().optional(),
  title: z.string().optional(),
  text: z.string().optional(),
  /** Opaque value the platform wants back, unchanged. */
  data: z.string().optional(),
});

/** The deep linking settings of a request, as far as Amphi uses them. */
export interface DeepLinkingSettings {
  readonly returnUrl: string;
  /** Echoed unchanged in the response's `data` claim; absent when the platform sent none. */
  readonly data?: string;
  /** Title and text the platform suggests for the new item. */
  readonly title?: string;
  readonly text?: string;
}

/** Reads the `deep_linking_settings` claim of a verified `LtiDeepLinkingRequest`. */
export function parseDeepLinkingSettings(claim: unknown): DeepLinkingSettings {
  const parsed = SettingsClaim.safeParse(claim);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ltiError(`Deep linking settings rejected: ${issue ? `${issue.path.join('.') || 'claim'}: ${issue.message}` : 'invalid'}.`);
  }
  const { deep_link_return_url: returnUrl, data, title, text } = parsed.data;
  return { returnUrl, data, title, text };
}

/** Amphi's signing key: an RS256 private key and the `kid` under which its public half is published. */
export interface ToolSigningKey {
  readonly kid: string;
  readonly privateKey: Parameters<SignJWT['sign']>[0];
}

/** The room the teacher picked, returned as one `ltiResourceLink`. */
export interface DeepLinkedRoom {
  /** Launch URL of the item (Amphi's LTI launch endpoint). */
  readonly url: string;
  readonly title: string;
  readonly text?: string;
  /**
   * The room, as Amphi's signed `ltiroom` token: sent as the item's custom parameter
   * `amphi_room`, it comes back in the launches of the activity the platform creates.
   */
  readonly roomToken: string;
}

export interface DeepLinkingResponseInput {
  /** The platform's issuer: the `aud` of the response. */
  readonly platformIssuer: string;
  /** Amphi's client id at that platform: the `iss` of the response. */
  readonly clientId: string;
  readonly deploymentId: string;
  readonly settings: DeepLinkingSettings;
  readonly room: DeepLinkedRoom;
  /** Optional message the platform shows the teacher. */
  readonly message?: string;
}

export interface DeepLinkingDeps {
  readonly key: ToolSigningKey;
  /** Current time in milliseconds since the epoch. */
  readonly now: number;
  /** Lifetime in seconds (default `DEEP_LINKING_RESPONSE_TTL_SECONDS`). */
  readonly ttlSeconds?: number;
  /** Random nonce (default 16 random bytes, base64url). */
  readonly nonce?: () => string;
}

/** Signs the `LtiDeepLinkingResponse` JWT (RS256) with one `ltiResourceLink` to the room. */
export async function deepLinkingResponseJwt(input: DeepLinkingResponseInput, deps: DeepLinkingDeps): Promise<string> {
  if (!httpUrl('the item URL').safeParse(input.room.url).success) throw ltiError('Deep linking: the item URL must be an http(s) URL.');
  const iat = Math.floor(deps.now / 1000);
  const item = {
    type: 'ltiResourceLink',
    title: input.room.title,
    ...(input.room.text === undefined ? {} : { text: input.room.text }),
    url: input.room.url,
    custom: { amphi_room: input.room.roomToken },
  };
  const claims: Record<string, unknown> = {
    nonce: (deps.nonce ?? (() => randomBytes(16).toString('base64url')))(),
    [DL_CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [DL_CLAIM.version]: '1.3.0',
    [DL_CLAIM.deploymentId]: input.deploymentId,
    [DL_CLAIM.contentItems]: [item],
  };
  if (input.settings.data !== undefined) claims[DL_CLAIM.data] = input.settings.data;
  if (input.message !== undefined) claims[DL_CLAIM.msg] = input.message;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: deps.key.kid, typ: 'JWT' })
    .setIssuer(input.clientId)
    .setAudience(input.platformIssuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (deps.ttlSeconds ?? DEEP_LINKING_RESPONSE_TTL_SECONDS))
    .sign(deps.key.privateKey);
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ReturnFormOptions {
  /** Title of the item, shown to the teacher while the form is posted. */
  readonly title?: string;
  /**
   * CSP nonce for the one-line script that submits the form at once. Without it there is no
   * script: the teacher presses the button (works under `script-src 'self'`).
   */
  readonly scriptNonce?: string;
}

/**
 * The HTML page that posts the response JWT to the platform's `deep_link_return_url` (form field
 * `JWT`). Every value is escaped; the return URL must be http(s) (a `javascript:` URL would run).
 */
export function deepLinkingReturnForm(returnUrl: string, jwt: string, options: ReturnFormOptions = {}): string {
  if (!httpUrl('deep_link_return_url').safeParse(returnUrl).success) throw ltiError('Deep linking: deep_link_return_url must be an http(s) URL.');
  const title = options.title === undefined ? '' : `<p>${escapeHtml(options.title)}</p>\n`;
  const script =
    options.scriptNonce === undefined
      ? ''
      : `<script nonce="${escapeHtml(options.scriptNonce)}">document.getElementById('amphi-deep-link').submit();</script>\n`;
  return (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Returning to your course</title></head>\n<body>\n' +
    title +
    `<form id="amphi-deep-link" method="post" action="${escapeHtml(returnUrl)}">\n` +
    `<input type="hidden" name="JWT" value="${escapeHtml(jwt)}">\n` +
    '<button type="submit">Return to the course</button>\n</form>\n' +
    script +
    '</body>\n</html>\n'
  );
}
