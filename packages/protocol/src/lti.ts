import { z } from 'zod';

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

export const LtiPlatformList = z.object({ tool: LtiToolUrls, platforms: z.array(LtiPlatform) });
export const LtiPlatformCreated = z.object({ tool: LtiToolUrls, platform: LtiPlatform });

export const LtiKeyRotated = z.object({ kid: z.string() });

/** An LTI 1.1 consumer as listed: never its secret. */
export const Lti11Consumer = z.object({ consumerKey: z.string(), name: z.string(), createdAt: z.string() });
export type Lti11Consumer = z.infer<typeof Lti11Consumer>;
export const CreateLti11ConsumerBody = z.object({ name: z.string().trim().min(1).max(120) }).strict();
/** A consumer just created, with its secret: shown this once. */
export const IssuedLti11Consumer = Lti11Consumer.extend({ secret: z.string() });
