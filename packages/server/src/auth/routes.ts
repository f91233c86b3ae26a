import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ChangePasswordBody, ErrorBody, InstanceSettings, InviteBody, InviteResponse, MeResponse, SignInBody, SignUpBody, User } from '@amphi/protocol';
import { SESSION_COOKIE, requireAdmin, requireUser } from '../http/requestAuth.js';
import type { AccountService } from './AccountService.js';

export interface AuthRoutesOptions {
  accounts: AccountService;
  publicUrl: string;
  cookieSecure: boolean;
  sessionTtlS: number;
  /** Requests per minute per address on sign-in and sign-up. */
  rateSignInPerMin: number;
}

const SignedIn = z.object({ user: User, csrfToken: z.string() });

export function registerAuthRoutes(app: FastifyInstance, options: AuthRoutesOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { accounts } = options;
  const strict = { rateLimit: { max: options.rateSignInPerMin, timeWindow: '1 minute' } };

  const setCookie = (reply: FastifyReply, value: string) =>
    reply.setCookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: options.cookieSecure, path: '/', maxAge: options.sessionTtlS });

  r.get('/api/me', { schema: { tags: ['auth'], summary: 'Who is signed in, and the CSRF token for writes', response: { 200: MeResponse } } }, async (request) => ({
    user: request.auth?.user ?? null,
    csrfToken: request.auth?.csrfToken ?? null,
    signupOpen: await accounts.openSignup(),
  }));

  r.post(
    '/api/auth/signup',
    { config: strict, schema: { tags: ['auth'], summary: 'Create an account (open sign-up or invitation) and sign in', body: SignUpBody, response: { 201: SignedIn, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const user = await accounts.signUp(request.body);
      const session = await accounts.openSession(user.id);
      setCookie(reply, session.cookie);
      request.log.info({ userId: user.id }, 'account created');
      return reply.status(201).send({ user, csrfToken: session.csrfToken });
    },
  );

  r.post(
    '/api/auth/signin',
    { config: strict, schema: { tags: ['auth'], summary: 'Sign in with email and password', body: SignInBody, response: { 200: SignedIn, 401: ErrorBody } } },
    async (request, reply) => {
      const user = await accounts.verifyCredentials(request.body.email, request.body.password);
      if (request.sessionCookie) await accounts.closeSession(request.sessionCookie);
      const session = await accounts.openSession(user.id);
      setCookie(reply, session.cookie);
      return { user, csrfToken: session.csrfToken };
    },
  );

  r.post('/api/auth/signout', { schema: { tags: ['auth'], summary: 'Sign out', response: { 204: z.null() } } }, async (request, reply) => {
    if (request.sessionCookie) await accounts.closeSession(request.sessionCookie);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  r.post(
    '/api/auth/password',
    { config: strict, schema: { tags: ['auth'], summary: 'Change my password (signs out my other sessions)', body: ChangePasswordBody, response: { 204: z.null(), 400: ErrorBody, 401: ErrorBody } } },
    async (request, reply) => {
      const user = requireUser(request);
      await accounts.changePassword(user.id, request.body.currentPassword, request.body.newPassword, request.sessionCookie!);
      request.log.info({ userId: user.id }, 'password changed');
      return reply.status(204).send(null);
    },
  );

  r.get('/api/admin/settings', { schema: { tags: ['admin'], summary: 'Instance settings', response: { 200: InstanceSettings } } }, async (request) => {
    requireAdmin(request);
    return { openSignup: await accounts.openSignup() };
  });

  r.put('/api/admin/settings', { schema: { tags: ['admin'], summary: 'Change instance settings', body: InstanceSettings.strict(), response: { 200: InstanceSettings } } }, async (request) => {
    requireAdmin(request);
    await accounts.setOpenSignup(request.body.openSignup);
    return { openSignup: await accounts.openSignup() };
  });

  r.post('/api/admin/invites', { schema: { tags: ['admin'], summary: 'Invite a teacher or an administrator', body: InviteBody, response: { 201: InviteResponse } } }, async (request, reply) => {
    const admin = requireAdmin(request);
    const invite = await accounts.createInvite(admin.id, request.body);
    return reply.status(201).send({ token: invite.token, url: `${options.publicUrl}/signup?invite=${invite.token}`, expiresAt: invite.expiresAt.toISOString() });
  });
}
