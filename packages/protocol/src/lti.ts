import { z } from 'zod';
import { RoomTitle } from './api.js';
import { Role, RoomKind } from './roles.js';

/** The URLs an administrator pastes into the learning platform when registering Amphi (LTI 1.3). */
export const LtiToolUrls = z.object({
  /** OIDC third-party login initiation URL. */
  loginUrl: z.string(),
  /** Target link / redirect URL of launches. */
  launchUrl: z.string(),
  /** Amphi's public keys. */
  jwksUrl: z.string(),
  /** Deep Linking 2.0 request URL (the launch URL: the message type tells them apart). */
  deepLinkingUrl: z.string(),
});
export type LtiToolUrls = z.infer<typeof LtiToolUrls>;

/** A registered LTI 1.3 platform. The request body is checked by the server's platform parser. */
export const LtiPlatform = z.object({
  id: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  deploymentIds: z.array(z.string()),
  jwksUrl: z.string(),
  authUrl: z.string(),
  tokenUrl: z.string(),
  createdAt: z.string(),
});
export type LtiPlatform = z.infer<typeof LtiPlatform>;

/** The body of `POST /api/admin/lti/platforms`, checked by the server's platform parser (lti/platform.ts). */
export interface LtiPlatformRegistrationBody {
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  jwksUrl: string;
  authUrl: string;
  tokenUrl: string;
}

export const LtiPlatformList = z.object({ tool: LtiToolUrls, platforms: z.array(LtiPlatform) });
export type LtiPlatformList = z.infer<typeof LtiPlatformList>;
export const LtiPlatformCreated = z.object({ tool: LtiToolUrls, platform: LtiPlatform });
export type LtiPlatformCreated = z.infer<typeof LtiPlatformCreated>;

export const LtiKeyRotated = z.object({ kid: z.string() });
export type LtiKeyRotated = z.infer<typeof LtiKeyRotated>;

/** An LTI 1.1 consumer as listed: never its secret. */
export const Lti11Consumer = z.object({ consumerKey: z.string(), name: z.string(), createdAt: z.string() });
export type Lti11Consumer = z.infer<typeof Lti11Consumer>;
export const CreateLti11ConsumerBody = z.object({ name: z.string().trim().min(1).max(120) }).strict();
/** A consumer just created, with its secret: shown this once. */
export const IssuedLti11Consumer = Lti11Consumer.extend({ secret: z.string() });
export type IssuedLti11Consumer = z.infer<typeof IssuedLti11Consumer>;

/** What an LTI app token stands for: the web app's view of a launch. */
export const LtiSession = z.object({
  room: z.object({ id: z.string(), title: z.string(), kind: RoomKind }),
  role: Role,
  name: z.string(),
  /** Whether this person waits in the lobby until a moderator admits them. */
  lobby: z.boolean(),
  /** People in the room's live session now (the pre-join page mutes by default in a large room). */
  liveCount: z.number().int().nonnegative(),
});
export type LtiSession = z.infer<typeof LtiSession>;

/**
 * The data Amphi puts in the `<meta name="amphi-lti">` of the page answering a launch: the web
 * app reads it at start. `storage`: check the state in the platform's storage first (LTI
 * client-side postMessage flow); `resume`: the app was reloaded inside the LMS frame.
 */
export const LtiPlatformStorage = z.object({ target: z.string(), origin: z.string(), key: z.string(), value: z.string() });
export type LtiPlatformStorage = z.infer<typeof LtiPlatformStorage>;
export const LtiLaunchPayload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('room'), token: z.string(), roomId: z.string(), storage: LtiPlatformStorage.optional() }),
  z.object({ kind: z.literal('deepLinking'), token: z.string(), storage: LtiPlatformStorage.optional() }),
  z.object({ kind: z.literal('resume') }),
]);
export type LtiLaunchPayload = z.infer<typeof LtiLaunchPayload>;

/** A room already placed in the course, which a deep linking request may place again. */
export const LtiDeepLinkRoom = z.object({ id: z.string(), title: z.string(), kind: RoomKind });
export type LtiDeepLinkRoom = z.infer<typeof LtiDeepLinkRoom>;

/** GET /api/lti/deep-link: the rooms already placed in the course, and its title (null outside a course or when the platform sent none). */
export const LtiDeepLinkOptions = z.object({ rooms: z.array(LtiDeepLinkRoom), courseTitle: z.string().nullable() });
export type LtiDeepLinkOptions = z.infer<typeof LtiDeepLinkOptions>;

/** POST /api/lti/deep-link: one of the course's rooms, or a new room. */
export const LtiDeepLinkChoice = z.union([
  z.object({ roomId: z.string().min(1).max(100) }).strict(),
  z.object({ create: z.object({ title: RoomTitle, kind: RoomKind }).strict() }).strict(),
]);
export type LtiDeepLinkChoice = z.infer<typeof LtiDeepLinkChoice>;

/** The signed `LtiDeepLinkingResponse` and where the browser posts it (form field `JWT`). */
export const LtiDeepLinkAnswer = z.object({ returnUrl: z.string(), jwt: z.string() });
export type LtiDeepLinkAnswer = z.infer<typeof LtiDeepLinkAnswer>;
