import { describe, expect, it } from 'vitest';
import { AmphiError } from '@amphi/protocol';
import { parseDeploymentIds, parsePlatformRegistration } from './platform.js';

const valid = {
  issuer: 'https://moodle.example.edu',
  clientId: ' abc123 ',
  deploymentIds: ['1', '1', '2'],
  jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
  authUrl: 'https://moodle.example.edu/mod/lti/auth.php',
  tokenUrl: 'https://moodle.example.edu/mod/lti/token.php',
};

function refusal(parse: (input: unknown) => unknown, input: unknown): AmphiError {
  try {
    parse(input);
  } catch (error) {
    if (error instanceof AmphiError && error.code === 'VALIDATION_FAILED') return error;
    throw error;
  }
  throw new Error('the input was accepted');
}

const problem = (input: unknown): string => refusal(parsePlatformRegistration, input).message;
const issuesOf = (parse: (input: unknown) => unknown, input: unknown) => refusal(parse, input).issues;

describe('parsePlatformRegistration', () => {
  it('accepts a registration, trimmed, with each deployment id once, and leaves the input unchanged', () => {
    const input = structuredClone(valid);
    expect(parsePlatformRegistration(input)).toEqual({ ...valid, clientId: 'abc123', deploymentIds: ['1', '2'] });
    expect(input).toEqual(valid);
  });

  it('accepts plain http on localhost and 127.0.0.1 only, for test platforms', () => {
    expect(parsePlatformRegistration({ ...valid, jwksUrl: 'http://127.0.0.1:9001/jwks', authUrl: 'http://localhost:9001/auth' }).jwksUrl).toBe(
      'http://127.0.0.1:9001/jwks',
    );
    expect(problem({ ...valid, jwksUrl: 'http://moodle.example.edu/jwks' })).toMatch(/jwksUrl: must use https/);
    expect(problem({ ...valid, tokenUrl: 'ftp://moodle.example.edu/token' })).toMatch(/tokenUrl: must use https/);
  });

  it('names every wrong field', () => {
    const message = problem({ ...valid, issuer: 'moodle', clientId: '', deploymentIds: [], authUrl: 'https://user:pw@moodle.example.edu/auth' });
    expect(message).toMatch(/issuer: not a URL/);
    expect(message).toMatch(/clientId: empty/);
    expect(message).toMatch(/deploymentIds: needs at least one deployment id/);
    expect(message).toMatch(/authUrl: must not contain credentials/);
  });

  it('gives one issue per wrong field, its path the field name', () => {
    const issues = issuesOf(parsePlatformRegistration, {
      ...valid,
      issuer: 'moodle',
      clientId: '',
      deploymentIds: ['1', ' '],
      jwksUrl: 'http://moodle.example.edu/jwks#keys',
      authUrl: 'https://user:pw@moodle.example.edu/auth',
      tokenUrl: undefined,
    });
    expect(issues?.map((i) => i.path)).toEqual(['issuer', 'clientId', 'deploymentIds', 'jwksUrl', 'authUrl', 'tokenUrl']);
    expect(issues).toContainEqual({ path: 'deploymentIds', message: '1: empty' });
    expect(issues?.find((i) => i.path === 'jwksUrl')?.message).toMatch(/must not contain a fragment.*; must use https/);
    expect(issues?.find((i) => i.path === 'authUrl')?.message).toBe('must not contain credentials');
    expect(issuesOf(parsePlatformRegistration, { ...valid, deploymentIds: [] })).toEqual([{ path: 'deploymentIds', message: 'needs at least one deployment id' }]);
    expect(issuesOf(parsePlatformRegistration, null)).toEqual([{ path: '', message: expect.any(String) }]);
  });

  it('refuses missing fields and input that is not an object', () => {
    expect(problem({ issuer: valid.issuer })).toMatch(/clientId/);
    expect(problem(null)).toMatch(/Invalid platform registration/);
    expect(problem({ ...valid, deploymentIds: '1' })).toMatch(/deploymentIds: must be a list of deployment ids/);
  });
});

describe('parseDeploymentIds', () => {
  it('returns the ids trimmed, each once, and leaves the input unchanged', () => {
    const input = { deploymentIds: [' dep-1 ', 'dep-2', 'dep-1'] };
    expect(parseDeploymentIds(input)).toEqual(['dep-1', 'dep-2']);
    expect(input).toEqual({ deploymentIds: [' dep-1 ', 'dep-2', 'dep-1'] });
  });

  it('keeps the rules of the registration: at least one id, none empty or longer than 255 characters', () => {
    expect(issuesOf(parseDeploymentIds, { deploymentIds: [] })).toEqual([{ path: 'deploymentIds', message: 'needs at least one deployment id' }]);
    expect(issuesOf(parseDeploymentIds, { deploymentIds: ['ok', '  ', 'x'.repeat(256)] })).toEqual([{ path: 'deploymentIds', message: '1: empty; 2: longer than 255 characters' }]);
    expect(issuesOf(parseDeploymentIds, { deploymentIds: '1' })).toEqual([{ path: 'deploymentIds', message: 'must be a list of deployment ids' }]);
    expect(issuesOf(parseDeploymentIds, {})).toEqual([{ path: 'deploymentIds', message: 'must be a list of deployment ids' }]);
    expect(refusal(parseDeploymentIds, { deploymentIds: [''] }).message).toBe('Invalid deployment ids: deploymentIds.0: empty.');
  });
});
