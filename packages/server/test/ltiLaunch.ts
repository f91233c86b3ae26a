import { LtiLaunchPayload } from '@amphi/protocol';
import type { TestServer } from './harness.js';
import { startLtiPlatform, type LtiPlatform } from './ltiPlatform.js';

export const CLIENT_ID = 'amphi-at-moodle';
export const DEPLOYMENT_ID = 'dep-1';

/** Unescapes an attribute value as Amphi's pages write it (escapeHtml: numeric entities only). */
function unescapeAttribute(value: string): string {
  return value.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** The launch data of the page answering a launch (`<meta name="amphi-lti">`), or null when the page has none. */
export function launchPayload(html: string): LtiLaunchPayload | null {
  const match = /<meta name="amphi-lti" content="([^"]*)">/.exec(html);
  return match ? LtiLaunchPayload.parse(JSON.parse(unescapeAttribute(match[1]!))) : null;
}

/** A Moodle-like platform registered in this Amphi server, with one deployment. */
export async function registeredPlatform(server: TestServer): Promise<LtiPlatform> {
  const platform = await startLtiPlatform({
    tool: { clientId: CLIENT_ID, deploymentIds: [DEPLOYMENT_ID], redirectUris: [`${server.baseUrl}/lti/launch`], jwksUrl: `${server.baseUrl}/lti/jwks` },
  });
  const registered = await server.ltiStore.addPlatform(platform.registration(), new Date());
  if (!registered) throw new Error('the platform was already registered');
  return platform;
}
