import { describe, expect, it } from 'vitest';
import { EMPTY_PLATFORM_DRAFT, checkPlatformDraft, deploymentIdsOf, deploymentIdsProblem, problemsFromServer, registrationOf, type PlatformDraft } from './ltiPlatformForm.js';

const moodle: PlatformDraft = {
  issuer: ' https://moodle.uni.example ',
  clientId: ' aBc123 ',
  deploymentIds: '1, 2\n1',
  jwksUrl: 'https://moodle.uni.example/mod/lti/certs.php',
  authUrl: 'https://moodle.uni.example/mod/lti/auth.php',
  tokenUrl: 'https://moodle.uni.example/mod/lti/token.php',
};

describe('registrationOf', () => {
  it('trims the values and splits the deployment ids without repeats', () => {
    expect(registrationOf(moodle)).toEqual({
      issuer: 'https://moodle.uni.example',
      clientId: 'aBc123',
      deploymentIds: ['1', '2'],
      jwksUrl: moodle.jwksUrl,
      authUrl: moodle.authUrl,
      tokenUrl: moodle.tokenUrl,
    });
  });

  it('keeps Canvas deployment ids, which contain colons, whole', () => {
    expect(deploymentIdsOf('123:8865aa05b4b79b64a91a86042e43af5ea8ae79eb ; 7')).toEqual(['123:8865aa05b4b79b64a91a86042e43af5ea8ae79eb', '7']);
  });
});

describe('checkPlatformDraft', () => {
  it('accepts a complete registration', () => {
    expect(checkPlatformDraft(moodle)).toEqual({});
  });

  it('asks for every field of an empty form', () => {
    expect(checkPlatformDraft({ ...EMPTY_PLATFORM_DRAFT, deploymentIds: ' , ' })).toEqual({
      issuer: 'required',
      clientId: 'required',
      deploymentIds: 'required',
      jwksUrl: 'required',
      authUrl: 'required',
      tokenUrl: 'required',
    });
  });

  it('wants https addresses, plain http only on the loopback interface', () => {
    expect(checkPlatformDraft({ ...moodle, jwksUrl: 'http://moodle.uni.example/certs.php', authUrl: 'moodle.uni.example/auth', tokenUrl: 'http://localhost:9001/token' })).toEqual({
      jwksUrl: 'notHttps',
      authUrl: 'notUrl',
    });
    expect(checkPlatformDraft({ ...moodle, issuer: 'https://user:pw@moodle.uni.example' })).toEqual({ issuer: 'notUrl' });
  });

  it('refuses ids longer than the server keeps', () => {
    expect(checkPlatformDraft({ ...moodle, clientId: 'x'.repeat(256), deploymentIds: `1 ${'d'.repeat(256)}` })).toEqual({ clientId: 'tooLong', deploymentIds: 'tooLong' });
  });
});

describe('deploymentIdsProblem', () => {
  it('wants at least one id, none longer than the server keeps', () => {
    expect(deploymentIdsProblem(deploymentIdsOf('dep-1\ndep-2, dep-3'))).toBeNull();
    expect(deploymentIdsProblem(deploymentIdsOf(' ,\n '))).toBe('required');
    expect(deploymentIdsProblem(['1', 'd'.repeat(256)])).toBe('tooLong');
  });
});

describe('problemsFromServer', () => {
  it('marks the fields of the issues the server gives, once each', () => {
    const issues = [
      { path: 'jwksUrl', message: 'must use https (plain http only on localhost or 127.0.0.1)' },
      { path: 'deploymentIds', message: '0: empty' },
      { path: 'issuer', message: 'not a URL' },
    ];
    expect(problemsFromServer({ code: 'VALIDATION_FAILED', issues })).toEqual({ jwksUrl: 'refused', deploymentIds: 'refused', issuer: 'refused' });
  });

  it('reads the field of a nested path and ignores paths that are not fields', () => {
    expect(problemsFromServer({ code: 'VALIDATION_FAILED', issues: [{ path: 'deploymentIds.1' }, { path: 'other' }, { path: '' }] })).toEqual({ deploymentIds: 'refused' });
  });

  it('marks nothing when the refusal names no field', () => {
    expect(problemsFromServer({ code: 'VALIDATION_FAILED' })).toEqual({});
  });

  it('marks the client id of a registration already made, and nothing for other errors', () => {
    expect(problemsFromServer({ code: 'INVALID_STATE' })).toEqual({ clientId: 'duplicate' });
    expect(problemsFromServer({ code: 'CSRF_FAILED', issues: [{ path: 'issuer' }] })).toEqual({});
  });
});
