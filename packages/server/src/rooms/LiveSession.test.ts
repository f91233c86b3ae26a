import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ROOM_SETTINGS, type Role, type RoomSettings } from '@amphi/protocol';
import { LiveSession, type Identity, type LiveSessionEvents } from './LiveSession.js';
import { expectCode } from '../testkit.js';

const EVENTS = ['participantJoined', 'participantUpdated', 'participantLeft', 'lobbyEntered', 'lobbyLeft', 'statusChanged', 'removed', 'roomUpdated', 'started', 'ended', 'closed'] as const satisfies readonly (keyof LiveSessionEvents)[];
type EventName = (typeof EVENTS)[number];

/** A session of a classroom, a controllable clock, and a log of every event it emits. */
function setup(settings: Partial<RoomSettings> = {}, kind: 'classroom' | 'lecture' = 'classroom') {
  let time = 1_000_000;
  let ids = 0;
  const room = { id: 'room-1', title: 'Algebra', kind, settings: { ...DEFAULT_ROOM_SETTINGS, ...settings } };
  const session = new LiveSession({ room, now: () => time, newId: () => `session-${++ids}` });
  const log: { event: EventName; args: unknown[] }[] = [];
  for (const event of EVENTS) session.on(event, (...args: unknown[]) => log.push({ event, args }));
  return {
    session,
    log,
    /** The events of one kind, as argument lists. */
    events: (event: EventName) => log.filter((e) => e.event === event).map((e) => e.args),
    advance: (ms: number) => (time += ms),
    now: () => time,
    clear: () => (log.length = 0),
  };
}

function person(id: string, role: Role, name = id): Identity {
  return { participantId: id, name, role };
}


/** A live classroom where a moderator `mod` and a participant `ann` are joined. */
function liveClassroom(settings: Partial<RoomSettings> = {}) {
  const s = setup(settings);
  s.session.arrive(person('mod', 'moderator', 'Prof. Martin'));
  if (s.session.arrive(person('ann', 'participant', 'Ann')) === 'lobby') s.session.admit('mod', 'ann');
  s.clear();
  return s;
}

