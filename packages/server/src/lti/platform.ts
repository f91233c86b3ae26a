import { z } from 'zod';
import { AmphiError } from '@amphi/protocol';

/**
 * A learning platform (Moodle, Canvas, Open edX…) registered by an administrator for LTI 1.3.
 * One platform may register Amphi several times: a registration is keyed by (issuer, clientId).
 */
export interface PlatformRegistration {
  /** The platform's `iss`, e.g. `https://moodle.example.edu`. */
  readonly issuer: string;
  /** The client id the platform gave to Amphi: the `aud` of its id_tokens. */
  readonly clientId: string;
  /** Deployment ids accepted from this platform (at least one). */
  readonly deploymentIds: readonly string[];
  /** Where the platform publishes its public keys. */
  readonly jwksUrl: string;
  /** The platform's OIDC authorization endpoint (the login redirect goes there). */
  readonly authUrl: string;
  /** The platform's OAuth 2 token endpoint (services: NRPS, AGS). */
  readonly tokenUrl: string;
}

/** Finds the registrations of an issuer (all of its client ids); injected (the database, or a list in tests). */
export type PlatformLookup = (issuer: string) => Promise<readonly PlatformRegistration[]>;

const MAX_URL = 2048;
const MAX_ID = 255;

/** Hosts allowed over plain http, so tests can run a platform on the loopback interface. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function secureUrl() {
  return z
    .string()
    .trim()
    .max(MAX_URL, `longer than ${MAX_URL} characters`)
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a URL' });
        return;
      }
      if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
      if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment (#…)' });
      const loopback = LOOPBACK_HOSTS.has(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
        ctx.addIssue({ code: 'custom', message: 'must use https (plain http only on localhost or 127.0.0.1)' });
      }
    });
}

const id = () =>
  z.string().trim().min(1, 'empty').max(MAX_ID, `longer than ${MAX_ID} characters`);

const deploymentIds = () =>
  z
    .array(id(), { error: 'must be a list of deployment ids' })
    .min(1, 'needs at least one deployment id')
    .max(100, 'more than 100 deployment ids');

const RegistrationInput = z.object({
  // The issuer is compared byte for byte with the id_token's `iss`: it is a URL, but it is only trimmed, not normalised.
  issuer: secureUrl(),
  clientId: id(),
  deploymentIds: deploymentIds(),
  jwksUrl: secureUrl(),
  authUrl: secureUrl(),
  tokenUrl: secureUrl(),
});

/**
 * The `VALIDATION_FAILED` error of a refused input: its message names every problem
 * (`deploymentIds.0: empty`), and its issues give one entry per wrong top-level field
 * (path `deploymentIds`, or '' for the input as a whole), its problems joined by '; '.
 */
function invalid(what: string, whole: string, error: z.ZodError): AmphiError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || whole}: ${issue.message}`);
  const byField = new Map<string, string[]>();
  for (const issue of error.issues) {
    const [field = '', ...rest] = issue.path.map(String);
    const messages = byField.get(field) ?? [];
    messages.push(rest.length > 0 ? `${rest.join('.')}: ${issue.message}` : issue.message);
    byField.set(field, messages);
  }
  const issues = [...byField].map(([path, messages]) => ({ path, message: messages.join('; ') }));
  return new AmphiError('VALIDATION_FAILED', `Invalid ${what}: ${problems.join('; ')}.`, issues);
}

/**
 * Checks a registration entered by an administrator and returns it trimmed, with deployment ids
 * deduplicated. Throws `VALIDATION_FAILED` naming every wrong field (in its message and its
 * issues). The input is not changed.
 */
export function parsePlatformRegistration(input: unknown): PlatformRegistration {
  const parsed = RegistrationInput.safeParse(input);
  if (!parsed.success) throw invalid('platform registration', 'registration', parsed.error);
  const { issuer, clientId, deploymentIds, jwksUrl, authUrl, tokenUrl } = parsed.data;
  return { issuer, clientId, deploymentIds: [...new Set(deploymentIds)], jwksUrl, authUrl, tokenUrl };
}

const DeploymentsInput = z.object({ deploymentIds: deploymentIds() });

/**
 * Checks a new list of deployment ids for a registered platform (`{ deploymentIds }`, the same
 * rules as at registration) and returns them trimmed and deduplicated. Throws `VALIDATION_FAILED`
 * as `parsePlatformRegistration` does. The input is not changed.
 */
export function parseDeploymentIds(input: unknown): string[] {
  const parsed = DeploymentsInput.safeParse(input);
  if (!parsed.success) throw invalid('deployment ids', 'body', parsed.error);
  return [...new Set(parsed.data.deploymentIds)];
}
