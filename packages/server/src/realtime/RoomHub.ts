import { randomUUID } from 'node:crypto';
import { AmphiError, ERRORS, type ClientMessage, type LobbyEntry, type Participant, type ServerMessage, type RoomInfo } from '@amphi/protocol';
import { LiveSession, allowedActions, can, type Identity, type SharedSessionIdentity } from '../rooms/index.js';
import type { InteractionStore, RoomRecord, RoomStore } from '../storage/index.js';
import { sha256, type ResumeClaims, type TokenSigner } from '../auth/index.js';
import type { MediaPlane, MediaRoom } from '../media/index.js';
import type { Broadcast, BroadcastService } from '../broadcast/index.js';
import { CLOSE, type Peer } from './Peer.js';
import { MemoryBus, SharedRoom, SharedSessions, type Bus, type SessionNews } from './bus/index.js';
import { isInteractionMessage, type InteractionMessage, type InteractionSession } from './InteractionSession.js';
import { InteractionReplica } from './InteractionReplica.js';
import type { SessionObserver } from './SessionObserver.js';

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RoomHubOptions {
  rooms: RoomStore;
  signer: TokenSigner;
  log: Logger;
  /** How long (ms) a lost connection keeps its place. */
  resumeGraceMs: number;
  /** Join ticket lifetime in seconds (used tickets are remembered this long). */
  ticketTtlS: number;
  /** The media plane (Janus) that carries audio and video. */
  media: MediaPlane;
  /** Lecture broadcasts (null: a lecture's audience gets nothing but the room). */
  broadcasts?: BroadcastService | null | undefined;
  /** The bus shared with other instances, through which rooms' live sessions are shared (default: an in-process bus of its own). */
  bus?: Bus | undefined;
  /** This instance's id on the bus (default: a random one). */
  instanceId?: string;
  /** Where live sessions' chat, Q&A and polls are stored (absent: in memory only). */
  interactions?: InteractionStore | null | undefined;
  /** Told of arrivals, departures and session ends (LTI attendance and grades). */
  observer?: SessionObserver | undefined;
  now?: () => number;
}

/** Where a connection is attached, once it said hello. */
export interface Attachment {
  roomId: string;
  participantId: string;
}

interface RoomRuntime {
  roomId: string;
  session: LiveSession;
  peers: Map<string, Peer>;
  graceTimers: Map<string, NodeJS.Timeout>;
  /** Participant being placed by `arrive`, whose own status is sent in the welcome instead. */
  arriving: string | null;
  /** Database writes of this room, chained so a session's end is never written before its start. */
  persisted: Promise<void>;
  /** The live session's media, created on its first media request. */
  media: MediaRoom | null;
  /** A lecture's broadcast, created when first started (or when an encoder connects). */
  broadcast: Broadcast | null;
  /**
   * In a lecture, the people everyone has been told about: the stage, and viewers who were on
   * it. Other viewers are shown only to those who manage people (and to themselves): a viewer
   * joining a lecture of 10,000 is not announced to the 9,999 others.
   */
  shownToAll: Set<string>;
  /** The session as shared with the other instances through the bus. */
  shared: SharedRoom;
  /** The live session's chat, Q&A, polls and reactions, from its start to its end. */
  interaction?: InteractionSession | null;
}

export function toRoomInfo(room: RoomRecord): RoomInfo {
  return { id: room.id, title: room.title, kind: room.kind, settings: room.settings };
}

/**
 * The live side of rooms on this instance: one LiveSession per active room, the peers
 * attached to it, and the translation of domain events into protocol messages.
 *
 * Instances on one bus share each room's live session (see SharedSessions): a session
 * started on one is adopted, with the same id, by the others where people arrive; a
 * moderator ending it on one ends it on all; its interaction log is led by one of them and
 * mirrored by the others (InteractionReplica). Presence, lobby, lock, media and broadcast
 * stay per instance. A resume token brings its person back on any instance running the session.
 *
 * Close cascade: `close()` ends every live session (peers are told and disconnected,
 * sessions recorded as ended), clears grace timers, stops sharing sessions, and refuses new
 * hellos; `flush()` then waits for the writes (database, bus) this started.
 */
