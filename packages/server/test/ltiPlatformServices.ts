import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { deepLinkReturnPage } from './ltiCoursePage.js';

/**
 * What the test platform receives from the tool, as Moodle does: the deep linking response, the
 * OAuth 2 token endpoint (client credentials with a JWT client assertion), Names and Role
 * Provisioning (the course roster, paged with `limit` and a `Link: rel="next"` header) and
 * Assignment and Grade Services (line items and scores, with the media types Moodle requires).
 */

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

export const SCOPES = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;

/** The tool as registered in the platform: what the platform trusts. */
export interface ToolRegistration {
  readonly clientId: string;
  readonly deploymentIds: readonly string[];
  /** Redirect URIs the authentication response may go to (the tool's launch URL). */
  readonly redirectUris: readonly string[];
  /** The tool's public keys: client assertions and deep linking responses are verified with them. */
  readonly jwksUrl: string;
}

/** A person enrolled in a course, as NRPS reports them. */
export interface Member {
  readonly userId: string;
  readonly name?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly email?: string;
  readonly roles: readonly string[];
  /** Default `Active`. */
  readonly status?: 'Active' | 'Inactive' | 'Deleted';
}

export interface Course {
  readonly id: string;
  readonly label?: string;
  readonly title?: string;
  readonly members: Member[];
}

export interface LineItem {
  readonly id: string;
  readonly label: string;
  readonly scoreMaximum: number;
  readonly resourceLinkId?: string;
  readonly resourceId?: string;
  readonly tag?: string;
}

export interface DeepLinkReturn {
  readonly contentItems: readonly Record<string, unknown>[];
  readonly data?: string;
  readonly msg?: string;
  readonly claims: JWTPayload;
}

export interface StoredScore {
  readonly contextId: string;
  readonly lineItemId: string;
  readonly score: z.infer<typeof Score>;
}

const MAX_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(text);
}

const LineItemInput = z.object({
  label: z.string().min(1),
  scoreMaximum: z.number().positive(),
  resourceLinkId: z.string().optional(),
  resourceId: z.string().optional(),
  tag: z.string().optional(),
});

const Score = z.object({
  userId: z.string().min(1),
  scoreGiven: z.number().min(0).optional(),
  scoreMaximum: z.number().positive().optional(),
  comment: z.string().optional(),
  timestamp: z.string().min(1),
  activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
  gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
});

interface Grant {
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt: number;
}

export class PlatformServices {
  readonly courses = new Map<string, Course>();
  readonly lineItems = new Map<string, LineItem[]>();
  /** Scores received, in order. */
  readonly scores: StoredScore[] = [];
  readonly deepLinks: DeepLinkReturn[] = [];
  readonly deepLinkErrors: string[] = [];
  /** Access tokens issued (for assertions on scopes). */
  readonly grants = new Map<string, Grant>();
  readonly #usedJti = new Set<string>();
  #toolKeys?: { url: string; keys: JWTVerifyGetKey };

  constructor(
    private readonly baseUrl: string,
    private readonly tool: () => ToolRegistration,
    private readonly now: () => number,
  ) {}

  get tokenUrl(): string {
    return `${this.baseUrl}/token`;
  }

