import type { Role, RoomKind, RoomSettings } from '@amphi/protocol';
import { amphiRole, ltiRoleKind } from './roles.js';

/** What a launch needs to know of a room. */
export interface RoomFacts {
  readonly id: string;
  readonly kind: RoomKind;
  readonly settings: Pick<RoomSettings, 'ltiTeachingAssistant'>;
}

export interface RoomChoiceInput {
  /** The room the activity already leads to. */
  readonly linkedRoom: RoomFacts | null;
  /** The room named by the activity's `amphi_room` custom parameter, when its signature and issuer hold (deep linking). */
  readonly placedRoom: RoomFacts | null;
  readonly ltiRoles: readonly string[];
}

/** Where a resource link launch leads. */
export type RoomChoice =
  /** Into this room; `link` when the activity must first be linked to it. */
  | { readonly kind: 'join'; readonly room: RoomFacts; readonly role: Role; readonly link: boolean }
  /** An instructor's first launch of the activity: make its room (then join as moderator). */
  | { readonly kind: 'create' }
  /** A learner (or anyone who may not make rooms) before the instructor: the "not opened yet" page. */
  | { readonly kind: 'notOpened' };

/** Whether these LTI roles may make a room and place Amphi in a course: instructors and administrators. */
export function mayCreateRoom(ltiRoles: readonly string[]): boolean {
  const kinds = new Set(ltiRoles.map(ltiRoleKind));
  return kinds.has('administrator') || (kinds.has('instructor') && !kinds.has('teachingAssistant'));
}

/** The Amphi role in this room of a person with these LTI roles (the room's kind and TA setting decide). */
export function launchRole(ltiRoles: readonly string[], room: RoomFacts): Role {
  return amphiRole(ltiRoles, { roomKind: room.kind, teachingAssistant: room.settings.ltiTeachingAssistant });
}

/**
 * Decides where a resource link launch leads: the activity's room; else the room deep linking
 * placed there (linked on this first launch, whoever makes it); else a new room when an
 * instructor launches; else the "not opened yet" page.
 */
export function chooseRoom(input: RoomChoiceInput): RoomChoice {
  if (input.linkedRoom) return { kind: 'join', room: input.linkedRoom, role: launchRole(input.ltiRoles, input.linkedRoom), link: false };
  if (input.placedRoom) return { kind: 'join', room: input.placedRoom, role: launchRole(input.ltiRoles, input.placedRoom), link: true };
  return mayCreateRoom(input.ltiRoles) ? { kind: 'create' } : { kind: 'notOpened' };
}

/**
 * The kind of room an instructor's first launch makes: a lecture when the activity's custom
 * parameter `amphi_kind` says `lecture`, else a classroom.
 */
export function roomKindFor(custom: Readonly<Record<string, string>> | undefined): RoomKind {
  return custom?.amphi_kind?.trim().toLowerCase() === 'lecture' ? 'lecture' : 'classroom';
}

/** Longest room title (the room form's limit). */
const MAX_TITLE = 120;

/** The title of a room made by a launch: the activity's, else the course's, else a default. */
export function roomTitleFor(resourceLinkTitle: string | undefined, contextTitle: string | undefined): string {
  const title = (resourceLinkTitle ?? '').trim() || (contextTitle ?? '').trim() || 'Amphi';
  return title.length > MAX_TITLE ? title.slice(0, MAX_TITLE - 1) + '…' : title;
}

/** The name shown in the room: the one the platform sent, else the email, else a neutral name from the LMS id. */
export function displayNameFor(name: string | undefined, email: string | undefined, sub: string): string {
  const sent = (name ?? '').trim() || (email ?? '').trim();
  if (sent) return sent.slice(0, 80);
  return `LMS ${sub.slice(-6)}`;
}