export class RoomHub {
  readonly #options: RoomHubOptions;
  readonly #now: () => number;
  readonly #runtimes = new Map<string, RoomRuntime>();
  readonly #loading = new Map<string, Promise<RoomRuntime>>();
  readonly #usedTickets = new Map<string, number>();
  #nextTicketPrune = 0;
  readonly #writes = new Set<Promise<void>>();
  readonly #shared: SharedSessions;
  readonly #bus: Bus;
  readonly #instanceId: string;
  #closed = false;

  constructor(options: RoomHubOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#instanceId = options.instanceId ?? randomUUID();
    this.#bus = options.bus ?? new MemoryBus();
    this.#shared = new SharedSessions({ bus: this.#bus, instanceId: this.#instanceId, onNews: (news) => this.#onNews(news), log: options.log });
  }

  /** Number of rooms with a session (pending or live), live sessions, and attached peers. */
  stats(): { activeRooms: number; liveSessions: number; peers: number } {
    let live = 0;
    let peers = 0;
    for (const rt of this.#runtimes.values()) {
      if (rt.session.state === 'live') live++;
      peers += rt.peers.size;
    }
    return { activeRooms: this.#runtimes.size, liveSessions: live, peers };
  }

  /** People joined to the room's live session now (0 when none runs). */
  liveCount(roomId: string): number {
    return this.#runtimes.get(roomId)?.session.joinedCount ?? 0;
  }

  /** First message of a socket: a join ticket. */
  async hello(peer: Peer, ticket: string): Promise<Attachment> {
    this.#assertOpen();
    const claims = await this.#options.signer.verifyTicket(ticket);
    this.#useTicketOnce(ticket);
    if (claims.lid !== undefined) {
      const link = await this.#options.rooms.findLink(claims.lid);
      if (!link || link.revoked) throw new AmphiError('LINK_REVOKED');
    }
    const identity: Identity = { participantId: randomUUID(), name: claims.name, role: claims.role, userId: claims.uid, guestKey: claims.gk };
    let rt = await this.#runtime(claims.rid);
    let resumeToken: string;
    for (let attempt = 1; ; attempt++) {
      // A moderator about to start the session first shares its identity (or takes up the
      // one just started elsewhere), so that every instance runs it under one id.
      if (rt.session.state === 'pending' && can(claims.role, 'session.start', rt.session.room.settings)) await rt.shared.share({ id: randomUUID(), startedAt: this.#now() });
      // Signed before arriving: from arrival to welcome nothing may await, or the welcome
      // could come after (and contradict) messages sent in between.
      resumeToken = await this.#resumeToken(rt, identity, rt.shared.identity?.id);
      // The session may have closed meanwhile (its last person left): arrive in the next one.
      if (!rt.session.isClosed || attempt === 2) break;
      rt = await this.#runtime(claims.rid);
    }
    return this.#arrive(rt, peer, identity, resumeToken, rt.shared.identity ?? undefined);
  }

  /** First message of a socket that takes back a place after a lost connection. */
  async resume(peer: Peer, resumeToken: string): Promise<Attachment> {
    this.#assertOpen();
    const claims = await this.#options.signer.verifyResume(resumeToken);
    const known = this.#runtimes.get(claims.rid)?.session.identity(claims.pid);
    // Not here: the person's instance is gone (or the balancer moved them): re-arrive them.
    if (!known) return this.#rearrive(peer, claims);
    const rt = this.#runtimes.get(claims.rid)!;
    const freshToken = await this.#resumeToken(rt, known);
    if (this.#runtimes.get(claims.rid) !== rt || !rt.session.has(claims.pid)) throw new AmphiError('RESUME_EXPIRED');
    const timer = rt.graceTimers.get(claims.pid);
    if (timer) clearTimeout(timer);
    rt.graceTimers.delete(claims.pid);
    const previous = rt.peers.get(claims.pid);
    rt.peers.set(claims.pid, peer);
    if (previous && previous !== peer) previous.close(CLOSE.replaced, 'replaced');
    rt.session.reconnect(claims.pid);
    this.#welcome(rt, claims.pid, freshToken);
    // Media flows on while the socket is away; only an offer sent meanwhile may be lost.
    rt.media?.resendOffer(claims.pid);
    return { roomId: rt.roomId, participantId: claims.pid };
  }

  /**
   * A resume token whose person this instance does not have: when it names the room's current
   * shared session and the person did not leave it, they arrive again as who they were (same
   * id, name, account; their role as last known), and set their media up afresh here.
   */
  async #rearrive(peer: Peer, claims: ResumeClaims): Promise<Attachment> {
    const { rid: roomId, pid, sid } = claims;
    if (sid === undefined) throw new AmphiError('RESUME_EXPIRED');
    const record = await this.#shared.participant(roomId, sid, pid).catch((err: unknown) => {
      this.#options.log.warn({ err, roomId }, 'could not read a participant of a shared session');
      return { gone: true } as const;
    });
    if (record && 'gone' in record) throw new AmphiError('RESUME_EXPIRED');
    const rt = await this.#runtime(roomId);
    if (rt.session.state === 'pending') await rt.shared.share();
    if (rt.session.info?.id !== sid || rt.shared.departed(pid) || rt.session.has(pid)) throw new AmphiError('RESUME_EXPIRED');
    const identity: Identity = { participantId: pid, name: claims.name, role: record?.role ?? claims.role, userId: claims.uid, guestKey: claims.gk };
    const freshToken = await this.#resumeToken(rt, identity);
    if (rt.session.isClosed || rt.session.has(pid)) throw new AmphiError('RESUME_EXPIRED');
    const attachment = this.#arrive(rt, peer, identity, freshToken);
    // Their media lived on the other instance: the client publishes and subscribes again.
    if (rt.session.statusOf(pid) === 'joined') peer.send({ type: 'media.reset', reason: 'restarted' });
    return attachment;
  }

  /**
   * A message from an attached peer. Throws (or rejects with) AmphiError for the gateway to
   * report; media requests return a promise that settles once the media server answered.
   */
  handle(attachment: Attachment, message: ClientMessage): void | Promise<void> {
    const rt = this.#runtimes.get(attachment.roomId);
    if (!rt || !rt.session.has(attachment.participantId)) throw new AmphiError('SESSION_ENDED');
    const pid = attachment.participantId;
    const session = rt.session;
    if (isInteractionMessage(message)) return this.#interact(rt, pid, message);
    switch (message.type) {
      case 'hello':
      case 'resume':
        throw new AmphiError('ALREADY_JOINED');
      case 'ping':
        rt.peers.get(pid)?.send({ type: 'pong', ...(message.t !== undefined ? { t: message.t } : {}), serverTime: this.#now() });
        return;
      case 'hand.raise':
        return session.raiseHand(pid);
      case 'hand.lower':
        return session.lowerHand(pid, message.participantId);
      case 'media.state':
        return session.setMedia(pid, { mic: message.mic, cam: message.cam, screen: message.screen });
      case 'media.mute':
        return session.muteParticipant(pid, message.participantId, message.source);
      case 'media.muteAll':
        return session.muteAll(pid);
      case 'media.askUnmute':
        return session.askToUnmute(pid, message.participantId);
      case 'session.lock':
        return session.lock(pid, message.locked);
      case 'media.publish': {
        const media = this.#mediaFor(rt, pid);
        if (!session.allows(pid, 'media.camera') && !session.allows(pid, 'media.unmute') && !session.allows(pid, 'media.shareScreen')) {
          throw new AmphiError('NOT_ALLOWED', 'Your role may not send audio or video.');
        }
        return this.#media(rt, pid, media.publish(pid, message.sdp, message.sources, { fresh: message.fresh === true, mayShareScreen: session.allows(pid, 'media.shareScreen') }));
      }
      case 'media.unpublish':
        return this.#media(rt, pid, this.#mediaFor(rt, pid).unpublish(pid));
      case 'media.receive':
        // A lecture's audience watches the program, not the stage's VideoRoom.
        if (session.room.kind === 'lecture' && session.participant(pid)?.role === 'viewer') throw new AmphiError('NOT_ALLOWED', 'Viewers watch the broadcast.');
        return this.#media(rt, pid, this.#mediaFor(rt, pid).receive(pid));
      case 'media.subscriberAnswer':
        return this.#media(rt, pid, this.#mediaFor(rt, pid).answer(pid, message.sdp));
      case 'media.restart':
        return this.#media(rt, pid, this.#mediaFor(rt, pid).restart(pid));
      case 'media.layers':
        return this.#media(rt, pid, this.#mediaFor(rt, pid).setLayers(pid, message.layers));
      case 'broadcast.start': {
        session.authorizeBroadcast(pid);
        // The stage's media exists before the program asks it for streams.
        this.#ensureMedia(rt);
        return this.#media(rt, pid, this.#broadcastFor(rt).start());
      }
      case 'broadcast.stop':
        session.authorizeBroadcast(pid);
        return rt.broadcast?.stop();
      case 'broadcast.layout':
        session.authorizeBroadcast(pid);
        return this.#broadcastFor(rt).setLayout(message.layout);
      case 'audience.watch':
        if (session.statusOf(pid) !== 'joined' || !rt.broadcast) throw new AmphiError('INVALID_STATE', 'The broadcast is not live.');
        return this.#media(
          rt,
          pid,
          rt.broadcast.watch(pid).then((sdp) => {
            if (session.statusOf(pid) === 'joined') rt.peers.get(pid)?.send({ type: 'audience.offer', sdp });
          }),
        );
      case 'audience.answer':
        if (!rt.broadcast) throw new AmphiError('INVALID_STATE', 'The broadcast is not live.');
        return this.#media(rt, pid, rt.broadcast.answerWatch(pid, message.sdp));
      case 'audience.leave':
        return rt.broadcast?.leaveWatch(pid);
      case 'lobby.admit':
        return session.admit(pid, message.participantId);
      case 'lobby.deny':
        return session.deny(pid, message.participantId, message.reason);
      case 'participant.setRole':
        return session.setRole(pid, message.participantId, message.role);
      case 'participant.remove':
        return session.remove(pid, message.participantId, message.reason);
      case 'session.end':
        return session.end(pid, 'moderator');
      case 'leave': {
        const peer = rt.peers.get(pid);
        rt.peers.delete(pid);
        session.leave(pid, 'left');
        peer?.close(CLOSE.normal, 'left');
        return;
      }
    }
  }

  /** Chat, Q&A, polls and reactions: for people joined to the live session. */
  #interact(rt: RoomRuntime, pid: string, message: InteractionMessage): void | Promise<void> {
    const participant = rt.session.participant(pid);
    const key = rt.session.personKey(pid);
    const peer = rt.peers.get(pid);
    if (!rt.interaction || !participant || key === undefined || !peer || rt.session.statusOf(pid) !== 'joined') throw new AmphiError('NOT_ALLOWED', 'You are not in the room yet.');
    return rt.interaction.handle(participant, key, peer, message);
  }

  /**
   * The live session's interaction layer, opened when it starts (after the start's database
   * write): its log is shared with the other instances running the session, one of which
   * leads it (see InteractionReplica).
   */
  #openInteraction(rt: RoomRuntime, info: { id: string; startedAt: number }): InteractionSession {
    const rooms = this.#options.rooms;
    const replica = new InteractionReplica({
      roomId: rt.roomId,
      bus: this.#bus,
      instanceId: this.#instanceId,
      // The leader may not be the instance that wrote the session's start.
      ensureStarted: () => rooms.recordSessionStart(info.id, rt.roomId, new Date(info.startedAt)),
      track: (write) => this.#track(write),
      session: {
        sessionId: info.id,
        anonymity: rt.session.room.settings.qaAnonymity,
        store: this.#options.interactions ?? null,
        ready: rt.persisted,
        persist: (write) => this.#persist(rt, write),
        participant: (id) => {
          const p = rt.session.participant(id);
          return p && { participantId: p.id, role: p.role };
        },
        log: this.#options.log,
        now: this.#now,
      },
    });
    return replica.session;
  }

