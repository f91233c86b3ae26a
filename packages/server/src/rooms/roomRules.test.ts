import { describe, expect, it } from 'vitest';
import { DEFAULT_ROOM_SETTINGS, type LinkRole, type Role, type RoomKind, type RoomSettings } from '@amphi/protocol';
import { mergeSettings, roleForLink } from './roomRules.js';

const guestsWelcome: RoomSettings = { ...DEFAULT_ROOM_SETTINGS, guestsAllowed: true };
const guestsRefused: RoomSettings = { ...DEFAULT_ROOM_SETTINGS, guestsAllowed: false };

describe('roleForLink', () => {
  const cases: { link: LinkRole; kind: RoomKind; signedIn: boolean; settings: RoomSettings; role: Role | null }[] = [
    { link: 'moderator', kind: 'classroom', signedIn: true, settings: guestsWelcome, role: 'moderator' },
    { link: 'moderator', kind: 'lecture', signedIn: false, settings: guestsRefused, role: 'moderator' },
    { link: 'participant', kind: 'classroom', signedIn: true, settings: guestsRefused, role: 'participant' },
    { link: 'participant', kind: 'lecture', signedIn: true, settings: guestsRefused, role: 'viewer' },
    { link: 'participant', kind: 'classroom', signedIn: false, settings: guestsWelcome, role: 'guest' },
    { link: 'participant', kind: 'lecture', signedIn: false, settings: guestsWelcome, role: 'viewer' },
    { link: 'participant', kind: 'classroom', signedIn: false, settings: guestsRefused, role: null },
    { link: 'participant', kind: 'lecture', signedIn: false, settings: guestsRefused, role: null },
  ];

  it.each(cases.map((c) => ({ ...c, who: c.signedIn ? 'a signed-in person' : 'a guest', guests: c.settings.guestsAllowed ? 'allowed' : 'refused' })))(
    'gives $who with the $link link of a $kind (guests $guests) the role $role',
    ({ link, kind, signedIn, settings, role }) => {
      expect(roleForLink(link, kind, signedIn, settings)).toBe(role);
    },
  );
});

describe('mergeSettings', () => {
  it('fills in the defaults', () => {
    expect(mergeSettings()).toEqual(DEFAULT_ROOM_SETTINGS);
    expect(mergeSettings(undefined, { lobby: true })).toEqual({ ...DEFAULT_ROOM_SETTINGS, lobby: true });
  });

  it('applies a partial change over existing settings', () => {
    const base: RoomSettings = { lobby: true, guestsAllowed: false, screenShare: 'everyone', unmute: 'moderators', qaAnonymity: 'fromPeers', ltiTeachingAssistant: 'presenter', ltiGrade: 'off' };
    expect(mergeSettings(base, { unmute: 'presenters' })).toEqual({ ...base, unmute: 'presenters' });
  });

  it('never mutates its inputs', () => {
    const base: RoomSettings = { lobby: false, guestsAllowed: true, screenShare: 'presenters', unmute: 'everyone', qaAnonymity: 'fromPeers', ltiTeachingAssistant: 'presenter', ltiGrade: 'off' };
    const change: Partial<RoomSettings> = { lobby: true };
    const baseCopy = structuredClone(base);
    const changeCopy = structuredClone(change);
    const merged = mergeSettings(base, change);
    expect(base).toEqual(baseCopy);
    expect(change).toEqual(changeCopy);
    expect(merged).not.toBe(base);
    expect(DEFAULT_ROOM_SETTINGS.lobby).toBe(false);
  });
});
