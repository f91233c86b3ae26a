import { describe, expect, it } from 'vitest';
import type { Participant } from '@amphi/protocol';
import { inAudience, orderByRaisedHand, stageMoveFor, stageTransition } from './handQueue.js';

function person(id: string, hand?: number | true): Participant {
  return {
    id,
    name: id,
    role: 'viewer',
    handRaised: hand !== undefined,
    ...(typeof hand === 'number' ? { handRaisedAt: hand } : {}),
    mic: false,
    cam: false,
    screen: false,
    micLocked: false,
    connected: true,
  };
}

describe('orderByRaisedHand', () => {
  it('puts raised hands first, in the order they were raised, numbered', () => {
    const list = orderByRaisedHand([person('ana'), person('bo', 300), person('cy'), person('dee', 100)]);
    expect(list.map((q) => [q.participant.id, q.queuePosition])).toEqual([
      ['dee', 1],
      ['bo', 2],
      ['ana', null],
      ['cy', null],
    ]);
  });

  it('keeps hands raised at the same time, or without a time, in list order after the timed ones', () => {
    const list = orderByRaisedHand([person('ana', true), person('bo', 200), person('cy', 200), person('dee', true)]);
    expect(list.map((q) => q.participant.id)).toEqual(['bo', 'cy', 'ana', 'dee']);
  });

  it('keeps the usual order when no hand is raised', () => {
    expect(orderByRaisedHand([person('ana'), person('bo')]).map((q) => q.participant.id)).toEqual(['ana', 'bo']);
  });
});

describe('inAudience', () => {
  it('puts viewers of a lecture in the audience', () => {
    expect(inAudience('lecture', 'viewer')).toBe(true);
  });

  it('keeps everyone else on the stage, and everyone in a classroom', () => {
    expect(inAudience('lecture', 'presenter')).toBe(false);
    expect(inAudience('lecture', 'moderator')).toBe(false);
    expect(inAudience('classroom', 'viewer')).toBe(false);
    expect(inAudience(undefined, 'viewer')).toBe(false);
  });
});

describe('stageMoveFor', () => {
  it('invites a viewer of a lecture to the stage as a presenter', () => {
    expect(stageMoveFor('lecture', 'viewer')).toEqual({ label: 'invite', role: 'presenter' });
  });

  it('sends a presenter of a lecture back to the audience as a viewer', () => {
    expect(stageMoveFor('lecture', 'presenter')).toEqual({ label: 'backToAudience', role: 'viewer' });
  });

  it('offers nothing for moderators, or in a classroom', () => {
    expect(stageMoveFor('lecture', 'moderator')).toBeNull();
    expect(stageMoveFor('classroom', 'viewer')).toBeNull();
  });
});

describe('stageTransition', () => {
  it('announces the stage when a viewer becomes a presenter', () => {
    expect(stageTransition('lecture', 'viewer', 'presenter')).toBe('toStage');
  });

  it('announces the audience when a presenter becomes a viewer', () => {
    expect(stageTransition('lecture', 'presenter', 'viewer')).toBe('toAudience');
  });

  it('says nothing on the first role, an unchanged role, a move between stage roles, or in a classroom', () => {
    expect(stageTransition('lecture', undefined, 'viewer')).toBeNull();
    expect(stageTransition('lecture', 'viewer', 'viewer')).toBeNull();
    expect(stageTransition('lecture', 'presenter', 'moderator')).toBeNull();
    expect(stageTransition('classroom', 'participant', 'viewer')).toBeNull();
  });
});
