import { z } from 'zod';
import { LtiGrade, LtiTeachingAssistant, Role } from './roles.js';

/** A member of the LMS course (Names and Role Provisioning), as a moderator sees them in Amphi. */
export const LtiRosterMember = z.object({
  name: z.string(),
  /** The Amphi role their LMS roles map to in this room. */
  role: Role,
  /** Whether they are in the room's live session now, or were in the current or last one. */
  joined: z.boolean(),
  /** Their enrolment as the LMS reports it. */
  status: z.enum(['Active', 'Inactive', 'Deleted']),
});
export type LtiRosterMember = z.infer<typeof LtiRosterMember>;

/** GET /api/lti/roster: the course roster with who joined. */
export const LtiRoster = z.object({
  members: z.array(LtiRosterMember),
  /** When the roster was read from the LMS (ISO 8601); it is kept for a minute. */
  fetchedAt: z.string(),
});
export type LtiRoster = z.infer<typeof LtiRoster>;

/** The room settings an LMS instructor changes from the LTI mode (GET and PUT /api/lti/room-settings). */
export const LtiRoomSettings = z.object({ ltiGrade: LtiGrade, ltiTeachingAssistant: LtiTeachingAssistant });
export type LtiRoomSettings = z.infer<typeof LtiRoomSettings>;
export const UpdateLtiRoomSettingsBody = LtiRoomSettings.partial().strict();
export type UpdateLtiRoomSettingsBody = z.infer<typeof UpdateLtiRoomSettingsBody>;
