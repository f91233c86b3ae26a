import { z } from 'zod';
import { Reaction, Role, isErrorCode, type ErrorCode } from '@amphi/protocol';
import type { InteractionEvent, ReactionTally } from '../interaction/index.js';

// What the replicas of a session's interaction log say to each other on the bus (see
// InteractionReplica). Parsed with these schemas: another instance may run another version,
// nothing is trusted.

const Event = z.object({
  seq: z.number().int().positive(),
  kind: z.string().min(1),
  actorId: z.string(),
  clientId: z.string().optional(),
  at: z.number(),
  mediaTime: z.number().nullable(),
  payload: z.unknown(),
  restrictedTo: z.array(z.string()).optional(),
  redacts: z.number().int().optional(),
  redactedBy: z.number().int().optional(),
});
/** On the session's channel, from whoever sends it (`sender`: a replica's holder id). */
export const SessionMessage = z.discriminatedUnion('type', [
  /** The leader stored these events (one message per stored batch). */
  z.object({ type: z.literal('batch'), sender: z.string(), events: z.array(Event).min(1) }),
  /** The leader's last seq, with every renewal of its lease: a follower that lost a batch catches up. */
  z.object({ type: z.literal('head'), sender: z.string(), seq: z.number().int().nonnegative() }),
  /** Reactions counted on one instance during one second. */
  z.object({ type: z.literal('tally'), sender: z.string(), from: z.number(), to: z.number(), counts: z.partialRecord(Reaction, z.number().int().nonnegative()), total: z.number().int().nonnegative() }),
  /** The leader let go (its session closed here): someone else claims the lead now. */
  z.object({ type: z.literal('resign'), sender: z.string() }),
]);
const Actor = z.object({ participantId: z.string(), key: z.string(), name: z.string(), role: Role });
export const Reply = z.discriminatedUnion('status', [
  /** Stored (seq) or nothing to store (null). */
  z.object({ type: z.literal('reply'), id: z.string(), status: z.literal('recorded'), seq: z.number().int().positive().nullable() }),
  z.object({ type: z.literal('reply'), id: z.string(), status: z.literal('refused'), code: z.custom<ErrorCode>(isErrorCode), message: z.string(), retryAfterMs: z.number().optional() }),
  /** Not (or no longer) the leader: ask the one the lease names. */
  z.object({ type: z.literal('reply'), id: z.string(), status: z.literal('notLeader') }),
]);
export type Reply = z.infer<typeof Reply>;
/** On a replica's own channel: commands for the leader, and answers to the commands it forwarded. */
export const DirectMessage = z.union([z.object({ type: z.literal('command'), id: z.string(), sender: z.string(), actor: Actor, command: z.unknown() }), Reply]);
/** An answer without its envelope. */
export type ReplyBody = Without<Reply, 'type' | 'id'>;
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What this replica publishes on the session's channel (its `sender` is added). */
export type Outgoing = { type: 'batch'; events: readonly InteractionEvent[] } | { type: 'head'; seq: number } | ({ type: 'tally' } & ReactionTally) | { type: 'resign' };

/** A replica's own channel, next to its session's (`channel`). */
export function directChannel(channel: string, holder: string): string {
  return `${channel}:to:${holder}`;
}

/** Parses a bus message with its schema (null: not JSON, or not that shape). */
export function parse<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
