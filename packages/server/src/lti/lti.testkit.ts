import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { JwksCache } from './jwks.js';
import type { LaunchDeps } from './launch.js';
import { MemoryLoginStateStore } from './loginState.js';
import { initiateLogin, type LoginRedirect } from './oidcLogin.js';
import type { PlatformRegistration } from './platform.js';

/**
 * A Moodle-like platform for the unit tests of the LTI verifiers: it has RSA keys of its own,
 * publishes some of them as its JWKS (through a fake fetch that counts calls), and signs
 * id_tokens like Moodle's. The clock is a number the test moves.
 */

export const ISSUER = 'https://moodle.test';
export const CLIENT_ID = 'amphi-client-1';
export const DEPLOYMENT_ID = 'deployment-1';
export const LAUNCH_URL = 'https://amphi.test/lti/launch';
export const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

export const REGISTRATION: PlatformRegistration = {
  issuer: ISSUER,
  clientId: CLIENT_ID,
  deploymentIds: [DEPLOYMENT_ID],
  jwksUrl: 'https://moodle.test/mod/lti/certs.php',
  authUrl: 'https://moodle.test/mod/lti/auth.php',
  tokenUrl: 'https://moodle.test/mod/lti/token.php',
};

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyPair['privateKey'];
  readonly publicKey: KeyPair['publicKey'];
  readonly publicJwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
export const ROLES = {
  instructor: [LIS + 'membership#Instructor', LIS + 'institution/person#Faculty'],
  learner: [LIS + 'membership#Learner', LIS + 'institution/person#Student'],
  admin: [LIS + 'institution/person#Administrator', LIS + 'system/person#Administrator'],
} as const;

/** The claims of a Moodle resource link launch (course "Physique 101", activity "Cours magistral"). */
export function launchClaims(nonce: string, roles: readonly string[], overrides: JWTPayload = {}): JWTPayload {
  return {
    nonce,
    sub: 'moodle-user-42',
    name: 'Ana Souza',
    email: 'ana@moodle.test',
    'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
    'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
    'https://purl.imsglobal.org/spec/lti/claim/deployment_id': DEPLOYMENT_ID,
    'https://purl.imsglobal.org/spec/lti/claim/target_link_uri': LAUNCH_URL,
    'https://purl.imsglobal.org/spec/lti/claim/resource_link': { id: 'link-7', title: 'Cours magistral', description: '' },
    'https://purl.imsglobal.org/spec/lti/claim/roles': [...roles],
    'https://purl.imsglobal.org/spec/lti/claim/context': {
      id: 'course-3',
      label: 'PHY101',
      title: 'Physique 101',
      type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection'],
    },
    ...overrides,
  };
}

export class TestPlatform {
  now = T0;
  /** The keys the JWKS endpoint publishes. */
  published: SigningKey[];
  jwksFetches = 0;
  readonly states = new MemoryLoginStateStore({ now: () => this.now });
  readonly cache = new JwksCache({
    fetchJwks: (url) => {
      this.jwksFetches += 1;
      if (url !== REGISTRATION.jwksUrl) return Promise.reject(new Error('not found'));
      return Promise.resolve({ keys: this.published.map((k) => k.publicJwk) });
    },
    now: () => this.now,
  });
  readonly registrations: PlatformRegistration[] = [REGISTRATION];

  constructor(readonly key: SigningKey) {
    this.published = [key];
  }

  deps(): LaunchDeps {
    return { platforms: (iss) => Promise.resolve(this.registrations.filter((r) => r.issuer === iss)), states: this.states, keys: this.cache, now: () => this.now };
  }

  /** A login initiation as Moodle sends it, answered by Amphi. */
  login(params: Record<string, string> = {}): Promise<LoginRedirect> {
    return initiateLogin(
      { iss: ISSUER, login_hint: '42', target_link_uri: LAUNCH_URL, lti_message_hint: 'hint-7', client_id: CLIENT_ID, lti_deployment_id: DEPLOYMENT_ID, ...params },
      { ...this.deps(), redirectUri: LAUNCH_URL },
    );
  }

  /** Signs claims as the platform does: RS256, its key's kid, iss, aud, iat now, exp in a minute. */
  sign(claims: JWTPayload, options: { key?: SigningKey; aud?: string | string[]; iat?: number; exp?: number } = {}): Promise<string> {
    const key = options.key ?? this.key;
    const seconds = Math.floor(this.now / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(options.aud ?? CLIENT_ID)
      .setIssuedAt(options.iat ?? seconds)
      .setExpirationTime(options.exp ?? seconds + 60)
      .sign(key.privateKey);
  }
}