describe('LiveSession lifecycle', () => {
  it('stays pending and keeps people waiting until a moderator arrives', () => {
    const { session, events } = setup();
    expect(session.arrive(person('ann', 'participant'))).toBe('waiting');
    expect(session.state).toBe('pending');
    expect(session.info).toBeNull();
    expect(session.participants()).toEqual([]);
    expect(events('started')).toEqual([]);
  });

  it('goes live when the first moderator arrives, then places the people who were waiting', () => {
    const { session, events, now } = setup();
    session.arrive(person('ann', 'participant'));
    session.arrive(person('bob', 'guest'));
    expect(session.arrive(person('mod', 'moderator'))).toBe('joined');
    expect(session.state).toBe('live');
    expect(session.info).toEqual({ id: 'session-1', startedAt: now(), locked: false, broadcast: null });
    expect(events('started')).toEqual([[{ id: 'session-1', startedAt: now(), locked: false, broadcast: null }]]);
    expect(session.statusOf('ann')).toBe('joined');
    expect(session.statusOf('bob')).toBe('joined');
    // The moderator is placed first, so the room has a moderator when the others join.
    expect(events('statusChanged')).toEqual([
      ['mod', 'joined'],
      ['ann', 'joined'],
      ['bob', 'joined'],
    ]);
    expect(session.participants().map((p) => p.id)).toEqual(['ann', 'bob', 'mod']);
    expect(session.peak).toBe(3);
  });

  it('ends when the last joined person leaves, and records why', () => {
    const { session, events } = liveClassroom();
    session.leave('ann', 'left');
    expect(session.state).toBe('live');
    session.leave('mod', 'left');
    expect(session.state).toBe('ended');
    expect(events('ended')).toEqual([[{ id: 'session-1', startedAt: expect.any(Number), locked: false, broadcast: null }, 'empty']]);
    expect(events('closed')).toHaveLength(1);
    expect(session.isClosed).toBe(true);
  });

  it('closes a pending session that everyone leaves, without an ended event', () => {
    const { session, events } = setup();
    session.arrive(person('ann', 'participant'));
    session.arrive(person('bob', 'participant'));
    session.leave('ann', 'left');
    expect(session.isClosed).toBe(false);
    session.leave('bob', 'timeout');
    expect(session.isClosed).toBe(true);
    expect(events('ended')).toEqual([]);
    expect(events('started')).toEqual([]);
    expect(events('closed')).toHaveLength(1);
  });

  it('removes everyone when a moderator ends the session', () => {
    const { session, events } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    session.end('mod');
    expect(events('removed')).toEqual([
      ['mod', 'ended', undefined],
      ['ann', 'ended', undefined],
      ['carl', 'ended', undefined],
    ]);
    expect(events('ended')).toEqual([[expect.objectContaining({ id: 'session-1' }), 'moderator']]);
    expect(session.participants()).toEqual([]);
    expect(session.lobby()).toEqual([]);
    expect(session.isClosed).toBe(true);
  });

  it('lets only those allowed end the session', () => {
    const { session, events } = liveClassroom();
    expectCode(() => session.end('ann'), 'NOT_ALLOWED');
    expect(session.state).toBe('live');
    expect(events('removed')).toEqual([]);
  });

  it('emits closed once when close() is called twice', () => {
    const { session, events } = liveClassroom();
    session.close();
    session.close();
    expect(events('closed')).toHaveLength(1);
    expect(events('ended')).toEqual([[expect.objectContaining({ id: 'session-1' }), 'closed']]);
  });

  it('rejects every call after the end with SESSION_ENDED', () => {
    const { session } = liveClassroom();
    session.end('mod');
    expectCode(() => session.arrive(person('late', 'participant')), 'SESSION_ENDED');
    expectCode(() => session.raiseHand('ann'), 'SESSION_ENDED');
    expectCode(() => session.admit('mod', 'ann'), 'SESSION_ENDED');
    expectCode(() => session.setRole('mod', 'ann', 'viewer'), 'SESSION_ENDED');
    expectCode(() => session.remove('mod', 'ann'), 'SESSION_ENDED');
    expectCode(() => session.setMedia('ann', { mic: true }), 'SESSION_ENDED');
    expectCode(() => session.end('mod'), 'SESSION_ENDED');
  });

  it('refuses the same person arriving twice', () => {
    const { session } = liveClassroom();
    expectCode(() => session.arrive(person('ann', 'participant')), 'INVALID_STATE');
  });
});

describe('LiveSession people', () => {
  it("keys a person by account, else by their browser's guest key, else by participant", () => {
    const { session } = liveClassroom();
    session.arrive({ ...person('tab1', 'guest'), guestKey: 'g:browser-1' });
    session.arrive({ ...person('tab2', 'guest'), guestKey: 'g:browser-1' });
    session.arrive({ ...person('signed', 'participant'), userId: 'user-1', guestKey: 'g:browser-2' });
    expect(session.personKey('tab1')).toBe('g:browser-1');
    expect(session.personKey('tab2')).toBe('g:browser-1');
    expect(session.personKey('signed')).toBe('user-1');
    expect(session.personKey('ann')).toBe('ann');
    expect(session.personKey('nobody')).toBeUndefined();
  });

  it("never tells others a guest's key: not in participants, events or the lobby, only in the server-side identity", () => {
    const { session, log } = liveClassroom({ lobby: true });
    session.arrive({ ...person('tab1', 'guest'), guestKey: 'g:secret' });
    session.admit('mod', 'tab1');
    session.setRole('mod', 'tab1', 'participant');
    expect(JSON.stringify([session.participants(), session.lobby(), session.participant('tab1'), log])).not.toContain('g:secret');
    expect(session.identity('tab1')).toEqual({ participantId: 'tab1', name: 'tab1', role: 'participant', guestKey: 'g:secret' });
  });
});

