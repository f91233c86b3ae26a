import type { Role, ServerMessage } from '@amphi/protocol';
import { viewerClass, type RenderedEvent, type Viewer, type ViewerClass, type WireEvent } from '../interaction/index.js';
import type { Peer } from './Peer.js';

interface Subscriber {
  readonly peer: Peer;
  viewer: Viewer;
}

type EventsFrame = Extract<ServerMessage, { type: 'interaction.events' }>;

/**
 * Delivers a live session's committed interaction events to the sockets of this instance
 * that have synced (`interaction.sync`): one `interaction.events` frame per committed batch
 * per socket, carrying the batch's last seq.
 *
 * Cost: a frame is built and serialized once per class of viewer (moderators, presenters,
 * audience) and shared by every socket of that class, so a message to a lecture of 10,000
 * costs three `JSON.stringify`, not 10,000. Only the sockets an event concerns personally —
 * the person who voted or asked (by key: all their tabs), those a restricted event names
 * (a private message's sender, a muted person) — get a frame built for them.
 *
 * A socket that sees nothing of a batch (the audience, for a vote) gets no frame: the seqs
 * it skipped are ones it may not see, so resuming from its older last seq misses nothing.
 */
export class InteractionFanOut {
  readonly #subscribers = new Map<string, Subscriber>();

  /** Sockets receiving frames. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Starts sending to this participant's socket (replacing a previous socket of theirs). */
  add(participantId: string, peer: Peer, viewer: Viewer): void {
    this.#subscribers.set(participantId, { peer, viewer });
  }

  /** Stops sending to this participant (only if `peer`, when given, is still their socket). */
  remove(participantId: string, peer?: Peer): void {
    const subscriber = this.#subscribers.get(participantId);
    if (subscriber && (peer === undefined || subscriber.peer === peer)) this.#subscribers.delete(participantId);
  }

  has(participantId: string): boolean {
    return this.#subscribers.has(participantId);
  }

  /** The participant's role changed: what they are shown changes with it. */
  setRole(participantId: string, role: Role): void {
    const subscriber = this.#subscribers.get(participantId);
    if (subscriber && subscriber.viewer.role !== role) subscriber.viewer = { ...subscriber.viewer, role };
  }

  /** Sends one committed batch (rendered) to every subscriber, each seeing what they may. */
  send(batch: readonly RenderedEvent[], lastSeq: number): void {
    if (batch.length === 0 || this.#subscribers.size === 0) return;
    const named = new Set<string>();
    const keys = new Set<string>();
    for (const item of batch) {
      if (item.restrictedTo) for (const id of item.restrictedTo) named.add(id);
      if (item.personal) keys.add(item.personal.key);
    }
    const shared = new Map<ViewerClass, { message: EventsFrame; serialized: string } | null>();
    for (const [participantId, { peer, viewer }] of this.#subscribers) {
      const cls = viewerClass(viewer.role);
      if (named.has(participantId) || keys.has(viewer.key)) {
        const events = frameEvents(batch, (item) => pickFor(item, participantId, viewer.key, cls));
        if (events.length > 0) peer.send({ type: 'interaction.events', events, lastSeq });
        continue;
      }
      let frame = shared.get(cls);
      if (frame === undefined) {
        const events = frameEvents(batch, (item) => (item.byClass[cls] ? { event: item.byClass[cls], personal: false } : null));
        const message: EventsFrame = { type: 'interaction.events', events, lastSeq };
        frame = events.length > 0 ? { message, serialized: JSON.stringify(message) } : null;
        shared.set(cls, frame);
      }
      if (frame) peer.send(frame.message, frame.serialized);
    }
  }

  /** Sends the same message to every subscriber, serialized once. */
  broadcast(message: ServerMessage): void {
    const serialized = JSON.stringify(message);
    for (const { peer } of this.#subscribers.values()) peer.send(message, serialized);
  }

  clear(): void {
    this.#subscribers.clear();
  }
}

interface Picked {
  readonly event: WireEvent;
  readonly personal: boolean;
}

/** What one socket is shown of an event: its own rendering, else its class's, else a restricted event that names it. */
function pickFor(item: RenderedEvent, participantId: string, key: string, cls: ViewerClass): Picked | null {
  if (item.personal && item.personal.key === key) {
    const event = item.personal.byClass[cls];
    return event ? { event, personal: true } : null;
  }
  const event = item.byClass[cls];
  if (event) return { event, personal: false };
  if (item.restricted && item.restrictedTo?.includes(participantId)) return { event: item.restricted, personal: false };
  return null;
}

/**
 * The events of a frame, in seq order. Of events with the same `coalesce` key (votes on one
 * poll or question), a later one supersedes an earlier one not rendered for oneself.
 */
function frameEvents(batch: readonly RenderedEvent[], pick: (item: RenderedEvent) => Picked | null): WireEvent[] {
  const picked: (Picked | null)[] = batch.map(pick);
  const superseded = new Set<string>();
  for (let i = batch.length - 1; i >= 0; i--) {
    const key = batch[i]!.coalesce;
    const p = picked[i];
    if (!p || key === undefined) continue;
    if (superseded.has(key) && !p.personal) picked[i] = null;
    else superseded.add(key);
  }
  const events: WireEvent[] = [];
  for (const p of picked) if (p) events.push(p.event);
  return events;
}
