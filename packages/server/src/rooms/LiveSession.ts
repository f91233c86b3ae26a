import {
  AmphiError,
  type LeaveReason,
  type LobbyEntry,
  type Participant,
  type ParticipantStatus,
  type Role,
  type RoomInfo,
  type BroadcastInfo,
  type SessionInfo,
} from '@amphi/protocol';
import { TypedEmitter } from '@amphi/protocol';
import { can, type Action } from './permissions.js';

/** Who arrives: identity established at the edge (account, link, guest name). */
export interface Identity {
  participantId: string;
  name: string;
  role: Role;
  userId?: string | undefined;
  /**
   * Without an account: the key of the browser they came from (its guest cookie), shared by
   * its tabs. Server-side only: it is never part of a Participant (it would let others vote
   * as them).
   */
  guestKey?: string | undefined;
}

export type SessionState = 'pending' | 'live' | 'ended';
export type EndReason = 'moderator' | 'empty' | 'closed';
/** Why a person's place was taken away (the socket is closed after telling them). */
export type RemovalReason = 'removed' | 'denied' | 'ended';

export interface LiveSessionEvents extends Record<string, unknown[]> {
  participantJoined: [participant: Participant];
  participantUpdated: [participant: Participant, previousRole: Role];
  participantLeft: [participantId: string, reason: LeaveReason];
  lobbyEntered: [entry: LobbyEntry];
  lobbyLeft: [participantId: string, outcome: 'admitted' | 'denied' | 'left'];
  /** A person's own status changed (waiting → lobby → joined). */
  statusChanged: [participantId: string, status: ParticipantStatus];
  /** A person lost their place and must be told and disconnected. */
  removed: [participantId: string, reason: RemovalReason, message: string | undefined];
  roomUpdated: [room: RoomInfo];
  /** The session's own state changed (locked or unlocked). */
  sessionUpdated: [session: SessionInfo];
  /** A moderator unlocked someone's microphone and asks them to unmute. */
  askedToUnmute: [participantId: string, byName: string];
  started: [session: SessionInfo];
  ended: [session: SessionInfo | null, reason: EndReason];
  closed: [];
}

interface Person {
  identity: Identity;
  status: ParticipantStatus;
  since: number;
  handRaisedAt: number | undefined;
  mic: boolean;
  cam: boolean;
  screen: boolean;
  micLocked: boolean;
  connected: boolean;
}

/** A change of one's own media: what to turn on or off. */
export interface MediaChange {
  mic?: boolean | undefined;
  cam?: boolean | undefined;
  screen?: boolean | undefined;
}

/** The identity of a live session that instances share (see `adopt`). */
export interface SharedSessionIdentity {
  id: string;
  /** Milliseconds since epoch. */
  startedAt: number;
}

export interface LiveSessionOptions {
  room: RoomInfo;
  /** Milliseconds since epoch (injected so tests control time). */
  now?: () => number;
  /** Id for the session once it starts. */
  newId: () => string;
}

/**
 * One occurrence of a room, from the first arrival to its end. Pure domain: no I/O.
 *
 * Lifecycle: `pending` (people wait for a moderator) → `live` (started when the first
 * moderator arrives) → `ended` (a moderator ends it, or the last joined person leaves).
 * A pending session that everyone leaves simply closes. `close()` is safe to call twice.
 *
 * Several server instances can run the same session, each with its own people: the first
 * starts it, the others `adopt` its identity (they go live at once, without a moderator of
 * their own). Each instance's session ends on its own; ending it everywhere is the hub's job.
 */
export class LiveSession extends TypedEmitter<LiveSessionEvents> {
  #room: RoomInfo;
  #state: SessionState = 'pending';
  #info: SessionInfo | null = null;
  #people = new Map<string, Person>();
  #peak = 0;
  #closed = false;
  readonly #now: () => number;
  readonly #newId: () => string;

  constructor(options: LiveSessionOptions) {
    super();
    this.#room = options.room;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId;
  }

