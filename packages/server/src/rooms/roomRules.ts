import { DEFAULT_ROOM_SETTINGS, RoomSettings, type LinkRole, type Role, type RoomKind } from '@amphi/protocol';

/**
 * The role a join link grants. Moderator links make moderators. The other link makes
 * participants in a classroom and viewers in a lecture; without an account, a guest in a
 * classroom and a viewer in a lecture (the audience never reaches the stage uninvited).
 * Returns null when the person may not join (a guest where guests are not allowed).
 */
export function roleForLink(link: LinkRole, kind: RoomKind, signedIn: boolean, settings: RoomSettings): Role | null {
  if (link === 'moderator') return 'moderator';
  if (!signedIn) return settings.guestsAllowed ? (kind === 'lecture' ? 'viewer' : 'guest') : null;
  return kind === 'lecture' ? 'viewer' : 'participant';
}

/** Room settings with defaults filled in; never mutates its inputs. */
export function mergeSettings(base: RoomSettings = DEFAULT_ROOM_SETTINGS, change: Partial<RoomSettings> = {}): RoomSettings {
  return RoomSettings.parse({ ...base, ...change });
}
