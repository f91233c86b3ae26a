import { describe, expect, it } from 'vitest';
import { isGradedStudent, presentMs, sessionScore, sessionScores } from './attendance.js';
import type { CourseMember } from './nrps.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
const bounds = { startedAt: 1_000, endedAt: 11_000 };

describe('presence in a session', () => {
  it('adds up separate stretches', () => {
    expect(presentMs([{ joinedAt: 1_000, leftAt: 3_000 }, { joinedAt: 5_000, leftAt: 6_000 }], bounds)).toBe(3_000);
  });

  it('counts overlapping stretches (two tabs, a reconnection) once', () => {
    expect(presentMs([{ joinedAt: 2_000, leftAt: 6_000 }, { joinedAt: 4_000, leftAt: 8_000 }, { joinedAt: 5_000, leftAt: 5_500 }], bounds)).toBe(6_000);
  });

  it('closes a stretch still open at the session end, and clips what lies outside the session', () => {
    expect(presentMs([{ joinedAt: 500, leftAt: 2_000 }, { joinedAt: 9_000, leftAt: null }, { joinedAt: 12_000, leftAt: 13_000 }], bounds)).toBe(3_000);
  });

  it('is zero without stretches', () => {
    expect(presentMs([], bounds)).toBe(0);
  });
});

describe('session scores', () => {
  it('gives attendance 1 to someone who joined even for a moment, 0 to someone who never did', () => {
    expect(sessionScore('attendance', [{ joinedAt: 10_999, leftAt: 11_000 }], bounds)).toBe(1);
    expect(sessionScore('attendance', [], bounds)).toBe(0);
  });

  it('gives participation as the rounded share of the session they were present', () => {
    expect(sessionScore('participation', [{ joinedAt: 1_000, leftAt: 4_333 }], bounds)).toBe(33);
    expect(sessionScore('participation', [{ joinedAt: 0, leftAt: null }], bounds)).toBe(100);
    expect(sessionScore('participation', [], bounds)).toBe(0);
  });

  it('grades active learners only, keyed by their LTI sub', () => {
    const roster: CourseMember[] = [
      { userId: 'ana', roles: [LIS + 'membership#Learner'], status: 'Active' },
      { userId: 'ben', roles: ['Learner'], status: 'Active' },
      { userId: 'prof', roles: [LIS + 'membership#Instructor'], status: 'Active' },
      { userId: 'ta', roles: [LIS + 'membership#Learner', LIS + 'membership/Instructor#TeachingAssistant'], status: 'Active' },
      { userId: 'gone', roles: [LIS + 'membership#Learner'], status: 'Inactive' },
    ];
    expect(roster.filter(isGradedStudent).map((m) => m.userId)).toEqual(['ana', 'ben']);
    const presence = new Map([['ana', [{ joinedAt: 2_000, leftAt: null }]]]);
    expect(sessionScores('attendance', roster, presence, bounds)).toEqual([
      { userId: 'ana', scoreGiven: 1, scoreMaximum: 1 },
      { userId: 'ben', scoreGiven: 0, scoreMaximum: 1 },
    ]);
    expect(sessionScores('participation', roster, presence, bounds)).toEqual([
      { userId: 'ana', scoreGiven: 90, scoreMaximum: 100 },
      { userId: 'ben', scoreGiven: 0, scoreMaximum: 100 },
    ]);
  });
});