describe('LiveSession shared by several instances (adopt)', () => {
  const shared = { id: 'shared-session', startedAt: 42_000 };

  it('goes live with the identity of a session started elsewhere, and lets people in without a moderator here', () => {
    const { session, events } = setup();
    session.arrive(person('ann', 'participant'));
    session.adopt(shared);
    expect(session.state).toBe('live');
    expect(session.info).toEqual({ id: 'shared-session', startedAt: 42_000, locked: false, broadcast: null });
    expect(events('started')).toEqual([[{ id: 'shared-session', startedAt: 42_000, locked: false, broadcast: null }]]);
    expect(session.statusOf('ann')).toBe('joined');
    expect(session.arrive(person('bob', 'guest'))).toBe('joined');
    expect(session.participants().map((p) => p.id)).toEqual(['ann', 'bob']);
  });

  it('keeps the rules of the room: with a lobby, people placed by the adoption wait in it', () => {
    const { session, events } = setup({ lobby: true });
    session.arrive(person('ann', 'participant'));
    session.adopt(shared);
    expect(session.statusOf('ann')).toBe('lobby');
    expect(events('lobbyEntered').map(([entry]) => (entry as { id: string }).id)).toEqual(['ann']);
    expect(session.arrive(person('mod', 'moderator'))).toBe('joined');
    expect(session.info?.id).toBe('shared-session');
  });

  it('ignores the identity it already has, and refuses another one or an ended session', () => {
    const { session, events } = setup();
    session.adopt(shared);
    session.arrive(person('ann', 'participant'));
    session.adopt({ ...shared });
    expect(events('started')).toHaveLength(1);
    expectCode(() => session.adopt({ id: 'other-session', startedAt: 1 }), 'INVALID_STATE');
    expect(session.info?.id).toBe('shared-session');
    session.leave('ann', 'left');
    expectCode(() => session.adopt(shared), 'SESSION_ENDED');
  });

  it('ends like any session when its people leave, with the shared identity', () => {
    const { session, events } = setup();
    session.adopt(shared);
    session.arrive(person('ann', 'participant'));
    session.leave('ann', 'timeout');
    expect(events('ended')).toEqual([[{ id: 'shared-session', startedAt: 42_000, locked: false, broadcast: null }, 'empty']]);
    expect(session.isClosed).toBe(true);
  });

  it('starts, when a moderator arrives, under the identity the hub shared beforehand; other arrivals ignore it', () => {
    const { session, events } = setup();
    expect(session.arrive(person('ann', 'participant'), shared)).toBe('waiting');
    expect(session.state).toBe('pending');
    session.arrive(person('mod', 'moderator'), shared);
    expect(session.info).toMatchObject({ id: 'shared-session', startedAt: 42_000 });
    expect(events('started')).toHaveLength(1);
    // Moderators are placed first, as in any start.
    expect(events('statusChanged')).toEqual([
      ['mod', 'joined'],
      ['ann', 'joined'],
    ]);
    session.arrive(person('bob', 'moderator'), { id: 'another', startedAt: 1 });
    expect(session.info?.id).toBe('shared-session');
  });

  it('gives a lecture adopted from elsewhere a broadcast of its own, idle', () => {
    const { session } = setup({}, 'lecture');
    session.adopt(shared);
    expect(session.info?.broadcast).toMatchObject({ state: 'idle', encoderConnected: false });
  });
});

