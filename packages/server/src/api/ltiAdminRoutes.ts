import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AmphiError, CreateLti11ConsumerBody, ErrorBody, IssuedLti11Consumer, Lti11Consumer, LtiKeyRotated, LtiPlatform, LtiPlatformCreated, LtiPlatformList, type LtiToolUrls } from '@amphi/protocol';
import { randomToken } from '../auth/index.js';
import { parseDeploymentIds, parsePlatformRegistration, type Sealer, type ToolKeys } from '../lti/index.js';
import type { LtiPlatformRecord, LtiStore } from '../storage/index.js';
import { requireAdmin } from '../http/requestAuth.js';

export interface LtiAdminRoutesOptions {
  lti: LtiStore;
  keys: ToolKeys;
  sealer: Sealer;
  publicUrl: string;
  /** Requests per minute per address on /lti/jwks (the API's general limit). */
  rateJwksPerMin: number;
  now?: () => Date;
}

/** Seconds a platform may cache /lti/jwks: a rotated key is published before it signs, retired ones stay an hour. */
export const JWKS_MAX_AGE_S = 300;

const Params = z.object({ id: z.string().min(1).max(255) });

/** The tool's URLs to paste into the platform, from the public base URL. */
export function ltiToolUrls(publicUrl: string): LtiToolUrls {
  const base = publicUrl.replace(/\/+$/, '');
  return { loginUrl: `${base}/lti/login`, launchUrl: `${base}/lti/launch`, jwksUrl: `${base}/lti/jwks`, deepLinkingUrl: `${base}/lti/launch` };
}

/**
 * Amphi's public keys (`GET /lti/jwks`) and the administrators' LTI settings: LTI 1.3
 * platforms, key rotation, LTI 1.1 consumers (`/api/admin/lti/…`, signed-in administrators,
 * writes with the CSRF header like every cookie-authenticated write).
 */
export function registerLtiAdminRoutes(app: FastifyInstance, options: LtiAdminRoutesOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { lti, keys, sealer } = options;
  const now = options.now ?? (() => new Date());
  const tags = ['lti'];
  const tool = ltiToolUrls(options.publicUrl);

  const toPlatform = (p: LtiPlatformRecord): LtiPlatform => ({
    id: p.id,
    issuer: p.issuer,
    clientId: p.clientId,
    deploymentIds: p.deploymentIds,
    jwksUrl: p.jwksUrl,
    authUrl: p.authUrl,
    tokenUrl: p.tokenUrl,
    createdAt: p.createdAt.toISOString(),
  });

  r.get(
    '/lti/jwks',
    { config: { rateLimit: { max: options.rateJwksPerMin, timeWindow: '1 minute' } }, schema: { tags, summary: "Amphi's public signing keys (JWKS) for LTI platforms" } },
    async (_request, reply) => {
      void reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`);
      return keys.jwks();
    },
  );

  r.get('/api/admin/lti/platforms', { schema: { tags, summary: "Registered LTI 1.3 platforms and the tool's URLs to give them", response: { 200: LtiPlatformList } } }, async (request) => {
    requireAdmin(request);
    return { tool, platforms: (await lti.platforms()).map(toPlatform) };
  });

  r.post(
    '/api/admin/lti/platforms',
    {
      schema: {
        tags,
        summary: 'Register an LTI 1.3 platform',
        description: 'Body: issuer, clientId, deploymentIds (at least one), jwksUrl, authUrl, tokenUrl (https, or http on localhost).',
        response: { 201: LtiPlatformCreated, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const registration = parsePlatformRegistration(request.body);
      const platform = await lti.addPlatform({ ...registration, deploymentIds: [...registration.deploymentIds] }, now());
      if (!platform) throw new AmphiError('INVALID_STATE', `A platform with issuer ${registration.issuer} and client id ${registration.clientId} is already registered.`);
      request.log.info({ platformId: platform.id, issuer: platform.issuer }, 'LTI platform registered');
      return reply.status(201).send({ tool, platform: toPlatform(platform) });
    },
  );

  r.put(
    '/api/admin/lti/platforms/:id/deployments',
    {
      schema: {
        tags,
        summary: "Replace an LTI 1.3 platform's deployment ids",
        description: 'Body: { deploymentIds } (at least one, each up to 255 characters; trimmed, repeats dropped). The platform keeps its id, so the activities and courses that refer to it keep working.',
        params: Params,
        response: { 200: LtiPlatform, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      requireAdmin(request);
      const deploymentIds = parseDeploymentIds(request.body);
      const platform = await lti.setDeployments(request.params.id, deploymentIds);
      if (!platform) throw new AmphiError('NOT_FOUND', 'No such LTI platform.');
      request.log.info({ platformId: platform.id, deployments: deploymentIds.length }, 'LTI platform deployments changed');
      return toPlatform(platform);
    },
  );

  r.delete('/api/admin/lti/platforms/:id', { schema: { tags, summary: 'Remove an LTI 1.3 platform', params: Params, response: { 204: z.null(), 404: ErrorBody } } }, async (request, reply) => {
    requireAdmin(request);
    if (!(await lti.deletePlatform(request.params.id))) throw new AmphiError('NOT_FOUND', 'No such LTI platform.');
    request.log.info({ platformId: request.params.id }, 'LTI platform removed');
    return reply.status(204).send(null);
  });

  r.post('/api/admin/lti/keys/rotate', { schema: { tags, summary: "Make a new signing key; the old one stays published for an hour", response: { 200: LtiKeyRotated } } }, async (request) => {
    requireAdmin(request);
    const kid = await keys.rotate();
    request.log.info({ kid }, 'LTI signing key rotated');
    return { kid };
  });

  r.get('/api/admin/lti/consumers', { schema: { tags, summary: 'LTI 1.1 consumers (without their secrets)', response: { 200: z.array(Lti11Consumer) } } }, async (request) => {
    requireAdmin(request);
    return (await lti.consumers()).map((c) => ({ consumerKey: c.consumerKey, name: c.name, createdAt: c.createdAt.toISOString() }));
  });

  r.post(
    '/api/admin/lti/consumers',
    { schema: { tags, summary: 'Create an LTI 1.1 consumer; its secret is shown this once', body: CreateLti11ConsumerBody, response: { 201: IssuedLti11Consumer, 400: ErrorBody } } },
    async (request, reply) => {
      requireAdmin(request);
      const consumerKey = `amphi-${randomToken(12)}`;
      const secret = randomToken(32);
      const createdAt = now();
      if (!(await lti.addConsumer({ consumerKey, name: request.body.name, secretSealed: sealer.seal(secret), createdAt }))) throw new AmphiError('INTERNAL');
      request.log.info({ consumerKey }, 'LTI 1.1 consumer created');
      void reply.header('cache-control', 'no-store');
      return reply.status(201).send({ consumerKey, name: request.body.name, createdAt: createdAt.toISOString(), secret });
    },
  );

  r.delete(
    '/api/admin/lti/consumers/:id',
    { schema: { tags, summary: 'Remove an LTI 1.1 consumer (by its consumer key)', params: Params, response: { 204: z.null(), 404: ErrorBody } } },
    async (request, reply) => {
      requireAdmin(request);
      if (!(await lti.deleteConsumer(request.params.id))) throw new AmphiError('NOT_FOUND', 'No such LTI 1.1 consumer.');
      return reply.status(204).send(null);
    },
  );
}
