import { ACTIONS, type Action, type MediaPolicy, type Role, type RoomSettings } from '@amphi/protocol';

export { ACTIONS, type Action };

/**
 * What each role may do inside a room: the single table of permissions. A cell is either
 * a fixed yes/no or the name of the room setting that decides (see `policyAllows`).
 */

type Rule = boolean | { setting: 'unmute' | 'screenShare' };
const UNMUTE = { setting: 'unmute' } as const;
const SCREEN = { setting: 'screenShare' } as const;

//                                 moderator presenter participant viewer guest
export const PERMISSIONS: Readonly<Record<Action, Readonly<Record<Role, Rule>>>> = {
  'room.edit':            { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'room.viewLinks':       { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'session.start':        { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'session.end':          { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'lobby.bypass':         { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'lobby.manage':         { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'participant.setRole':  { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'participant.remove':   { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'hand.raise':           { moderator: true, presenter: true,   participant: true,   viewer: true,  guest: true },
  'hand.lowerOthers':     { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'media.unmute':         { moderator: true, presenter: UNMUTE, participant: UNMUTE, viewer: false, guest: UNMUTE },
  'media.camera':         { moderator: true, presenter: true,   participant: true,   viewer: false, guest: true },
  'media.shareScreen':    { moderator: true, presenter: SCREEN, participant: SCREEN, viewer: false, guest: SCREEN },
  'media.moderate':       { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'session.lock':         { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
  'broadcast.manage':     { moderator: true, presenter: false,  participant: false,  viewer: false, guest: false },
};

/** Whether a media policy from the room settings lets this role act (moderators always may). */
export function policyAllows(policy: MediaPolicy, role: Role): boolean {
  switch (policy) {
    case 'moderators':
      return role === 'moderator';
    case 'presenters':
      return role === 'moderator' || role === 'presenter';
    case 'everyone':
      return role !== 'viewer';
  }
}

export function can(role: Role, action: Action, settings: RoomSettings): boolean {
  const rule = PERMISSIONS[action][role];
  return typeof rule === 'boolean' ? rule : policyAllows(settings[rule.setting], role);
}

/** Every action this role may do under these settings (sent to each person for their own controls). */
export function allowedActions(role: Role, settings: RoomSettings): Action[] {
  return ACTIONS.filter((action) => can(role, action, settings));
}
