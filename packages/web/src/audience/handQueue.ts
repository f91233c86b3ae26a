import type { Participant, Role, RoomKind } from '@amphi/protocol';

export interface QueuedParticipant {
  participant: Participant;
  /** 1 for the first raised hand, 2 for the next…; null when the hand is down. */
  queuePosition: number | null;
}

/**
 * The people as a lecture's moderators see them: raised hands first, in the order they were
 * raised (the queue), then everyone else in their usual order. A hand without a time (an
 * older server) goes after the timed ones, in list order.
 */
export function orderByRaisedHand(participants: readonly Participant[]): QueuedParticipant[] {
  const raised = participants
    .map((participant, index) => ({ participant, index }))
    .filter(({ participant }) => participant.handRaised)
    .sort((a, b) => (a.participant.handRaisedAt ?? Infinity) - (b.participant.handRaisedAt ?? Infinity) || a.index - b.index);
  const others = participants.filter((p) => !p.handRaised);
  return [...raised.map(({ participant }, i) => ({ participant, queuePosition: i + 1 })), ...others.map((participant) => ({ participant, queuePosition: null }))];
}

/** Whether someone with this role watches a lecture from the audience (player, not the stage). */
export function inAudience(kind: RoomKind | undefined, role: Role | undefined): boolean {
  return kind === 'lecture' && role === 'viewer';
}

/**
 * The one-click move a moderator offers for someone in a lecture: a viewer is invited to the
 * stage (as a presenter), a presenter goes back to the audience (as a viewer).
 */
export function stageMoveFor(kind: RoomKind | undefined, role: Role): { label: 'invite' | 'backToAudience'; role: Role } | null {
  if (kind !== 'lecture') return null;
  if (role === 'viewer') return { label: 'invite', role: 'presenter' };
  if (role === 'presenter') return { label: 'backToAudience', role: 'viewer' };
  return null;
}

/** What to announce when one's own place changes: joined the stage, or back in the audience. */
export function stageTransition(kind: RoomKind | undefined, before: Role | undefined, after: Role | undefined): 'toStage' | 'toAudience' | null {
  if (before === undefined || after === undefined || before === after) return null;
  const was = inAudience(kind, before);
  const is = inAudience(kind, after);
  if (was && !is) return 'toStage';
  if (!was && is) return 'toAudience';
  return null;
}