describe('LiveSession lobby', () => {
  it('holds non-moderators in the lobby and lets moderators through', () => {
    const { session, events, now } = liveClassroom({ lobby: true });
    expect(session.arrive(person('carl', 'guest', 'Carl'))).toBe('lobby');
    expect(session.arrive(person('mod2', 'moderator'))).toBe('joined');
    expect(session.lobby()).toEqual([{ id: 'carl', name: 'Carl', role: 'guest', since: now() }]);
    expect(events('lobbyEntered')).toEqual([[{ id: 'carl', name: 'Carl', role: 'guest', since: now() }]]);
    expect(session.participants().map((p) => p.id)).toEqual(['mod', 'ann', 'mod2']);
  });

  it('sends people who waited for the moderator to the lobby once the session starts', () => {
    const { session } = setup({ lobby: true });
    session.arrive(person('ann', 'participant'));
    session.arrive(person('mod', 'moderator'));
    expect(session.statusOf('ann')).toBe('lobby');
    expect(session.statusOf('mod')).toBe('joined');
  });

  it('admits a person from the lobby into the room', () => {
    const { session, log, clear } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest', 'Carl'));
    clear();
    session.admit('mod', 'carl');
    expect(log.map((e) => [e.event, ...e.args])).toEqual([
      ['lobbyLeft', 'carl', 'admitted'],
      ['statusChanged', 'carl', 'joined'],
      ['participantJoined', expect.objectContaining({ id: 'carl', name: 'Carl', role: 'guest' })],
    ]);
    expect(session.lobby()).toEqual([]);
  });

  it('denies a person with the reason given and forgets them', () => {
    const { session, events } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    session.deny('mod', 'carl', 'Not on the list');
    expect(events('lobbyLeft')).toEqual([['carl', 'denied']]);
    expect(events('removed')).toEqual([['carl', 'denied', 'Not on the list']]);
    expect(session.has('carl')).toBe(false);
  });

  it('admits everyone waiting when the lobby is turned off', () => {
    const { session, events } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    session.arrive(person('dora', 'participant'));
    session.updateRoom({ ...session.room, settings: { ...session.room.settings, lobby: false } });
    expect(events('roomUpdated')).toHaveLength(1);
    expect(events('lobbyLeft')).toEqual([
      ['carl', 'admitted'],
      ['dora', 'admitted'],
    ]);
    expect(session.lobby()).toEqual([]);
    expect(session.statusOf('carl')).toBe('joined');
    expect(session.statusOf('dora')).toBe('joined');
  });

  it('lets only people who may manage the lobby admit or deny', () => {
    const { session, events } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    session.arrive(person('dora', 'participant'));
    // A joined participant, and someone in the lobby.
    expectCode(() => session.admit('ann', 'carl'), 'NOT_ALLOWED');
    expectCode(() => session.deny('ann', 'carl'), 'NOT_ALLOWED');
    expectCode(() => session.admit('dora', 'carl'), 'NOT_ALLOWED');
    expect(session.statusOf('carl')).toBe('lobby');
    expect(events('lobbyLeft')).toEqual([]);
  });

  it('reports PARTICIPANT_NOT_FOUND when admitting someone who is not in the lobby', () => {
    const { session } = liveClassroom({ lobby: true });
    expectCode(() => session.admit('mod', 'ann'), 'PARTICIPANT_NOT_FOUND');
    expectCode(() => session.admit('mod', 'nobody'), 'PARTICIPANT_NOT_FOUND');
  });
});

describe('LiveSession roles', () => {
  it('lets a moderator change a role and tells everyone, with the previous role', () => {
    const { session, events } = liveClassroom();
    session.setRole('mod', 'ann', 'presenter');
    expect(session.participant('ann')?.role).toBe('presenter');
    expect(events('participantUpdated')).toEqual([[expect.objectContaining({ id: 'ann', role: 'presenter' }), 'participant']]);
  });

  it('refuses role changes from anyone but a moderator', () => {
    const { session, events } = liveClassroom();
    expectCode(() => session.setRole('ann', 'ann', 'moderator'), 'NOT_ALLOWED');
    expectCode(() => session.setRole('ann', 'mod', 'viewer'), 'NOT_ALLOWED');
    expect(session.participant('ann')?.role).toBe('participant');
    expect(session.participant('mod')?.role).toBe('moderator');
    expect(events('participantUpdated')).toEqual([]);
  });

  it('cannot demote the last moderator, but can demote one of two', () => {
    const { session } = liveClassroom();
    expectCode(() => session.setRole('mod', 'mod', 'participant'), 'INVALID_STATE');
    expect(session.participant('mod')?.role).toBe('moderator');
    session.setRole('mod', 'ann', 'moderator');
    session.setRole('ann', 'mod', 'participant');
    expect(session.participant('mod')?.role).toBe('participant');
  });

  it('turns the microphone and camera off when someone becomes a viewer', () => {
    const { session, events, clear } = liveClassroom();
    session.setMedia('ann', { mic: true, cam: true });
    clear();
    session.setRole('mod', 'ann', 'viewer');
    expect(session.participant('ann')).toMatchObject({ role: 'viewer', mic: false, cam: false });
    expect(events('participantUpdated')).toEqual([[expect.objectContaining({ id: 'ann', role: 'viewer', mic: false, cam: false }), 'participant']]);
  });
});

