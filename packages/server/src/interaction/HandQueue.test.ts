import { describe, expect, it } from 'vitest';
import { ROLES } from '@amphi/protocol';
import { HandQueue, handAllows, type HandActor } from './HandQueue.js';
import { expectCode, N, Y, type RoleRow } from '../testkit.js';


/** Hand rules by role, written out by hand (they come from the room's permission table). Columns follow ROLES. */
//                                         moderator presenter participant viewer guest
const TABLE = {
  'hand.raise':       [Y, Y, Y, Y, Y],
  'hand.lowerOthers': [Y, N, N, N, N],
} as const satisfies Record<string, RoleRow>;

const mod: HandActor = { id: 'mod', role: 'moderator' };
const ann: HandActor = { id: 'ann', role: 'participant' };
const bob: HandActor = { id: 'bob', role: 'participant' };
const vic: HandActor = { id: 'vic', role: 'viewer' };


function setup() {
  let time = 1_000_000;
  return { hands: new HandQueue({ now: () => time }), advance: (ms: number) => (time += ms), now: () => time };
}

describe('who may raise and lower hands', () => {
  const cases = (['hand.raise', 'hand.lowerOthers'] as const).flatMap((action) =>
    ROLES.map((role, i) => ({ action, role, allowed: TABLE[action][i]!, verb: TABLE[action][i] ? 'may' : 'may not' })),
  );
  it.each(cases)('a $role $verb $action', ({ action, role, allowed }) => {
    expect(handAllows(role, action)).toBe(allowed);
  });

  it.each(ROLES.map((role, i) => ({ role, others: TABLE['hand.lowerOthers'][i]! })))(
    'a $role raises and lowers their own hand, and is held to the table for lowering others',
    ({ role, others }) => {
      const { hands } = setup();
      const actor = { id: `person-${role}`, role };
      expect(hands.raise(actor)).toBe(true);
      expect(hands.lower(actor)).toBe(true);
      hands.raise(ann);
      if (others) expect(hands.lower(actor, 'ann')).toBe(true);
      else expectCode(() => hands.lower(actor, 'ann'), 'NOT_ALLOWED');
      if (others) expect(hands.lowerAll(actor)).toEqual([]);
      else expectCode(() => hands.lowerAll(actor), 'NOT_ALLOWED');
    },
  );
});

describe('the hand queue', () => {
  it('keeps raised hands in the order they went up, with the time', () => {
    const { hands, advance, now } = setup();
    hands.raise(bob);
    const bobAt = now();
    advance(500);
    hands.raise(ann);
    // Same millisecond: the order of raising still decides.
    hands.raise(vic);
    expect(hands.queue()).toEqual([
      { personId: 'bob', raisedAt: bobAt },
      { personId: 'ann', raisedAt: bobAt + 500 },
      { personId: 'vic', raisedAt: bobAt + 500 },
    ]);
    expect([hands.position('bob'), hands.position('ann'), hands.position('vic'), hands.position('mod')]).toEqual([1, 2, 3, undefined]);
    expect(hands.size).toBe(3);
  });

  it('keeps the place of a hand raised twice, and sends a hand raised again after lowering to the back', () => {
    const { hands, advance } = setup();
    hands.raise(ann);
    hands.raise(bob);
    advance(1_000);
    expect(hands.raise(ann)).toBe(false);
    expect(hands.position('ann')).toBe(1);
    expect(hands.raisedAt('ann')).toBe(1_000_000);
    hands.lower(ann);
    expect(hands.lower(ann)).toBe(false);
    hands.raise(ann);
    expect(hands.queue().map((h) => h.personId)).toEqual(['bob', 'ann']);
    expect(hands.raisedAt('ann')).toBe(1_001_000);
  });

  it('moves everyone up when a moderator lowers a hand or someone leaves', () => {
    const { hands } = setup();
    for (const person of [ann, bob, vic]) hands.raise(person);
    expect(hands.lower(mod, 'ann')).toBe(true);
    expect(hands.lower(mod, 'ann')).toBe(false);
    expect(hands.position('bob')).toBe(1);
    expect(hands.remove('bob')).toBe(true);
    expect(hands.remove('bob')).toBe(false);
    expect(hands.position('vic')).toBe(1);
    expect(hands.has('vic')).toBe(true);
    expect(hands.has('bob')).toBe(false);
  });

  it('lets a moderator lower every hand at once', () => {
    const { hands } = setup();
    for (const person of [ann, bob, vic]) hands.raise(person);
    expect(hands.lowerAll(mod)).toEqual(['ann', 'bob', 'vic']);
    expect(hands.queue()).toEqual([]);
  });

  it('shows the whole queue to moderators, and to everyone else only their own place', () => {
    const { hands } = setup();
    hands.raise(ann);
    hands.raise(bob);
    expect(hands.view(mod)).toEqual({ queue: hands.queue(), position: null });
    expect(hands.view(bob)).toEqual({ queue: null, position: 2 });
    expect(hands.view({ id: 'pres', role: 'presenter' })).toEqual({ queue: null, position: null });
  });
});
