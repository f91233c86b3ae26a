import { describe, expect, it } from 'vitest';
import { decideLtiStart, readFragmentToken, readLaunchMeta, readStoredLaunch } from './ltiBoot.js';

const storage = { target: '_parent', origin: 'https://moodle.example.edu', key: 'amphi_state_abc', value: 'abc-state' };

describe('readLaunchMeta', () => {
  it('reads a room launch, a deep linking request and a resume from the meta content', () => {
    expect(readLaunchMeta(JSON.stringify({ kind: 'room', token: 't1', roomId: 'r1' }))).toEqual({ kind: 'room', token: 't1', roomId: 'r1' });
    expect(readLaunchMeta(JSON.stringify({ kind: 'deepLinking', token: 't2', storage }))).toEqual({ kind: 'deepLinking', token: 't2', storage });
    expect(readLaunchMeta('{"kind":"resume"}')).toEqual({ kind: 'resume' });
  });

  it('ignores a missing, malformed or unknown meta', () => {
    expect(readLaunchMeta(null)).toBeNull();
    expect(readLaunchMeta(undefined)).toBeNull();
    expect(readLaunchMeta('{not json')).toBeNull();
    expect(readLaunchMeta('{"kind":"room"}')).toBeNull();
    expect(readLaunchMeta('{"kind":"other","token":"x"}')).toBeNull();
  });
});

describe('readFragmentToken', () => {
  it('reads the app token handed over in #lti=', () => {
    expect(readFragmentToken('#lti=abc.def-ghi')).toBe('abc.def-ghi');
    expect(readFragmentToken('#lti=' + encodeURIComponent('a+b/c'))).toBe('a+b/c');
  });

  it('finds nothing in an empty or other fragment', () => {
    expect(readFragmentToken('')).toBeNull();
    expect(readFragmentToken('#')).toBeNull();
    expect(readFragmentToken('#main')).toBeNull();
    expect(readFragmentToken('#lti=')).toBeNull();
  });
});

describe('readStoredLaunch', () => {
  it('reads back a kept launch and refuses anything else', () => {
    expect(readStoredLaunch('{"kind":"room","token":"t"}')).toEqual({ kind: 'room', token: 't' });
    expect(readStoredLaunch('{"kind":"deepLinking","token":"t"}')).toEqual({ kind: 'deepLinking', token: 't' });
    expect(readStoredLaunch(null)).toBeNull();
    expect(readStoredLaunch('garbage')).toBeNull();
    expect(readStoredLaunch('{"kind":"room","token":""}')).toBeNull();
    expect(readStoredLaunch('{"kind":"admin","token":"t"}')).toBeNull();
    expect(readStoredLaunch('"t"')).toBeNull();
  });
});

describe('decideLtiStart', () => {
  const kept = { kind: 'room', token: 'old' } as const;

  it('runs on a new room launch and keeps it, whatever was kept before', () => {
    expect(decideLtiStart({ meta: { kind: 'room', token: 'new', roomId: 'r' }, fragmentToken: null, stored: kept })).toEqual({
      start: { kind: 'run', launch: { kind: 'room', token: 'new' } },
      store: { kind: 'room', token: 'new' },
    });
  });

  it('checks a launch with platform storage first and keeps it only once confirmed', () => {
    expect(decideLtiStart({ meta: { kind: 'room', token: 'new', roomId: 'r', storage }, fragmentToken: null, stored: null })).toEqual({
      start: { kind: 'check', launch: { kind: 'room', token: 'new' }, storage },
      store: null,
    });
  });

  it('routes a deep linking request to the picker', () => {
    expect(decideLtiStart({ meta: { kind: 'deepLinking', token: 'dl' }, fragmentToken: null, stored: null }).start).toEqual({ kind: 'run', launch: { kind: 'deepLinking', token: 'dl' } });
  });

  it('runs on the token of a new window and keeps it (the page itself says resume)', () => {
    expect(decideLtiStart({ meta: { kind: 'resume' }, fragmentToken: 'handed', stored: null })).toEqual({
      start: { kind: 'run', launch: { kind: 'room', token: 'handed' } },
      store: { kind: 'room', token: 'handed' },
    });
  });

  it('resumes on the kept launch after a reload in the frame', () => {
    expect(decideLtiStart({ meta: { kind: 'resume' }, fragmentToken: null, stored: kept })).toEqual({ start: { kind: 'run', launch: kept }, store: null });
  });

  it('asks to open the activity again when nothing was launched in this tab', () => {
    expect(decideLtiStart({ meta: { kind: 'resume' }, fragmentToken: null, stored: null })).toEqual({ start: { kind: 'missing' }, store: null });
    expect(decideLtiStart({ meta: null, fragmentToken: null, stored: null })).toEqual({ start: { kind: 'missing' }, store: null });
  });
});
