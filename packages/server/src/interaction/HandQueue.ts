import { AmphiError, type Role } from '@amphi/protocol';
import { PERMISSIONS } from '../rooms/index.js';

/**
 * Raised hands in the order they were raised: the queue a moderator works through. Pure
 * rule, no I/O; `LiveSession` can keep one and delegate to it (it checks that the actor is
 * joined; this checks the role and keeps the order).
 *
 * The order is the order of the calls, not of the timestamps: two hands raised in the same
 * millisecond still have distinct places. Raising again while raised keeps one's place;
 * lowering and raising again goes to the back.
 */

export interface RaisedHand {
  personId: string;
  /** When the hand went up (ms since epoch). */
  raisedAt: number;
}

/** Who acts: the participant id (hands belong to a presence in the room) and role. */
export interface HandActor {
  id: string;
  role: Role;
}

/** What one person sees: the whole queue if they may lower others' hands, else their own place. */
export interface HandQueueView {
  queue: RaisedHand[] | null;
  /** This person's place (1 = next), or null when their hand is down. */
  position: number | null;
}

/**
 * Whether the role may do a hand action, by the room's single permission table. Hand rules
 * are fixed there (no room setting decides them), so a cell that is a setting counts as no.
 */
export function handAllows(role: Role, action: 'hand.raise' | 'hand.lowerOthers'): boolean {
  return PERMISSIONS[action][role] === true;
}

export class HandQueue {
  // A Map keeps insertion order: exactly the order of raising.
  readonly #hands = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#hands.size;
  }

  /** Raises the actor's hand; false if it was already up (it keeps its place). */
  raise(actor: HandActor): boolean {
    if (!handAllows(actor.role, 'hand.raise')) throw new AmphiError('NOT_ALLOWED');
    if (this.#hands.has(actor.id)) return false;
    this.#hands.set(actor.id, this.#now());
    return true;
  }

  /** Lowers one's own hand, or someone else's when the role allows; false if it was down. */
  lower(actor: HandActor, targetId: string = actor.id): boolean {
    // Whoever may raise a hand may lower their own.
    if (!handAllows(actor.role, targetId === actor.id ? 'hand.raise' : 'hand.lowerOthers')) throw new AmphiError('NOT_ALLOWED');
    return this.#hands.delete(targetId);
  }

  /** Takes the person out of the queue without a permission check: they left or were removed. */
  remove(personId: string): boolean {
    return this.#hands.delete(personId);
  }

  has(personId: string): boolean {
    return this.#hands.has(personId);
  }

  raisedAt(personId: string): number | undefined {
    return this.#hands.get(personId);
  }

  /** Place in the queue, 1 for the next person to speak; undefined when the hand is down. */
  position(personId: string): number | undefined {
    let place = 0;
    for (const id of this.#hands.keys()) {
      place++;
      if (id === personId) return place;
    }
    return undefined;
  }

  /** Every raised hand, first raised first. */
  queue(): RaisedHand[] {
    return [...this.#hands].map(([personId, raisedAt]) => ({ personId, raisedAt }));
  }

  view(viewer: HandActor): HandQueueView {
    return {
      queue: handAllows(viewer.role, 'hand.lowerOthers') ? this.queue() : null,
      position: this.position(viewer.id) ?? null,
    };
  }

  /** A moderator lowers every hand at once; returns whose hands went down. */
  lowerAll(actor: HandActor): string[] {
    if (!handAllows(actor.role, 'hand.lowerOthers')) throw new AmphiError('NOT_ALLOWED');
    const ids = [...this.#hands.keys()];
    this.#hands.clear();
    return ids;
  }
}