  get state(): SessionState {
    return this.#state;
  }
  get info(): SessionInfo | null {
    return this.#info;
  }
  get locked(): boolean {
    // Only a live session can be locked (locking needs someone joined).
    return this.#info?.locked ?? false;
  }
  get room(): RoomInfo {
    return this.#room;
  }
  get isClosed(): boolean {
    return this.#closed;
  }
  /** Most people joined at once during the session. */
  get peak(): number {
    return this.#peak;
  }
  get joinedCount(): number {
    let n = 0;
    for (const p of this.#people.values()) if (p.status === 'joined') n++;
    return n;
  }

  has(participantId: string): boolean {
    return this.#people.has(participantId);
  }
  statusOf(participantId: string): ParticipantStatus | undefined {
    return this.#people.get(participantId)?.status;
  }
  participant(participantId: string): Participant | undefined {
    const person = this.#people.get(participantId);
    return person && toParticipant(person);
  }
  /** The person as established at the edge, with their role now (guest key included: not for the wire). */
  identity(participantId: string): Identity | undefined {
    const person = this.#people.get(participantId);
    return person && { ...person.identity };
  }
  /**
   * Who the person is across connections (votes, upvotes, rate limits): their account, else
   * their browser's guest key, else this participant alone.
   */
  personKey(participantId: string): string | undefined {
    const identity = this.#people.get(participantId)?.identity;
    return identity && (identity.userId ?? identity.guestKey ?? identity.participantId);
  }
  /** Whether this person, as they are now, may do the action. */
  allows(participantId: string, action: Action): boolean {
    const person = this.#people.get(participantId);
    return person !== undefined && person.status === 'joined' && can(person.identity.role, action, this.#room.settings);
  }

  /** People in the room (joined), in order of arrival. */
  participants(): Participant[] {
    return [...this.#people.values()].filter((p) => p.status === 'joined').map(toParticipant);
  }
  /** People held in the lobby, in order of arrival. */
  lobby(): LobbyEntry[] {
    return [...this.#people.values()].filter((p) => p.status === 'lobby').map(toLobbyEntry);
  }

  /**
   * Someone arrives: they wait, go to the lobby or join, by the rules. Returns where they are.
   * When this arrival starts the session, it starts as `startAs` (an identity the hub shared
   * with other instances beforehand), else under a new id.
   */
  arrive(identity: Identity, startAs?: SharedSessionIdentity): ParticipantStatus {
    this.#assertOpen();
    if (this.#people.has(identity.participantId)) throw new AmphiError('INVALID_STATE', 'Already in this session.');
    if (this.locked && !can(identity.role, 'session.lock', this.#room.settings)) throw new AmphiError('ROOM_LOCKED');
    const person: Person = {
      identity: { ...identity },
      status: 'waiting',
      since: this.#now(),
      handRaisedAt: undefined,
      mic: false,
      cam: false,
      screen: false,
      micLocked: false,
      connected: true,
    };
    this.#people.set(identity.participantId, person);
    if (this.#state === 'live') this.#place(person);
    else if (can(identity.role, 'session.start', this.#room.settings)) this.#start(startAs ?? { id: this.#newId(), startedAt: this.#now() });
    return person.status;
  }

  admit(actorId: string, targetId: string): void {
    this.#authorize(actorId, 'lobby.manage');
    const target = this.#inLobby(targetId);
    this.emit('lobbyLeft', targetId, 'admitted');
    this.#join(target);
  }

  deny(actorId: string, targetId: string, reason?: string): void {
    this.#authorize(actorId, 'lobby.manage');
    this.#inLobby(targetId);
    this.#people.delete(targetId);
    this.emit('lobbyLeft', targetId, 'denied');
    this.emit('removed', targetId, 'denied', reason);
  }

  setRole(actorId: string, targetId: string, role: Role): void {
    this.#authorize(actorId, 'participant.setRole');
    const target = this.#joined(targetId);
    const previous = target.identity.role;
    if (previous === role) return;
    if (previous === 'moderator' && this.#moderatorCount() === 1) {
      throw new AmphiError('INVALID_STATE', 'The room needs at least one moderator.');
    }
    target.identity.role = role;
    if (role === 'moderator') target.micLocked = false;
    this.#enforceMediaRules(target);
    this.emit('participantUpdated', toParticipant(target), previous);
  }

  remove(actorId: string, targetId: string, reason?: string): void {
    this.#authorize(actorId, 'participant.remove');
    if (actorId === targetId) throw new AmphiError('INVALID_STATE', 'Use leave to leave the room.');
    const target = this.#people.get(targetId);
    if (!target) throw new AmphiError('PARTICIPANT_NOT_FOUND');
    this.#people.delete(targetId);
    if (target.status === 'joined') this.emit('participantLeft', targetId, 'removed');
    else if (target.status === 'lobby') this.emit('lobbyLeft', targetId, 'left');
    this.emit('removed', targetId, 'removed', reason);
  }

  raiseHand(actorId: string): void {
    this.#authorize(actorId, 'hand.raise');
    const person = this.#joined(actorId);
    if (person.handRaisedAt !== undefined) return;
    person.handRaisedAt = this.#now();
    this.emit('participantUpdated', toParticipant(person), person.identity.role);
  }

  /** Lowers one's own hand, or another person's when allowed to. */
  lowerHand(actorId: string, targetId: string = actorId): void {
    // Whoever may raise a hand may lower their own (same answer as raiseHand when not joined).
    this.#authorize(actorId, 'hand.raise');
    if (targetId !== actorId) this.#authorize(actorId, 'hand.lowerOthers');
    const target = this.#joined(targetId);
    if (target.handRaisedAt === undefined) return;
    target.handRaisedAt = undefined;
    this.emit('participantUpdated', toParticipant(target), target.identity.role);
  }

  /**
   * Turns one's own microphone, camera or screen share on or off. Turning one on needs the
   * permission, and a microphone locked by a moderator stays off until they ask to unmute.
   */
  setMedia(actorId: string, change: MediaChange): void {
    const person = this.#joined(actorId);
    if (change.mic === true && !person.mic) {
      this.#authorize(actorId, 'media.unmute');
      if (person.micLocked) throw new AmphiError('MUTED_BY_MODERATOR');
    }
    if (change.cam === true && !person.cam) this.#authorize(actorId, 'media.camera');
    if (change.screen === true && !person.screen) this.#authorize(actorId, 'media.shareScreen');
    this.#applyMedia(person, { mic: change.mic ?? person.mic, cam: change.cam ?? person.cam, screen: change.screen ?? person.screen, micLocked: person.micLocked });
  }

  /** A moderator turns off someone's microphone (and locks it), camera or screen share. */
  muteParticipant(actorId: string, targetId: string, source: 'mic' | 'camera' | 'screen'): void {
    this.#authorize(actorId, 'media.moderate');
    const target = this.#joined(targetId);
    const next = { mic: target.mic, cam: target.cam, screen: target.screen, micLocked: target.micLocked };
    if (source === 'mic') {
      next.mic = false;
      // Moderators keep control of their own microphones.
      next.micLocked = target.identity.role !== 'moderator';
    } else if (source === 'camera') next.cam = false;
    else next.screen = false;
    this.#applyMedia(target, next);
  }

  /** A moderator mutes and locks every microphone but the moderators'. */
  muteAll(actorId: string): void {
    this.#authorize(actorId, 'media.moderate');
    for (const person of this.#people.values()) {
      if (person.status !== 'joined' || person.identity.role === 'moderator') continue;
      this.#applyMedia(person, { mic: false, cam: person.cam, screen: person.screen, micLocked: true });
    }
  }

  /** A moderator unlocks someone's microphone and asks them to unmute (they decide). */
  askToUnmute(actorId: string, targetId: string): void {
    this.#authorize(actorId, 'media.moderate');
    const target = this.#joined(targetId);
    if (target.mic) return;
    this.#applyMedia(target, { mic: false, cam: target.cam, screen: target.screen, micLocked: false });
    this.emit('askedToUnmute', targetId, this.#people.get(actorId)?.identity.name ?? '');
  }

  /** A moderator locks the session (nobody new enters, moderators still may) or unlocks it. */
  lock(actorId: string, locked: boolean): void {
    this.#authorize(actorId, 'session.lock');
    if (!this.#info || this.#info.locked === locked) return;
    this.#info = { ...this.#info, locked };
    this.emit('sessionUpdated', this.#info);
  }

  /** Checks that the actor may run the broadcast (moderators), in a lecture's live session. */
  authorizeBroadcast(actorId: string): void {
    this.#authorize(actorId, 'broadcast.manage');
    if (!this.#info?.broadcast) throw new AmphiError('INVALID_STATE', 'Only a lecture has a broadcast.');
  }

  /** The broadcast's state changed (told by the broadcast pipeline, which owns it). */
  setBroadcast(broadcast: BroadcastInfo): void {
    if (!this.#info?.broadcast || this.#state !== 'live') return;
    this.#info = { ...this.#info, broadcast };
    this.emit('sessionUpdated', this.#info);
  }

  /** The person's connection dropped; they keep their place until `leave(…, 'timeout')`. */
  disconnect(participantId: string): void {
    const person = this.#people.get(participantId);
    if (!person || !person.connected) return;
    person.connected = false;
    if (person.status === 'joined') this.emit('participantUpdated', toParticipant(person), person.identity.role);
  }

  reconnect(participantId: string): void {
    const person = this.#people.get(participantId);
    if (!person) throw new AmphiError('RESUME_EXPIRED');
    if (person.connected) return;
    person.connected = true;
    if (person.status === 'joined') this.emit('participantUpdated', toParticipant(person), person.identity.role);
  }

  /** The person leaves (by choice or after the reconnection grace period). */
  leave(participantId: string, reason: 'left' | 'timeout'): void {
    const person = this.#people.get(participantId);
    if (!person) return;
    this.#people.delete(participantId);
    if (person.status === 'joined') this.emit('participantLeft', participantId, reason);
    else if (person.status === 'lobby') this.emit('lobbyLeft', participantId, 'left');
    this.#endIfEmpty();
  }

  /** Room title, kind or settings changed. Turning the lobby off admits everyone in it. */
  updateRoom(room: RoomInfo): void {
    if (this.#closed) return;
    this.#room = room;
    this.emit('roomUpdated', room);
    for (const person of this.#people.values()) {
      if (person.status === 'lobby' && !room.settings.lobby) {
        this.emit('lobbyLeft', person.identity.participantId, 'admitted');
        this.#join(person);
      } else if (person.status === 'joined') {
        this.#enforceMediaRules(person, true);
      }
    }
  }

  /**
   * A pending session goes live as the given session, started on another instance: same id
   * and start time. The people waiting are placed as when a moderator starts it. Adopting the identity a live
   * session already has does nothing; any other identity is refused (INVALID_STATE).
   */
  adopt(identity: SharedSessionIdentity): void {
    this.#assertOpen();
    if (this.#state === 'live') {
      if (this.#info?.id === identity.id) return;
      throw new AmphiError('INVALID_STATE', 'This session is already live under another id.');
    }
    this.#start(identity);
  }

  /** Ends the session for everyone. With an actor, only if their role allows it. */
  end(actorId: string | null, reason: EndReason = 'moderator'): void {
    if (actorId !== null) this.#authorize(actorId, 'session.end');
    if (this.#closed) return;
    const wasLive = this.#state === 'live';
    this.#state = 'ended';
    const ids = [...this.#people.keys()];
    this.#people.clear();
    for (const id of ids) this.emit('removed', id, 'ended', undefined);
    if (wasLive) this.emit('ended', this.#info, reason);
    this.close();
  }

  /** Releases the session: safe to call twice; emits `closed` once. */
  close(): void {
    if (this.#closed) return;
    if (this.#state !== 'ended') {
      this.end(null, 'closed');
      return;
    }
    this.#closed = true;
    this.emit('closed');
    this.removeAllListeners();
  }

  #start(identity: SharedSessionIdentity): void {
    this.#state = 'live';
    const broadcast: BroadcastInfo | null =
      this.#room.kind === 'lecture' ? { state: 'idle', source: 'stage', layout: 'auto', encoderConnected: false, startedAt: null, hls: null, webrtc: false } : null;
    this.#info = { id: identity.id, startedAt: identity.startedAt, locked: false, broadcast };
    this.emit('started', this.#info);
    // Moderators first, so the lobby has someone to watch it before anyone enters it.
    const waiting = [...this.#people.values()].filter((p) => p.status === 'waiting');
    waiting.sort((a, b) => Number(b.identity.role === 'moderator') - Number(a.identity.role === 'moderator'));
    for (const person of waiting) this.#place(person);
  }

  #place(person: Person): void {
    if (this.#room.settings.lobby && !can(person.identity.role, 'lobby.bypass', this.#room.settings)) {
      person.status = 'lobby';
      person.since = this.#now();
      this.emit('statusChanged', person.identity.participantId, 'lobby');
      this.emit('lobbyEntered', toLobbyEntry(person));
    } else {
      this.#join(person);
    }
  }

  #join(person: Person): void {
    person.status = 'joined';
    person.since = this.#now();
    this.#peak = Math.max(this.#peak, this.joinedCount);
    this.emit('statusChanged', person.identity.participantId, 'joined');
    this.emit('participantJoined', toParticipant(person));
  }

  #applyMedia(person: Person, next: { mic: boolean; cam: boolean; screen: boolean; micLocked: boolean }): void {
    if (next.mic === person.mic && next.cam === person.cam && next.screen === person.screen && next.micLocked === person.micLocked) return;
    person.mic = next.mic;
    person.cam = next.cam;
    person.screen = next.screen;
    person.micLocked = next.micLocked;
    this.emit('participantUpdated', toParticipant(person), person.identity.role);
  }

  #enforceMediaRules(person: Person, announce = false): void {
    const role = person.identity.role;
    const settings = this.#room.settings;
    const mic = person.mic && can(role, 'media.unmute', settings);
    const cam = person.cam && can(role, 'media.camera', settings);
    const screen = person.screen && can(role, 'media.shareScreen', settings);
    const changed = mic !== person.mic || cam !== person.cam || screen !== person.screen;
    person.mic = mic;
    person.cam = cam;
    person.screen = screen;
    if (changed && announce) this.emit('participantUpdated', toParticipant(person), role);
  }

  #endIfEmpty(): void {
    if (this.#people.size === 0) {
      this.end(null, 'empty');
    } else if (this.#state === 'live' && this.joinedCount === 0) {
      this.end(null, 'empty');
    }
  }

  #moderatorCount(): number {
    let n = 0;
    for (const p of this.#people.values()) if (p.status === 'joined' && p.identity.role === 'moderator') n++;
    return n;
  }

  #assertOpen(): void {
    if (this.#closed || this.#state === 'ended') throw new AmphiError('SESSION_ENDED');
  }

  #authorize(actorId: string, action: Action): void {
    this.#assertOpen();
    const actor = this.#people.get(actorId);
    if (!actor || actor.status !== 'joined') throw new AmphiError('NOT_ALLOWED', 'You are not in the room yet.');
    if (!can(actor.identity.role, action, this.#room.settings)) throw new AmphiError('NOT_ALLOWED');
  }

  #joined(participantId: string): Person {
    this.#assertOpen();
    const person = this.#people.get(participantId);
    if (!person || person.status !== 'joined') throw new AmphiError('PARTICIPANT_NOT_FOUND');
    return person;
  }

  #inLobby(participantId: string): Person {
    const person = this.#people.get(participantId);
    if (!person || person.status !== 'lobby') throw new AmphiError('PARTICIPANT_NOT_FOUND', 'This person is not in the lobby.');
    return person;
  }
}

/** What others are told of a person: field by field, so the guest key never slips in. */
function toParticipant(person: Person): Participant {
  const { identity } = person;
  return {
    id: identity.participantId,
    name: identity.name,
    role: identity.role,
    ...(identity.userId !== undefined ? { userId: identity.userId } : {}),
    handRaised: person.handRaisedAt !== undefined,
    ...(person.handRaisedAt !== undefined ? { handRaisedAt: person.handRaisedAt } : {}),
    mic: person.mic,
    cam: person.cam,
    screen: person.screen,
    micLocked: person.micLocked,
    connected: person.connected,
  };
}

function toLobbyEntry(person: Person): LobbyEntry {
  return { id: person.identity.participantId, name: person.identity.name, role: person.identity.role, since: person.since };
}
