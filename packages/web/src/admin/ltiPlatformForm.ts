import type { LtiPlatformRegistrationBody } from '@amphi/protocol';

/** The fields of an LTI 1.3 platform registration, in the order of the form. */
export const PLATFORM_FIELDS = ['issuer', 'clientId', 'deploymentIds', 'jwksUrl', 'authUrl', 'tokenUrl'] as const;
export type PlatformField = (typeof PLATFORM_FIELDS)[number];

/** What the administrator typed (deployment ids as one text). */
export type PlatformDraft = Record<PlatformField, string>;
export const EMPTY_PLATFORM_DRAFT: PlatformDraft = { issuer: '', clientId: '', deploymentIds: '', jwksUrl: '', authUrl: '', tokenUrl: '' };

/** The LTI 1.1 launch URL of this server (the web app and the API share one origin). */
export function lti11LaunchUrl(): string {
  return `${window.location.origin}/lti/launch11`;
}

/** Why a field is wrong; each has a translated message (`ltiAdmin.problems.<problem>`). */
export type FieldProblem = 'required' | 'notUrl' | 'notHttps' | 'tooLong' | 'refused' | 'duplicate';
export type FieldProblems = Partial<Record<PlatformField, FieldProblem>>;

// The server's limits (packages/server/src/lti/platform.ts), checked here to answer in the user's language.
const MAX_URL = 2048;
const MAX_ID = 255;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const URL_FIELDS = new Set<PlatformField>(['issuer', 'jwksUrl', 'authUrl', 'tokenUrl']);

/** Deployment ids typed in one field, separated by commas, semicolons, spaces or lines; without repeats. */
export function deploymentIdsOf(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((id) => id !== ''))];
}

/** The request body of a draft: values trimmed, deployment ids split. */
export function registrationOf(draft: PlatformDraft): LtiPlatformRegistrationBody {
  return {
    issuer: draft.issuer.trim(),
    clientId: draft.clientId.trim(),
    deploymentIds: deploymentIdsOf(draft.deploymentIds),
    jwksUrl: draft.jwksUrl.trim(),
    authUrl: draft.authUrl.trim(),
    tokenUrl: draft.tokenUrl.trim(),
  };
}

function urlProblem(value: string): FieldProblem | null {
  if (value.length > MAX_URL) return 'tooLong';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'notUrl';
  }
  if (url.username || url.password || url.hash) return 'notUrl';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return null;
  return 'notHttps';
}

/** The same checks as the server's, so that most mistakes are shown before sending. Empty when the draft is fine. */
export function checkPlatformDraft(draft: PlatformDraft): FieldProblems {
  const body = registrationOf(draft);
  const problems: FieldProblems = {};
  for (const field of PLATFORM_FIELDS) {
    let problem: FieldProblem | null;
    if (field === 'deploymentIds') problem = deploymentIdsProblem(body.deploymentIds);
    else if (body[field] === '') problem = 'required';
    else if (URL_FIELDS.has(field)) problem = urlProblem(body[field]);
    else problem = body[field].length > MAX_ID ? 'tooLong' : null;
    if (problem) problems[field] = problem;
  }
  return problems;
}

/** What is wrong with a list of deployment ids (at registration or when editing them), or null. */
export function deploymentIdsProblem(ids: readonly string[]): FieldProblem | null {
  if (ids.length === 0) return 'required';
  return ids.some((id) => id.length > MAX_ID) ? 'tooLong' : null;
}

function isPlatformField(name: string): name is PlatformField {
  return (PLATFORM_FIELDS as readonly string[]).includes(name);
}

/**
 * The fields a refusal of the server names in its `issues` (`deploymentIds`, or
 * `deploymentIds.1` from a request schema). A second registration of the same issuer and
 * client id (INVALID_STATE) marks the client id.
 */
export function problemsFromServer(error: { code: string; issues?: readonly { path: string }[] }): FieldProblems {
  if (error.code === 'INVALID_STATE') return { clientId: 'duplicate' };
  if (error.code !== 'VALIDATION_FAILED') return {};
  const problems: FieldProblems = {};
  for (const issue of error.issues ?? []) {
    const field = issue.path.split('.')[0] ?? '';
    if (isPlatformField(field)) problems[field] = 'refused';
  }
  return problems;
}