describe('LiveSession removal', () => {
  it('removes a person with the reason given', () => {
    const { session, events } = liveClassroom();
    session.remove('mod', 'ann', 'Wrong class');
    expect(events('participantLeft')).toEqual([['ann', 'removed']]);
    expect(events('removed')).toEqual([['ann', 'removed', 'Wrong class']]);
    expect(session.has('ann')).toBe(false);
    expect(session.state).toBe('live');
  });

  it('removes a person from the lobby', () => {
    const { session, events } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    session.remove('mod', 'carl');
    expect(events('lobbyLeft')).toEqual([['carl', 'left']]);
    expect(events('removed')).toEqual([['carl', 'removed', undefined]]);
  });

  it('refuses removal by a non-moderator, of oneself, or of someone absent', () => {
    const { session, events } = liveClassroom();
    expectCode(() => session.remove('ann', 'mod'), 'NOT_ALLOWED');
    expectCode(() => session.remove('mod', 'mod'), 'INVALID_STATE');
    expectCode(() => session.remove('mod', 'nobody'), 'PARTICIPANT_NOT_FOUND');
    expect(events('removed')).toEqual([]);
    expect(session.joinedCount).toBe(2);
  });
});

describe('LiveSession hands', () => {
  it('raises a hand with the time it was raised, once, and lowers it', () => {
    const { session, events, now } = liveClassroom();
    session.raiseHand('ann');
    session.raiseHand('ann');
    expect(session.participant('ann')).toMatchObject({ handRaised: true, handRaisedAt: now() });
    expect(events('participantUpdated')).toHaveLength(1);
    session.lowerHand('ann');
    expect(session.participant('ann')?.handRaised).toBe(false);
    expect(session.participant('ann')?.handRaisedAt).toBeUndefined();
    expect(events('participantUpdated')).toHaveLength(2);
  });

  it("needs permission to lower someone else's hand", () => {
    const { session } = liveClassroom();
    session.raiseHand('mod');
    expectCode(() => session.lowerHand('ann', 'mod'), 'NOT_ALLOWED');
    expect(session.participant('mod')?.handRaised).toBe(true);
    session.raiseHand('ann');
    session.lowerHand('mod', 'ann');
    expect(session.participant('ann')?.handRaised).toBe(false);
  });

  it('does not let someone in the lobby raise or lower a hand', () => {
    const { session } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    expectCode(() => session.raiseHand('carl'), 'NOT_ALLOWED');
    expectCode(() => session.lowerHand('carl'), 'NOT_ALLOWED');
  });
});

