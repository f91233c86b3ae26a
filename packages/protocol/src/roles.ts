import { z } from 'zod';

/** Roles inside a room, from most to least privileged. */
export const ROLES = ['moderator', 'presenter', 'participant', 'viewer', 'guest'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Account-level roles: administrators run the instance, teachers own rooms. */
export const AccountRole = z.enum(['admin', 'teacher']);
export type AccountRole = z.infer<typeof AccountRole>;

export const RoomKind = z.enum(['classroom', 'lecture']);
export type RoomKind = z.infer<typeof RoomKind>;

/** Who may do a media action: moderators only, moderators and presenters, or everyone who may speak. */
export const MediaPolicy = z.enum(['moderators', 'presenters', 'everyone']);
export type MediaPolicy = z.infer<typeof MediaPolicy>;

/**
 * Who may see who asked a question: `off` names every asker; `fromPeers` lets an asker hide from
 * peers (moderators still see who asked); `full` lets an asker hide from everyone.
 */
export const QaAnonymity = z.enum(['off', 'fromPeers', 'full']);
export type QaAnonymity = z.infer<typeof QaAnonymity>;

/** What an LMS teaching assistant becomes in an Amphi room. */
export const LtiTeachingAssistant = z.enum(['moderator', 'presenter']);
export type LtiTeachingAssistant = z.infer<typeof LtiTeachingAssistant>;

/**
 * The grade Amphi posts for each student of the LMS course after a live session: `attendance`
 * (1 when they joined, 0 when not), `participation` (the share of the session's time they were
 * in the room), or nothing.
 */
export const LtiGrade = z.enum(['off', 'attendance', 'participation']);
export type LtiGrade = z.infer<typeof LtiGrade>;

export const RoomSettings = z.object({
  /** Hold everyone but moderators in the lobby until a moderator admits them. */
  lobby: z.boolean(),
  /** Allow people without an account to join through the participant link. */
  guestsAllowed: z.boolean(),
  /** Who may share a screen. */
  screenShare: MediaPolicy,
  /** Who may turn their microphone on. */
  unmute: MediaPolicy,
  /** Q&A anonymity (rooms stored before it existed read as `fromPeers`). */
  qaAnonymity: QaAnonymity.default('fromPeers'),
  /** What a teaching assistant launched from an LMS becomes (LTI). */
  ltiTeachingAssistant: LtiTeachingAssistant.default('presenter'),
  /** The score posted to the LMS gradebook per student after a live session (LTI AGS); `off` posts nothing. */
  ltiGrade: LtiGrade.default('off'),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

export const DEFAULT_ROOM_SETTINGS: RoomSettings = Object.freeze({
  lobby: false,
  guestsAllowed: true,
  screenShare: 'presenters',
  unmute: 'everyone',
  qaAnonymity: 'fromPeers',
  ltiTeachingAssistant: 'presenter',
  ltiGrade: 'off',
});

/** The kind of join link: a moderator link, or the link for everyone else (participant or viewer). */
export const LinkRole = z.enum(['moderator', 'participant']);
export type LinkRole = z.infer<typeof LinkRole>;

/** Actions inside a room; which roles may do each is decided by the server's permission table. */
export const ACTIONS = [
  'room.edit',
  'room.viewLinks',
  'session.start',
  'session.end',
  'lobby.bypass',
  'lobby.manage',
  'participant.setRole',
  'participant.remove',
  'hand.raise',
  'hand.lowerOthers',
  'media.unmute',
  'media.camera',
  'media.shareScreen',
  'media.moderate',
  'session.lock',
  'broadcast.manage',
] as const;
export const Action = z.enum(ACTIONS);
export type Action = z.infer<typeof Action>;
