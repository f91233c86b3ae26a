import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AmphiError, type User } from '@amphi/protocol';
import type { AccountService, SessionRecord } from '../auth/index.js';

export const SESSION_COOKIE = 'amphi_session';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, resolved from the cookie (null when signed out). */
    auth: SessionRecord | null;
    /** The session cookie value, when a valid session was found. */
    sessionCookie: string | null;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves the session cookie on every /api request, and protects cookie-authenticated
 * writes against cross-site requests: a foreign `Origin` is refused, and a request that
 * carries a session must also carry that session's `x-csrf-token` header. A request with an
 * `Authorization` header is authenticated by that header only (browsers never add it by
 * themselves, so it needs no CSRF token).
 */
export function registerRequestAuth(app: FastifyInstance, accounts: AccountService, publicUrl: string): void {
  const publicOrigin = new URL(publicUrl).origin;
  app.decorateRequest('auth', null);
  app.decorateRequest('sessionCookie', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    // A request with an Authorization header (an LTI app token) is authenticated by it alone:
    // the session cookie is ignored, so that header cannot stand in for the CSRF token.
    const cookie = request.headers.authorization === undefined ? request.cookies[SESSION_COOKIE] : undefined;
    if (cookie) {
      const session = await accounts.findSession(cookie);
      if (session) {
        request.auth = session;
        request.sessionCookie = cookie;
      }
    }
    if (!UNSAFE.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== publicOrigin && origin !== `${request.protocol}://${request.host}`) {
      throw new AmphiError('CSRF_FAILED');
    }
    if (request.auth) {
      const header = request.headers['x-csrf-token'];
      if (typeof header !== 'string' || !sameToken(header, request.auth.csrfToken)) throw new AmphiError('CSRF_FAILED');
    }
  });
}

export function requireUser(request: FastifyRequest): User {
  if (!request.auth) throw new AmphiError('NOT_AUTHENTICATED');
  return request.auth.user;
}

export function requireAdmin(request: FastifyRequest): User {
  const user = requireUser(request);
  if (user.role !== 'admin') throw new AmphiError('NOT_ALLOWED');
  return user;
}
