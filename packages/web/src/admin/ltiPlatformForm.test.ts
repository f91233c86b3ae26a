import { describe, expect, it } from 'vitest';
import { EMPTY_PLATFORM_DRAFT, checkPlatformDraft, deploymentIdsOf, problemsFromServer, registrationOf, type PlatformDraft } from './ltiPlatformForm.js';

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

describe('problemsFromServer', () => {
  it('marks the fields a VALIDATION_FAILED message names', () => {
    const message = 'Invalid platform registration: jwksUrl: must use https (plain http only on localhost or 127.0.0.1); deploymentIds.0: empty.';
    expect(problemsFromServer({ code: 'VALIDATION_FAILED', message })).toEqual({ jwksUrl: 'refused', deploymentIds: 'refused' });
  });

  it('marks the fields of the issues the server gives', () => {
    expect(problemsFromServer({ code: 'VALIDATION_FAILED', message: 'body/issuer must be string', issues: [{ path: 'issuer' }, { path: 'deploymentIds.1' }, { path: 'other' }] })).toEqual({
      issuer: 'refused',
      deploymentIds: 'refused',
    });
  });

  it('marks the client id of a registration already made, and nothing for other errors', () => {
    expect(problemsFromServer({ code: 'INVALID_STATE', message: 'already registered' })).toEqual({ clientId: 'duplicate' });
    expect(problemsFromServer({ code: 'CSRF_FAILED', message: 'issuer: nope' })).toEqual({});
  });
});
