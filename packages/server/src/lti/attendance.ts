import type { LtiGrade } from '@amphi/protocol';
import type { CourseMember } from './nrps.js';
import { ltiRoleKind } from './roles.js';

/** One stretch of a person in a live session, in epoch ms; `leftAt` null: still there when the session ended. */
export interface PresenceInterval {
  readonly joinedAt: number;
  readonly leftAt: number | null;
}

/** A live session's bounds, in epoch ms. */
export interface SessionBounds {
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Time (ms) a person was in the session: their intervals clipped to the session and merged, so
 * two tabs at once or a reconnection that overlaps count once.
 */
export function presentMs(intervals: readonly PresenceInterval[], bounds: SessionBounds): number {
  const clipped = intervals
    .map((i) => ({ from: Math.max(i.joinedAt, bounds.startedAt), to: Math.min(i.leftAt ?? bounds.endedAt, bounds.endedAt) }))
    .filter((i) => i.to > i.from)
    .sort((a, b) => a.from - b.from);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const i of clipped) {
    if (i.from > to) {
      if (to > from) total += to - from;
      from = i.from;
      to = i.to;
    } else to = Math.max(to, i.to);
  }
  if (to > from) total += to - from;
  return total;
}

/** The maximum of the grade: 1 for attendance, 100 (a percentage) for participation. */
export function scoreMaximum(grade: Exclude<LtiGrade, 'off'>): number {
  return grade === 'attendance' ? 1 : 100;
}

/**
 * One person's grade for a session: attendance is 1 when they joined at all (even for a moment),
 * 0 otherwise; participation is the share of the session's duration they were present, as a
 * rounded percentage. `intervals` empty: they never joined.
 */
export function sessionScore(grade: Exclude<LtiGrade, 'off'>, intervals: readonly PresenceInterval[], bounds: SessionBounds): number {
  if (grade === 'attendance') return intervals.length > 0 ? 1 : 0;
  const duration = bounds.endedAt - bounds.startedAt;
  if (duration <= 0) return intervals.length > 0 ? 100 : 0;
  return Math.min(100, Math.round((presentMs(intervals, bounds) / duration) * 100));
}

/** Whether a course member is graded: an active learner, not also teaching the course. */
export function isGradedStudent(member: CourseMember): boolean {
  if (member.status !== 'Active') return false;
  const kinds = new Set(member.roles.map(ltiRoleKind));
  return kinds.has('learner') && !kinds.has('instructor') && !kinds.has('administrator') && !kinds.has('teachingAssistant');
}

/** The scores of a session: one per graded student of the roster, keyed by their LTI `sub`. */
export function sessionScores(
  grade: Exclude<LtiGrade, 'off'>,
  roster: readonly CourseMember[],
  presence: ReadonlyMap<string, readonly PresenceInterval[]>,
  bounds: SessionBounds,
): { userId: string; scoreGiven: number; scoreMaximum: number }[] {
  return roster.filter(isGradedStudent).map((member) => ({ userId: member.userId, scoreGiven: sessionScore(grade, presence.get(member.userId) ?? [], bounds), scoreMaximum: scoreMaximum(grade) }));
}
