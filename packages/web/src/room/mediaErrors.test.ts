import { beforeAll, describe, expect, it } from 'vitest';
import i18next, { type TFunction } from 'i18next';
import { ApiError, RequestError } from '@amphi/client';
import { en } from '../i18n/en.js';
import { fr } from '../i18n/fr.js';
import { mediaErrorMessage } from './mediaErrors.js';

let t: TFunction;
let tFr: TFunction;

beforeAll(async () => {
  const i18n = i18next.createInstance();
  await i18n.init({ lng: 'en', resources: { en: { translation: en }, fr: { translation: fr } }, interpolation: { escapeValue: false } });
  t = i18n.t;
  tFr = i18n.getFixedT('fr');
});

const browserError = (name: string) => new DOMException('The browser said no.', name);

describe('mediaErrorMessage', () => {
  it.each([
    { name: 'NotAllowedError', message: en.media.deviceBlocked },
    { name: 'SecurityError', message: en.media.deviceBlocked },
    { name: 'NotFoundError', message: en.media.deviceMissing },
    { name: 'OverconstrainedError', message: en.media.deviceMissing },
    { name: 'NotReadableError', message: en.media.deviceBusy },
    { name: 'AbortError', message: en.media.deviceBusy },
  ])('explains a $name from the camera or microphone', ({ name, message }) => {
    expect(mediaErrorMessage(browserError(name), t)).toBe(message);
  });

  it('recognises a device error thrown as a plain Error with the same name', () => {
    const err = Object.assign(new Error('Could not start video source'), { name: 'NotReadableError' });
    expect(mediaErrorMessage(err, t)).toBe(en.media.deviceBusy);
  });

  it('says nothing when the person cancels the screen picker, or the browser refuses it', () => {
    for (const name of ['NotAllowedError', 'SecurityError', 'AbortError']) expect(mediaErrorMessage(browserError(name), t, { screen: true })).toBeNull();
  });

  it('still explains a screen share that could not start', () => {
    expect(mediaErrorMessage(browserError('NotReadableError'), t, { screen: true })).toBe(en.media.deviceBusy);
    expect(mediaErrorMessage(browserError('NotFoundError'), t, { screen: true })).toBe(en.media.deviceMissing);
  });

  it('translates the server’s refusal by its error code', () => {
    expect(mediaErrorMessage(new RequestError('NOT_ALLOWED', 'Not allowed'), t)).toBe(en.errors.NOT_ALLOWED);
    expect(mediaErrorMessage(new ApiError('ROOM_LOCKED', 423, 'Locked'), t, { screen: true })).toBe(en.errors.ROOM_LOCKED);
    expect(mediaErrorMessage(new RequestError('NOT_ALLOWED', 'Not allowed'), tFr)).toBe(fr.errors.NOT_ALLOWED);
  });

  it('falls back to the generic message for anything else', () => {
    expect(mediaErrorMessage(new Error('boom'), t)).toBe(en.errors.INTERNAL);
    expect(mediaErrorMessage('boom', t)).toBe(en.errors.INTERNAL);
  });
});