  /** The tool's key set, fetched over HTTP (jose caches it and refetches for an unknown kid). */
  toolKeys(): JWTVerifyGetKey {
    const url = this.tool().jwksUrl;
    if (this.#toolKeys?.url !== url) this.#toolKeys = { url, keys: createRemoteJWKSet(new URL(url)) };
    return this.#toolKeys.keys;
  }

  enrol(context: { id: string; label?: string; title?: string }, member: Member): void {
    let course = this.courses.get(context.id);
    if (!course) {
      course = { ...context, members: [] };
      this.courses.set(context.id, course);
    }
    const index = course.members.findIndex((m) => m.userId === member.userId);
    if (index >= 0) course.members[index] = member;
    else course.members.push(member);
  }

  /** The browser posts the tool's `LtiDeepLinkingResponse` here (form field `JWT`). */
  async deepLinkReturn(req: IncomingMessage, res: ServerResponse, platformIssuer: string): Promise<void> {
    const jwt = new URLSearchParams(await readBody(req)).get('JWT') ?? '';
    const tool = this.tool();
    let added: readonly Record<string, unknown>[];
    try {
      const { payload } = await jwtVerify(jwt, this.toolKeys(), {
        algorithms: ['RS256'],
        issuer: tool.clientId,
        audience: platformIssuer,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat', 'nonce'],
      });
      if (payload[CLAIM + 'message_type'] !== 'LtiDeepLinkingResponse') throw new Error('message_type is not LtiDeepLinkingResponse');
      if (payload[CLAIM + 'version'] !== '1.3.0') throw new Error('version is not 1.3.0');
      const deploymentId = payload[CLAIM + 'deployment_id'];
      if (typeof deploymentId !== 'string' || !tool.deploymentIds.includes(deploymentId)) throw new Error('unknown deployment_id');
      const items = payload[DL_CLAIM + 'content_items'] ?? [];
      if (!Array.isArray(items) || !items.every((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)) {
        throw new Error('content_items is not a list of objects');
      }
      added = items;
      const data = payload[DL_CLAIM + 'data'];
      const msg = payload[DL_CLAIM + 'msg'];
      this.deepLinks.push({
        contentItems: items,
        claims: payload,
        ...(typeof data === 'string' ? { data } : {}),
        ...(typeof msg === 'string' ? { msg } : {}),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deepLinkErrors.push(reason);
      return send(res, 400, `<!doctype html><p>Deep linking response refused: ${reason.replace(/</g, '&lt;')}</p>`, 'text/html; charset=utf-8');
    }
    // The browser's frame shows what was added, as Moodle does before closing the selection.
    send(res, 200, deepLinkReturnPage(added.map((item) => (typeof item.title === 'string' ? item.title : 'Untitled'))), 'text/html; charset=utf-8');
  }

  /** POST /token: client credentials grant with a JWT client assertion (RFC 7523), as LTI 1.3 Security §4.1. */
  async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return send(res, 400, { error: 'invalid_request', error_description: 'client_assertion_type must be jwt-bearer' });
    }
    const assertion = form.get('client_assertion') ?? '';
    const tool = this.tool();
    try {
      const { payload } = await jwtVerify(assertion, this.toolKeys(), {
        algorithms: ['RS256'],
        issuer: tool.clientId,
        subject: tool.clientId,
        audience: this.tokenUrl,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat', 'jti'],
      });
      if (this.#usedJti.has(String(payload.jti))) throw new Error('the jti was already used');
      this.#usedJti.add(String(payload.jti));
    } catch (error) {
      return send(res, 401, { error: 'invalid_client', error_description: error instanceof Error ? error.message : String(error) });
    }
    const allowed = new Set<string>(Object.values(SCOPES));
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.filter((s) => allowed.has(s));
    if (scopes.length === 0) return send(res, 400, { error: 'invalid_scope' });
    const accessToken = randomBytes(24).toString('base64url');
    this.grants.set(accessToken, { scopes: new Set(scopes), expiresAt: this.now() + 3600_000 });
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: scopes.join(' ') });
  }

  /** Whether the request carries a live bearer token with one of the scopes; answers 401/403 if not. */
  #authorize(req: IncomingMessage, res: ServerResponse, scopes: readonly string[]): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const grant = match ? this.grants.get(match[1]!) : undefined;
    if (!grant || grant.expiresAt <= this.now()) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      send(res, 401, { error: 'invalid_token' });
      return false;
    }
    if (!scopes.some((s) => grant.scopes.has(s))) {
      send(res, 403, { error: 'insufficient_scope' });
      return false;
    }
    return true;
  }

  /** GET /nrps/:contextId: the membership container (NRPS 2.0). */
  memberships(req: IncomingMessage, res: ServerResponse, contextId: string, query: URLSearchParams): void {
    if (!this.#authorize(req, res, [SCOPES.nrps])) return;
    const course = this.courses.get(contextId);
    if (!course) return send(res, 404, { error: 'unknown context' });
    const url = `${this.baseUrl}/nrps/${encodeURIComponent(contextId)}`;
    // Paged like Moodle: `limit` members per page, the next page named in a Link header.
    const limit = Number(query.get('limit') ?? course.members.length) || course.members.length;
    const from = Number(query.get('from') ?? 0) || 0;
    const page = course.members.slice(from, from + limit);
    if (from + limit < course.members.length) res.setHeader('link', `<${url}?limit=${limit}&from=${from + limit}>; rel="next"`);
    const members = page.map((m) => ({
      status: m.status ?? 'Active',
      user_id: m.userId,
      roles: m.roles,
      ...(m.name === undefined ? {} : { name: m.name }),
      ...(m.givenName === undefined ? {} : { given_name: m.givenName }),
      ...(m.familyName === undefined ? {} : { family_name: m.familyName }),
      ...(m.email === undefined ? {} : { email: m.email }),
    }));
    send(
      res,
      200,
      { id: url, context: { id: course.id, label: course.label, title: course.title }, members },
      'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
    );
  }

  /** GET and POST /ags/:contextId/lineitems. */
  async lineItemsRoute(req: IncomingMessage, res: ServerResponse, contextId: string, query: URLSearchParams): Promise<void> {
    const items = this.lineItems.get(contextId) ?? [];
    if (req.method === 'GET') {
      if (!this.#authorize(req, res, [SCOPES.lineItem, SCOPES.lineItemReadOnly])) return;
      const filters: [string, keyof LineItem][] = [['resource_link_id', 'resourceLinkId'], ['resource_id', 'resourceId'], ['tag', 'tag']];
      const found = items.filter((item) => filters.every(([param, field]) => !query.has(param) || item[field] === query.get(param)));
      return send(res, 200, found, 'application/vnd.ims.lis.v2.lineitemcontainer+json');
    }
    if (!this.#authorize(req, res, [SCOPES.lineItem])) return;
    if (!hasType(req, 'application/vnd.ims.lis.v2.lineitem+json')) return send(res, 415, { error: 'content-type must be application/vnd.ims.lis.v2.lineitem+json' });
    const parsed = LineItemInput.safeParse(parseJson(await readBody(req)));
    if (!parsed.success) return send(res, 400, { error: 'invalid line item', issues: parsed.error.issues });
    const item: LineItem = { ...parsed.data, id: `${this.baseUrl}/ags/${encodeURIComponent(contextId)}/lineitems/${items.length + 1}` };
    this.lineItems.set(contextId, [...items, item]);
    send(res, 201, item, 'application/vnd.ims.lis.v2.lineitem+json');
  }

  /** POST /ags/:contextId/lineitems/:id/scores. */
  async scoresRoute(req: IncomingMessage, res: ServerResponse, contextId: string, lineItemNumber: string): Promise<void> {
    if (!this.#authorize(req, res, [SCOPES.score])) return;
    const lineItemId = `${this.baseUrl}/ags/${encodeURIComponent(contextId)}/lineitems/${lineItemNumber}`;
    if (!(this.lineItems.get(contextId) ?? []).some((i) => i.id === lineItemId)) return send(res, 404, { error: 'unknown line item' });
    if (!hasType(req, 'application/vnd.ims.lis.v1.score+json')) return send(res, 415, { error: 'content-type must be application/vnd.ims.lis.v1.score+json' });
    const parsed = Score.safeParse(parseJson(await readBody(req)));
    if (!parsed.success) return send(res, 400, { error: 'invalid score', issues: parsed.error.issues });
    this.scores.push({ contextId, lineItemId, score: parsed.data });
    res.writeHead(204).end();
  }
}

function hasType(req: IncomingMessage, type: string): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === type;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
