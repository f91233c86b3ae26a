import { describe, expect, it } from 'vitest';
import { AmphiError } from '@amphi/protocol';
import { parsePlatformRegistration } from './platform.js';

const valid = {
  issuer: 'https://moodle.example.edu',
  clientId: ' abc123 ',
  deploymentIds: ['1', '1', '2'],
  jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
  authUrl: 'https://moodle.example.edu/mod/lti/auth.php',
  tokenUrl: 'https://moodle.example.edu/mod/lti/token.php',
};

function problem(input: unknown): string {
  try {
    parsePlatformRegistration(input);
  } catch (error) {
    if (error instanceof AmphiError && error.code === 'VALIDATION_FAILED') return error.message;
    throw error;
  }
  throw new Error('the registration was accepted');
}

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

  it('refuses missing fields and input that is not an object', () => {
    expect(problem({ issuer: valid.issuer })).toMatch(/clientId/);
    expect(problem(null)).toMatch(/Invalid platform registration/);
    expect(problem({ ...valid, deploymentIds: '1' })).toMatch(/deploymentIds: must be a list of deployment ids/);
  });
});