describe('LiveSession media', () => {
  it('lets participants unmute when the policy is "everyone", never viewers', () => {
    const { session } = liveClassroom({ unmute: 'everyone' });
    session.arrive(person('vic', 'viewer'));
    session.setMedia('ann', { mic: true });
    expect(session.participant('ann')?.mic).toBe(true);
    expectCode(() => session.setMedia('vic', { mic: true }), 'NOT_ALLOWED');
    expectCode(() => session.setMedia('vic', { cam: true }), 'NOT_ALLOWED');
  });

  it('enforces the "moderators" unmute policy, while muting is always allowed', () => {
    const { session, events } = liveClassroom({ unmute: 'moderators' });
    expectCode(() => session.setMedia('ann', { mic: true }), 'NOT_ALLOWED');
    expect(session.participant('ann')?.mic).toBe(false);
    session.setMedia('ann', { mic: false, cam: true });
    expect(session.participant('ann')).toMatchObject({ mic: false, cam: true });
    session.setMedia('mod', { mic: true });
    expect(session.participant('mod')?.mic).toBe(true);
    expect(events('participantUpdated')).toHaveLength(2);
  });

  it('mutes people whom a stricter policy no longer allows to speak, and tells everyone', () => {
    const { session, events, clear } = liveClassroom({ unmute: 'everyone' });
    session.setMedia('ann', { mic: true });
    session.setMedia('mod', { mic: true });
    clear();
    session.updateRoom({ ...session.room, settings: { ...session.room.settings, unmute: 'presenters' } });
    expect(session.participant('ann')?.mic).toBe(false);
    expect(session.participant('mod')?.mic).toBe(true);
    expect(events('participantUpdated')).toEqual([[expect.objectContaining({ id: 'ann', mic: false }), 'participant']]);
  });

  it('lets a moderator mute someone, who cannot unmute until asked', () => {
    const { session, events, clear } = liveClassroom({ unmute: 'everyone' });
    const asked: unknown[][] = [];
    session.on('askedToUnmute', (...args) => asked.push(args));
    session.setMedia('ann', { mic: true });
    session.muteParticipant('mod', 'ann', 'mic');
    expect(session.participant('ann')).toMatchObject({ mic: false, micLocked: true });
    expectCode(() => session.setMedia('ann', { mic: true }), 'MUTED_BY_MODERATOR');
    clear();
    session.askToUnmute('mod', 'ann');
    expect(session.participant('ann')).toMatchObject({ mic: false, micLocked: false });
    expect(asked).toEqual([['ann', 'Prof. Martin']]);
    expect(events('participantUpdated')).toHaveLength(1);
    session.setMedia('ann', { mic: true });
    expect(session.participant('ann')?.mic).toBe(true);
  });

  it('lets only moderators mute others, stop a camera or a screen share, or mute everyone', () => {
    const { session } = liveClassroom({ screenShare: 'everyone' });
    session.arrive(person('bob', 'participant'));
    session.setMedia('ann', { mic: true, cam: true, screen: true });
    expectCode(() => session.muteParticipant('bob', 'ann', 'mic'), 'NOT_ALLOWED');
    expectCode(() => session.muteAll('bob'), 'NOT_ALLOWED');
    expectCode(() => session.askToUnmute('bob', 'ann'), 'NOT_ALLOWED');
    session.muteParticipant('mod', 'ann', 'camera');
    session.muteParticipant('mod', 'ann', 'screen');
    expect(session.participant('ann')).toMatchObject({ mic: true, cam: false, screen: false, micLocked: false });
    session.setMedia('mod', { mic: true });
    session.setMedia('bob', { mic: true });
    session.muteAll('mod');
    expect(session.participant('ann')).toMatchObject({ mic: false, micLocked: true });
    expect(session.participant('bob')).toMatchObject({ mic: false, micLocked: true });
    expect(session.participant('mod')).toMatchObject({ mic: true, micLocked: false });
  });

  it('lets people share a screen only as the screen-share policy allows', () => {
    const { session } = liveClassroom({ screenShare: 'presenters' });
    expectCode(() => session.setMedia('ann', { screen: true }), 'NOT_ALLOWED');
    session.setRole('mod', 'ann', 'presenter');
    session.setMedia('ann', { screen: true });
    expect(session.participant('ann')?.screen).toBe(true);
    session.setRole('mod', 'ann', 'participant');
    expect(session.participant('ann')?.screen).toBe(false);
  });
});

describe('LiveSession lock', () => {
  it('keeps newcomers out of a locked session, but not moderators', () => {
    const { session } = liveClassroom();
    const updates: unknown[][] = [];
    session.on('sessionUpdated', (...args) => updates.push(args));
    expectCode(() => session.lock('ann', true), 'NOT_ALLOWED');
    session.lock('mod', true);
    expect(session.info?.locked).toBe(true);
    expect(updates).toEqual([[expect.objectContaining({ locked: true })]]);
    expectCode(() => session.arrive(person('eve', 'participant')), 'ROOM_LOCKED');
    expect(session.has('eve')).toBe(false);
    expect(session.arrive(person('co', 'moderator'))).toBe('joined');
    session.lock('mod', false);
    expect(session.arrive(person('eve', 'participant'))).toBe('joined');
  });
});

