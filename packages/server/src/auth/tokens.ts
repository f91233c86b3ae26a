import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { AmphiError, LinkRole, Role, type ErrorCode } from '@amphi/protocol';

/**
 * Signed tokens of Amphi (HS256 with the instance secret, each with its own `typ` and
 * audience so one kind can never be used as another):
 * - link: a room's join link, long-lived and revocable through its row in room_links;
 * - ticket: 60 s permission to open a room WebSocket, issued by POST /api/join;
 * - resume: lets a new socket take back a place in the room within the grace period, on
 *   this instance or, when the room's live session is shared, on another one (it carries
 *   what that instance needs to re-arrive the same person).
 *
 * Instances that share rooms must sign with the same secret (AMPHI_SECRET): see `fingerprint`.
 *
 * Tickets and resume tokens of a person without an account may carry `gk`, their browser's
 * guest key (see `guestKey`): the server-side identity that makes two tabs, or a reload, of
 * one browser one voter. Never shown to other participants.
 */
const ISSUER = 'amphi';

export const LinkClaims = z.object({ typ: z.literal('link'), lid: z.string(), rid: z.string(), role: LinkRole });
export type LinkClaims = z.infer<typeof LinkClaims>;

export const TicketClaims = z.object({
  typ: z.literal('ticket'),
  rid: z.string(),
  role: Role,
  name: z.string(),
  uid: z.string().optional(),
  /** Link that granted the ticket, checked again for revocation when the socket opens. */
  lid: z.string().optional(),
  /** Guest key of the browser that asked (no account): see `TokenSigner.guestKey`. */
  gk: z.string().optional(),
});
export type TicketClaims = z.infer<typeof TicketClaims>;

export const ResumeClaims = z.object({
  typ: z.literal('resume'),
  rid: z.string(),
  pid: z.string(),
  /** The person as they were when the token was signed: name, role, account, guest key. */
  name: z.string(),
  role: Role,
  uid: z.string().optional(),
  gk: z.string().optional(),
  /** The live session they were in (absent when it had not started yet). */
  sid: z.string().optional(),
});
export type ResumeClaims = z.infer<typeof ResumeClaims>;

/**
 * The app token of a person launched from an LMS (LTI): the web app, in the LMS's iframe where
 * third-party cookies may be blocked, sends it as a bearer token to get tickets and, for
 * moderators, the course roster. Short-lived (an hour): a new launch gives a new one.
 */
export const LtiAppClaims = z.object({
  typ: z.literal('lti'),
  rid: z.string(),
  role: Role,
  name: z.string(),
  /** The LTI identity id (lti_identities). */
  iid: z.string(),
  /** The activity (lti_resource_links id) the launch came through. */
  rl: z.string(),
});
export type LtiAppClaims = z.infer<typeof LtiAppClaims>;

/** A deep linking request in progress: what Amphi must answer, and to whom (10 minutes). */
export const LtiDeepLinkClaims = z.object({
  typ: z.literal('ltidl'),
  iid: z.string(),
  /** Registration (lti_platforms id) and deployment the request came from. */
  pid: z.string(),
  dep: z.string(),
  /** The course (lti_contexts id), when the request came from one. */
  ctx: z.string().optional(),
  ret: z.string(),
  data: z.string().optional(),
  /** What the platform accepts: only `ltiResourceLink` is of use to Amphi. */
  multi: z.boolean(),
});
export type LtiDeepLinkClaims = z.infer<typeof LtiDeepLinkClaims>;

/**
 * A room placed in an LMS by deep linking, as a custom parameter of the resource link: the
 * launch links the activity to that room only when this signature holds and the issuer is the
 * one it was made for (an instructor editing the parameter cannot reach another room).
 * The platform's issuer is `lms`, not `iss`: `sign` sets the registered `iss` claim to Amphi's own.
 */
export const LtiRoomClaims = z.object({ typ: z.literal('ltiroom'), rid: z.string(), lms: z.string() });
export type LtiRoomClaims = z.infer<typeof LtiRoomClaims>;

type Claims = LinkClaims | TicketClaims | ResumeClaims | LtiAppClaims | LtiDeepLinkClaims | LtiRoomClaims;

export class TokenSigner {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = createHash('sha256').update('amphi-tokens:' + secret).digest();
  }

  /**
   * A fingerprint of the signing key, safe to share (it reveals nothing of the key): instances
   * compare it to check they verify each other's tokens.
   */
  fingerprint(): string {
    return createHmac('sha256', this.#key).update('amphi-key-fingerprint').digest('base64url').slice(0, 22);
  }

  /**
   * The guest key of a browser, from the value of its guest cookie: a keyed hash, so the
   * key (in tickets, which the page can read, and in stored ballots) never gives back the
   * HttpOnly cookie, and every instance with the same secret derives the same key.
   */
  guestKey(cookie: string): string {
    return 'g:' + createHmac('sha256', this.#key).update('amphi-guest:' + cookie).digest('base64url');
  }

  async sign(claims: Claims, ttlSeconds?: number): Promise<string> {
    // A random id: two tickets with the same claims in the same second must still differ
    // (tickets are single-use, remembered by their hash).
    const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(claims.typ).setIssuedAt().setJti(randomUUID());
    if (ttlSeconds !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
    return jwt.sign(this.#key);
  }

  /**
   * A join link's token. Issued-at and expiry come from the link's row, so the same link
   * always yields the same token (teachers see one stable URL until they revoke it).
   */
  signLink(link: { id: string; roomId: string; role: LinkClaims['role']; createdAt: Date; expiresAt: Date | null }): Promise<string> {
    const claims: LinkClaims = { typ: 'link', lid: link.id, rid: link.roomId, role: link.role };
    const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience('link').setIssuedAt(link.createdAt);
    if (link.expiresAt) jwt.setExpirationTime(link.expiresAt);
    return jwt.sign(this.#key);
  }

  verifyLink(token: string): Promise<LinkClaims> {
    return this.#verify(token, 'link', LinkClaims, 'LINK_INVALID', 'LINK_EXPIRED');
  }

  verifyTicket(token: string): Promise<TicketClaims> {
    return this.#verify(token, 'ticket', TicketClaims, 'TICKET_INVALID', 'TICKET_INVALID');
  }

  verifyLtiApp(token: string): Promise<LtiAppClaims> {
    return this.#verify(token, 'lti', LtiAppClaims, 'LTI_INVALID', 'LTI_INVALID');
  }

  verifyLtiDeepLink(token: string): Promise<LtiDeepLinkClaims> {
    return this.#verify(token, 'ltidl', LtiDeepLinkClaims, 'LTI_INVALID', 'LTI_INVALID');
  }

  verifyLtiRoom(token: string): Promise<LtiRoomClaims> {
    return this.#verify(token, 'ltiroom', LtiRoomClaims, 'LTI_INVALID', 'LTI_INVALID');
  }

  verifyResume(token: string): Promise<ResumeClaims> {
    return this.#verify(token, 'resume', ResumeClaims, 'RESUME_EXPIRED', 'RESUME_EXPIRED');
  }

  /** Verifies signature, algorithm, issuer, audience and expiry, then the claims' shape. */
  async #verify<T>(token: string, typ: Claims['typ'], schema: z.ZodType<T>, invalid: ErrorCode, expired: ErrorCode): Promise<T> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], issuer: ISSUER, audience: typ }));
    } catch (err) {
      throw new AmphiError(err instanceof joseErrors.JWTExpired ? expired : invalid);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new AmphiError(invalid);
    return parsed.data;
  }
}

/** A random opaque token (cookie values, invites) and the hash under which it is stored. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