  /** Media server failures become MEDIA_UNAVAILABLE for the client; the cause is logged. */
  async #media(rt: RoomRuntime, pid: string, request: Promise<void>): Promise<void> {
    try {
      await request;
    } catch (err) {
      if (err instanceof AmphiError) throw err;
      this.#options.log.warn({ err, roomId: rt.roomId, participantId: pid }, 'media request failed');
      throw new AmphiError('MEDIA_UNAVAILABLE');
    }
  }

  /** The session's media, for someone joined to it (created on first use). */
  #mediaFor(rt: RoomRuntime, pid: string): MediaRoom {
    if (rt.session.statusOf(pid) !== 'joined' || rt.session.state !== 'live') throw new AmphiError('NOT_ALLOWED', 'You are not in the room yet.');
    return this.#ensureMedia(rt);
  }

  /** A lecture's broadcast (created on first use); only in a live lecture session. */
  #broadcastFor(rt: RoomRuntime): Broadcast {
    if (rt.broadcast) return rt.broadcast;
    const broadcasts = this.#options.broadcasts;
    if (!broadcasts || rt.session.state !== 'live' || !rt.session.info?.broadcast) throw new AmphiError('INVALID_STATE', 'Broadcasting is not available here.');
    const broadcast = broadcasts.create({
      stageFeeds: () => rt.media?.stageFeeds() ?? [],
      forward: (pid, mid, target) => this.#ensureMedia(rt).forward(pid, mid, target),
      requestKeyframe: (pid) => rt.media?.requestKeyframe(pid) ?? Promise.resolve(),
    });
    rt.broadcast = broadcast;
    broadcast.on('updated', (info) => rt.session.setBroadcast(info));
    return broadcast;
  }

  /**
   * The internal RTMP stream name under which an encoder with this room's stream key
   * publishes, or null when the room has no live lecture session on this instance.
   */
  encoderStreamFor(roomId: string): string | null {
    const rt = this.#runtimes.get(roomId);
    if (!rt || rt.session.state !== 'live' || !rt.session.info?.broadcast || !this.#options.broadcasts) return null;
    if (rt.session.info.broadcast.state === 'ended') return null;
    this.#ensureMedia(rt);
    return this.#broadcastFor(rt).encoderStream;
  }

  #ensureMedia(rt: RoomRuntime): MediaRoom {
    rt.media ??= this.#options.media.createRoom({
      send: (to, message) => {
        if (rt.session.statusOf(to) === 'joined') rt.peers.get(to)?.send(message);
      },
      broadcast: (message) => this.#broadcast(rt, message),
      participant: (id) => (rt.session.statusOf(id) === 'joined' ? rt.session.participant(id) : undefined),
      mediaReset: () => this.#broadcast(rt, { type: 'media.reset', reason: 'restarted' }),
      feedsChanged: () => rt.broadcast?.stageChanged(),
      log: this.#options.log,
    });
    return rt.media;
  }

  /** The peer's connection closed: keep the place for the grace period. */
  detach(attachment: Attachment, peer: Peer): void {
    const rt = this.#runtimes.get(attachment.roomId);
    if (!rt || rt.peers.get(attachment.participantId) !== peer) return;
    const pid = attachment.participantId;
    rt.peers.delete(pid);
    rt.interaction?.leave(pid, peer);
    if (!rt.session.has(pid)) return;
    rt.session.disconnect(pid);
    rt.graceTimers.set(
      pid,
      setTimeout(() => {
        rt.graceTimers.delete(pid);
        rt.session.leave(pid, 'timeout');
      }, this.#options.resumeGraceMs),
    );
  }

  /** A room's title, kind or settings changed through the API. */
  roomUpdated(room: RoomRecord): void {
    this.#runtimes.get(room.id)?.session.updateRoom(toRoomInfo(room));
  }

  /** The room was deleted: end its session, on every instance. */
  roomDeleted(roomId: string): void {
    const rt = this.#runtimes.get(roomId);
    if (!rt) return;
    rt.shared.endEverywhere();
    rt.session.end(null, 'closed');
  }

  /** Ends every session and refuses new connections; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const rt of [...this.#runtimes.values()]) rt.session.close();
    this.#usedTickets.clear();
    this.#track(this.#shared.close());
  }

  /** Resolves when every database write started so far has finished (used on shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.#writes]);
  }

  #persist(rt: RoomRuntime, write: () => Promise<void>): void {
    const done = rt.persisted.then(write).catch((err: unknown) => this.#options.log.error({ err, roomId: rt.roomId }, 'could not record live session'));
    rt.persisted = done;
    this.#track(done);
  }

  /** Calls the session observer; one that throws is logged, never breaks the hub. */
  #observe(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.#options.log.error({ err }, 'session observer failed');
    }
  }

  /** Keeps a write in the set `flush()` waits for. */
  #track(write: Promise<void>): void {
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  #assertOpen(): void {
    if (this.#closed) throw new AmphiError('SESSION_ENDED', 'The server is shutting down.');
  }

  #useTicketOnce(ticket: string): void {
    const now = this.#now();
    // Forget expired tickets now and then, not on every hello.
    if (now >= this.#nextTicketPrune) {
      for (const [key, expiry] of this.#usedTickets) if (expiry < now) this.#usedTickets.delete(key);
      this.#nextTicketPrune = now + 10_000;
    }
    const key = sha256(ticket);
    if (this.#usedTickets.has(key)) throw new AmphiError('TICKET_INVALID', 'This join ticket was already used.');
    this.#usedTickets.set(key, now + this.#options.ticketTtlS * 1000);
  }

  /** Places the person (starting a pending session as `startAs` when they may start it). */
  #arrive(rt: RoomRuntime, peer: Peer, identity: Identity, resumeToken: string, startAs?: SharedSessionIdentity): Attachment {
    const { participantId } = identity;
    rt.peers.set(participantId, peer);
    rt.arriving = participantId;
    try {
      rt.session.arrive(identity, startAs);
    } catch (err) {
      rt.peers.delete(participantId);
      throw err;
    } finally {
      rt.arriving = null;
    }
    this.#welcome(rt, participantId, resumeToken);
    return { roomId: rt.roomId, participantId };
  }

  /** A resume token: the person as they are now, in the session live now or about to start (if any). */
  #resumeToken(rt: RoomRuntime, identity: Identity, startingSid?: string): Promise<string> {
    const sid = rt.session.info?.id ?? startingSid;
    return this.#options.signer.sign(
      {
        typ: 'resume',
        rid: rt.roomId,
        pid: identity.participantId,
        name: identity.name,
        role: identity.role,
        ...(identity.userId !== undefined ? { uid: identity.userId } : {}),
        ...(identity.guestKey !== undefined ? { gk: identity.guestKey } : {}),
        ...(sid !== undefined ? { sid } : {}),
      },
      this.#resumeTtlMs() / 1000,
    );
  }

  /** How long (ms) a resume token stays valid (a person's records on the bus are kept as long). */
  #resumeTtlMs(): number {
    return (Math.ceil(this.#options.resumeGraceMs / 1000) + 3600 * 12) * 1000;
  }

  /** Synchronous, so the welcome describes the person exactly as the next messages find them. */
  #welcome(rt: RoomRuntime, pid: string, resumeToken: string): void {
    const session = rt.session;
    const you = session.participant(pid);
    const status = session.statusOf(pid);
    const peer = rt.peers.get(pid);
    if (!you || !status || !peer) return;
    const permissions = allowedActions(you.role, session.room.settings);
    const iceServers = this.#options.media.iceServers(pid);
    peer.send({ type: 'welcome', participantId: pid, resumeToken, resumeWithinMs: this.#options.resumeGraceMs, status, you, permissions, room: session.room, session: session.info, iceServers });
    if (status === 'joined') this.#sendPresence(rt, pid);
  }

  #sendPresence(rt: RoomRuntime, pid: string): void {
    const me = rt.session.participant(pid);
    if (!me) return;
    const settings = rt.session.room.settings;
    const lobby: LobbyEntry[] = can(me.role, 'lobby.manage', settings) ? rt.session.lobby() : [];
    // A lecture viewer is shown the people shown to everyone (a handful) and themselves: read
    // from that set, not by filtering the whole audience, so 10,000 joins cost O(stage) each.
    const participants = this.#seesAudience(rt, pid) ? rt.session.participants() : this.#shownPeople(rt, pid);
    rt.peers.get(pid)?.send({ type: 'presence', participants, lobby, permissions: allowedActions(me.role, settings) });
  }

  /** The joined people shown to everyone (non-viewers are added to the set when announced), and `pid`. */
  #shownPeople(rt: RoomRuntime, pid: string): Participant[] {
    const people: Participant[] = [];
    for (const id of rt.shownToAll) {
      const participant = id !== pid && rt.session.statusOf(id) === 'joined' ? rt.session.participant(id) : undefined;
      if (participant) people.push(participant);
    }
    const me = rt.session.participant(pid);
    if (me) people.push(me);
    return people;
  }

  /** Whether everyone is told about this person (see RoomRuntime.shownToAll); remembers those who are. */
  #shownToAll(rt: RoomRuntime, participant: Participant): boolean {
    if (rt.session.room.kind !== 'lecture' || participant.role !== 'viewer') rt.shownToAll.add(participant.id);
    return rt.shownToAll.has(participant.id);
  }

  /** Whether this person sees a lecture's whole audience (those who may bring people on stage). */
  #seesAudience(rt: RoomRuntime, pid: string): boolean {
    return rt.session.room.kind !== 'lecture' || rt.session.allows(pid, 'participant.setRole');
  }

  /**
   * Sends to everyone joined (optionally only those allowed to manage the lobby). A message
   * about a lecture viewer nobody else was told about (`about`, `aboutId`) goes only to those
   * who see the audience, and to that viewer.
   */
  #broadcast(rt: RoomRuntime, message: ServerMessage, filter: { except?: string; lobbyManagers?: boolean; about?: Participant; aboutId?: string } = {}): void {
    const serialized = JSON.stringify(message);
    const subject = filter.about?.id ?? filter.aboutId;
    const toAll = filter.about ? this.#shownToAll(rt, filter.about) : filter.aboutId === undefined || rt.shownToAll.has(filter.aboutId) || rt.session.room.kind !== 'lecture';
    // Not to all: only the subject and those who see the audience, who are never viewers and so
    // are all in shownToAll — a viewer's arrival is not a loop over the whole audience.
    const targets: Iterable<string> = toAll ? rt.peers.keys() : subject === undefined || rt.shownToAll.has(subject) ? rt.shownToAll : [...rt.shownToAll, subject];
    for (const pid of targets) {
      const peer = rt.peers.get(pid);
      if (!peer || pid === filter.except || rt.session.statusOf(pid) !== 'joined') continue;
      if (filter.lobbyManagers && !rt.session.allows(pid, 'lobby.manage')) continue;
      if (!toAll && pid !== subject && !this.#seesAudience(rt, pid)) continue;
      peer.send(message, serialized);
    }
  }

  async #runtime(roomId: string): Promise<RoomRuntime> {
    const existing = this.#runtimes.get(roomId);
    if (existing) return existing;
    let loading = this.#loading.get(roomId);
    if (!loading) {
      loading = this.#load(roomId).finally(() => this.#loading.delete(roomId));
      this.#loading.set(roomId, loading);
    }
    return loading;
  }

  async #load(roomId: string): Promise<RoomRuntime> {
    const room = await this.#options.rooms.get(roomId);
    if (!room) throw new AmphiError('ROOM_NOT_FOUND');
    this.#assertOpen();
    const session = new LiveSession({ room: toRoomInfo(room), now: this.#now, newId: randomUUID });
    const shared = new SharedRoom({ roomId, session, sessions: this.#shared, instanceId: this.#instanceId, recordTtlMs: this.#resumeTtlMs(), track: (w) => this.#track(w), log: this.#options.log });
    const rt: RoomRuntime = {
      roomId,
      session,
      peers: new Map(),
      graceTimers: new Map(),
      arriving: null,
      persisted: Promise.resolve(),
      media: null,
      broadcast: null,
      shownToAll: new Set(),
      shared,
    };
    session.onListenerError = (error, event) => this.#options.log.error({ err: error, event, roomId }, 'room event listener failed');
    this.#wire(rt);
    this.#runtimes.set(roomId, rt);
    // The room's session may run on another instance already: people here join it at once.
    await shared.share();
    return rt;
  }

  #onNews(news: SessionNews): void {
    this.#runtimes.get(news.roomId)?.shared.news(news);
  }

  #wire(rt: RoomRuntime): void {
    const { session, roomId } = rt;
    const log = this.#options.log;
    session.on('statusChanged', (pid, status) => {
      if (pid === rt.arriving) return;
      rt.peers.get(pid)?.send({ type: 'status', status, session: session.info });
      if (status === 'joined') this.#sendPresence(rt, pid);
    });
    session.on('participantJoined', (participant) => this.#broadcast(rt, { type: 'participant.joined', participant }, { except: participant.id, about: participant }));
    session.on('participantUpdated', (participant, previousRole) => {
      // Back to the audience: off the stage, nothing of theirs is forwarded any more.
      if (participant.role === 'viewer' && previousRole !== 'viewer' && session.room.kind === 'lecture') rt.media?.remove(participant.id);
      else rt.media?.applyState(participant.id);
      rt.interaction?.setRole(participant.id, participant.role);
      this.#broadcast(rt, { type: 'participant.updated', participant }, { about: participant });
      // A new role may show or hide the lobby: give the person a fresh picture.
      if (participant.role !== previousRole) this.#sendPresence(rt, participant.id);
    });
    session.on('participantLeft', (participantId, reason) => {
      rt.media?.remove(participantId);
      rt.interaction?.leave(participantId);
      void rt.broadcast?.leaveWatch(participantId).catch(() => undefined);
      this.#broadcast(rt, { type: 'participant.left', participantId, reason }, { aboutId: participantId });
      rt.shownToAll.delete(participantId);
    });
    session.on('sessionUpdated', (info) => {
      const update: ServerMessage = { type: 'session.updated', session: info };
      const serialized = JSON.stringify(update);
      for (const peer of rt.peers.values()) peer.send(update, serialized);
    });
    session.on('askedToUnmute', (pid, byName) => rt.peers.get(pid)?.send({ type: 'media.askUnmute', by: byName }));
    session.on('lobbyEntered', (entry) => this.#broadcast(rt, { type: 'lobby.entered', entry }, { lobbyManagers: true }));
    session.on('lobbyLeft', (participantId, outcome) => this.#broadcast(rt, { type: 'lobby.left', participantId, outcome }, { lobbyManagers: true }));
    session.on('roomUpdated', (room) => {
      rt.interaction?.setAnonymity(room.settings.qaAnonymity);
      const update: ServerMessage = { type: 'room.updated', room };
      const serialized = JSON.stringify(update);
      for (const peer of rt.peers.values()) peer.send(update, serialized);
      // Settings decide some permissions: refresh everyone's picture.
      for (const pid of rt.peers.keys()) if (session.statusOf(pid) === 'joined') this.#sendPresence(rt, pid);
    });
    session.on('removed', (pid, reason, message) => {
      rt.media?.remove(pid);
      rt.interaction?.leave(pid);
      const peer = rt.peers.get(pid);
      rt.peers.delete(pid);
      const timer = rt.graceTimers.get(pid);
      if (timer) clearTimeout(timer);
      rt.graceTimers.delete(pid);
      if (!peer) return;
      peer.send({ type: 'removed', reason, ...(message !== undefined ? { message } : {}) });
      peer.close(reason === 'removed' ? CLOSE.removed : reason === 'denied' ? CLOSE.denied : CLOSE.ended, ERRORS[reason === 'removed' ? 'REMOVED' : reason === 'denied' ? 'LOBBY_DENIED' : 'SESSION_ENDED'].message);
    });
    session.on('started', (info) => {
      log.info({ roomId, sessionId: info.id, shared: rt.shared.identity !== null }, 'live session started');
      // A shared session's row is written once, by the instance that made it.
      if (rt.shared.recordsStart) this.#persist(rt, () => this.#options.rooms.recordSessionStart(info.id, roomId, new Date(info.startedAt)));
      rt.interaction = this.#openInteraction(rt, info);
    });
    session.on('ended', (info, reason) => {
      if (!info) return;
      log.info({ roomId, sessionId: info.id, reason }, 'live session ended');
      const endedAt = new Date(this.#now());
      // Written here unless another instance writes it (see SharedRoom).
      this.#persist(rt, () =>
        rt.shared.ended(reason, async () => {
          await this.#options.rooms.recordSessionEnd(info.id, endedAt, reason, session.peak);
          this.#observe(() => this.#options.observer?.sessionEnded?.({ roomId, sessionId: info.id, startedAt: info.startedAt, endedAt: endedAt.getTime(), reason }));
        }),
      );
    });
    if (this.#options.observer) {
      const observer = this.#options.observer;
      session.on('participantJoined', (p) => {
        const sessionId = session.info?.id;
        if (sessionId !== undefined) this.#observe(() => observer.participantJoined?.({ roomId, sessionId, participantId: p.id, userId: p.userId, at: this.#now() }));
      });
      session.on('participantLeft', (participantId) => {
        const sessionId = session.info?.id;
        if (sessionId !== undefined) this.#observe(() => observer.participantLeft?.({ roomId, sessionId, participantId, at: this.#now() }));
      });
    }
    session.on('closed', () => {
      rt.interaction?.close();
      rt.interaction = null;
      const broadcast = rt.broadcast;
      rt.broadcast = null;
      broadcast?.close().catch((err: unknown) => log.warn({ err, roomId }, 'could not close the broadcast'));
      const media = rt.media;
      rt.media = null;
      media?.close().catch((err: unknown) => log.warn({ err, roomId }, 'could not release the media room'));
      for (const timer of rt.graceTimers.values()) clearTimeout(timer);
      rt.graceTimers.clear();
      if (this.#runtimes.get(roomId) === rt) this.#runtimes.delete(roomId);
    });
  }
}