describe('LiveSession broadcast', () => {
  it('gives a lecture an idle broadcast, which only moderators may run, and tells everyone of its changes', () => {
    const s = setup({}, 'lecture');
    s.session.arrive(person('mod', 'moderator'));
    s.session.arrive(person('viv', 'viewer'));
    expect(s.session.info?.broadcast).toMatchObject({ state: 'idle', source: 'stage', layout: 'auto', hls: null, webrtc: false });
    expect(() => s.session.authorizeBroadcast('mod')).not.toThrow();
    expectCode(() => s.session.authorizeBroadcast('viv'), 'NOT_ALLOWED');
    const updates: unknown[] = [];
    s.session.on('sessionUpdated', (info) => updates.push(info.broadcast));
    const live = { ...s.session.info!.broadcast!, state: 'live' as const, startedAt: s.now(), hls: '/hls/abcdefgh/master.m3u8' };
    s.session.setBroadcast(live);
    expect(s.session.info?.broadcast).toEqual(live);
    expect(updates).toEqual([live]);
  });

  it('has no broadcast in a classroom: running one is refused, updates are ignored', () => {
    const { session } = liveClassroom();
    expect(session.info?.broadcast).toBeNull();
    expectCode(() => session.authorizeBroadcast('mod'), 'INVALID_STATE');
    session.setBroadcast({ state: 'live', source: 'stage', layout: 'auto', encoderConnected: false, startedAt: 1, hls: null, webrtc: false });
    expect(session.info?.broadcast).toBeNull();
  });
});

describe('LiveSession connections', () => {
  it('marks a dropped person as disconnected, then connected again when they come back', () => {
    const { session, events } = liveClassroom();
    session.disconnect('ann');
    session.disconnect('ann');
    expect(session.participant('ann')?.connected).toBe(false);
    session.reconnect('ann');
    expect(session.participant('ann')?.connected).toBe(true);
    expect(events('participantUpdated').map(([p]) => p)).toEqual([
      expect.objectContaining({ id: 'ann', connected: false }),
      expect.objectContaining({ id: 'ann', connected: true }),
    ]);
  });

  it('lets a dropped person go with reason "timeout" after the grace period', () => {
    const { session, events } = liveClassroom();
    session.disconnect('ann');
    session.leave('ann', 'timeout');
    expect(events('participantLeft')).toEqual([['ann', 'timeout']]);
    expect(session.has('ann')).toBe(false);
    expectCode(() => session.reconnect('ann'), 'RESUME_EXPIRED');
  });

  it('tells moderators when someone leaves the lobby', () => {
    const { session, events } = liveClassroom({ lobby: true });
    session.arrive(person('carl', 'guest'));
    session.leave('carl', 'left');
    expect(events('lobbyLeft')).toEqual([['carl', 'left']]);
    expect(events('participantLeft')).toEqual([]);
  });
});

describe('LiveSession listeners', () => {
  it('keeps working when a listener throws, and reports the error', () => {
    const { session, events } = setup();
    const reported = vi.fn();
    session.onListenerError = reported;
    session.on('participantJoined', () => {
      throw new Error('listener bug');
    });
    session.arrive(person('mod', 'moderator'));
    session.arrive(person('ann', 'participant'));
    expect(reported).toHaveBeenCalledTimes(2);
    expect(reported).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener bug' }), 'participantJoined');
    // The other listeners were still called, and the state is consistent.
    expect(events('participantJoined')).toHaveLength(2);
    expect(session.participants().map((p) => p.id)).toEqual(['mod', 'ann']);
    session.raiseHand('ann');
    expect(session.participant('ann')?.handRaised).toBe(true);
  });
});
