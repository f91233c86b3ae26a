import { describe, expect, it } from 'vitest';
import { DEFAULT_ROOM_SETTINGS, MediaPolicy, ROLES, type Role, type RoomSettings } from '@amphi/protocol';
import { ACTIONS, allowedActions, can, policyAllows, type Action } from './permissions.js';
import { N, Y, type RoleRow } from '../testkit.js';


/**
 * The expected permissions, written out by hand so that a change to PERMISSIONS must be
 * made twice: here and in the table. Columns follow ROLES.
 */
//                                                 moderator presenter participant viewer guest
const FIXED: Readonly<Record<Exclude<Action, 'media.unmute' | 'media.shareScreen'>, RoleRow>> = {
  'room.edit':           [Y, N, N, N, N],
  'room.viewLinks':      [Y, N, N, N, N],
  'session.start':       [Y, N, N, N, N],
  'session.end':         [Y, N, N, N, N],
  'lobby.bypass':        [Y, N, N, N, N],
  'lobby.manage':        [Y, N, N, N, N],
  'participant.setRole': [Y, N, N, N, N],
  'participant.remove':  [Y, N, N, N, N],
  'hand.raise':          [Y, Y, Y, Y, Y],
  'hand.lowerOthers':    [Y, N, N, N, N],
  'media.camera':        [Y, Y, Y, N, Y],
  'media.moderate':      [Y, N, N, N, N],
  'session.lock':        [Y, N, N, N, N],
  'broadcast.manage':    [Y, N, N, N, N],
};

/** Who may unmute / share a screen under each media policy. Viewers never may. */
const BY_POLICY: Readonly<Record<MediaPolicy, RoleRow>> = {
  moderators: [Y, N, N, N, N],
  presenters: [Y, Y, N, N, N],
  everyone:   [Y, Y, Y, N, Y],
};

const POLICIES = MediaPolicy.options;
/** Every combination of the two media settings, with the other settings at both values. */
const ALL_SETTINGS: RoomSettings[] = POLICIES.flatMap((unmute) =>
  POLICIES.flatMap((screenShare) => [true, false].map((flag) => ({ lobby: flag, guestsAllowed: !flag, unmute, screenShare, qaAnonymity: 'fromPeers' as const, ltiTeachingAssistant: 'presenter' as const, ltiGrade: 'off' as const }))),
);

function expectation(allowed: boolean): string {
  return allowed ? 'may' : 'may not';
}

const fixedCases = ACTIONS.flatMap((action) =>
  action === 'media.unmute' || action === 'media.shareScreen'
    ? []
    : ROLES.map((role, i) => ({ action, role, allowed: FIXED[action][i]!, verb: expectation(FIXED[action][i]!) })),
);

describe('the permissions matrix', () => {
  it('covers every action in this test', () => {
    expect([...Object.keys(FIXED), 'media.unmute', 'media.shareScreen'].sort()).toEqual([...ACTIONS].sort());
  });

  it.each(fixedCases)('a $role $verb $action, whatever the room settings', ({ action, role, allowed }) => {
    for (const settings of ALL_SETTINGS) expect(can(role, action, settings)).toBe(allowed);
  });

  const policyCases = (['media.unmute', 'media.shareScreen'] as const).flatMap((action) =>
    POLICIES.flatMap((policy) => ROLES.map((role, i) => ({ action, policy, role, allowed: BY_POLICY[policy][i]!, verb: expectation(BY_POLICY[policy][i]!) }))),
  );

  it.each(policyCases)('under the "$policy" policy, a $role $verb $action', ({ action, policy, role, allowed }) => {
    const setting = action === 'media.unmute' ? 'unmute' : 'screenShare';
    const other = action === 'media.unmute' ? 'screenShare' : 'unmute';
    // The other media setting must not matter.
    for (const otherPolicy of POLICIES) {
      const settings: RoomSettings = { ...DEFAULT_ROOM_SETTINGS, [setting]: policy, [other]: otherPolicy };
      expect(can(role, action, settings)).toBe(allowed);
    }
  });

  it.each(POLICIES.flatMap((policy) => ROLES.map((role: Role, i) => ({ policy, role, allowed: BY_POLICY[policy][i]! }))))(
    'policyAllows("$policy", "$role") is $allowed',
    ({ policy, role, allowed }) => {
      expect(policyAllows(policy, role)).toBe(allowed);
    },
  );

  it('lists what a role may do, in table order (what each person is sent)', () => {
    expect(allowedActions('viewer', DEFAULT_ROOM_SETTINGS)).toEqual(['hand.raise']);
    expect(allowedActions('guest', { ...DEFAULT_ROOM_SETTINGS, unmute: 'moderators', screenShare: 'everyone' })).toEqual(['hand.raise', 'media.camera', 'media.shareScreen']);
    expect(allowedActions('moderator', DEFAULT_ROOM_SETTINGS)).toEqual([...ACTIONS]);
  });

  it('keeps the default room settings: everyone but viewers may unmute, only presenters and moderators share a screen', () => {
    const allowedToUnmute = ROLES.filter((role) => can(role, 'media.unmute', DEFAULT_ROOM_SETTINGS));
    const allowedToShare = ROLES.filter((role) => can(role, 'media.shareScreen', DEFAULT_ROOM_SETTINGS));
    expect(allowedToUnmute).toEqual(['moderator', 'presenter', 'participant', 'guest']);
    expect(allowedToShare).toEqual(['moderator', 'presenter']);
  });
});
