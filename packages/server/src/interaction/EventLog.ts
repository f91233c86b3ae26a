import { AmphiError, TypedEmitter, type Role } from '@amphi/protocol';
import { RateLimitedError } from './RateLimiter.js';

/** Who sent a command: the participant, and the id their client chose for it (for retries). */
export interface Origin {
  readonly actorId: string;
  /** Client-chosen id (1–128 chars): a retry with the same id is stored once. */
  readonly clientId?: string | undefined;
}

/** What a domain rule decided to record (the log adds the envelope: seq, times, origin). */
export interface EventBody {
  readonly kind: string;
  readonly payload: unknown;
  /**
   * Absent: everyone in the room sees the event. Present: only moderators and these
   * participants do (a private message: [sender]; a chat mute: [the muted person]).
   */
  readonly restrictedTo?: readonly string[] | undefined;
  /** This event erases the payload of the earlier event with this seq (a deleted message). */
  readonly redacts?: number | undefined;
}

/** One ordered, persisted event of a live session. Immutable; a redaction replaces the object. */
export interface InteractionEvent {
  /** Position in the log: 1, 2, 3 … with no gaps. */
  readonly seq: number;
  readonly kind: string;
  readonly actorId: string;
  readonly clientId?: string;
  /** Server time (ms since epoch) when the command was accepted. */
  readonly at: number;
  /** The live session's media clock (ms) at that moment, or null when no media clock runs. */
  readonly mediaTime: number | null;
  /** Domain data; once redacted, only its residue (default null). */
  readonly payload: unknown;
  readonly restrictedTo?: readonly string[];
  readonly redacts?: number;
  /** Set on a stored event whose payload was erased by the later event `redactedBy`. */
  readonly redactedBy?: number;
}

export interface AppendResult {
  readonly event: InteractionEvent;
  /** True when this was a retry: the event had already been stored and is not new. */
  readonly duplicate: boolean;
}

/** Result of `since`: either exactly what was missed, or "too far back: send a snapshot". */
export type SinceResult =
  | { readonly complete: true; readonly events: readonly InteractionEvent[] }
  | { readonly complete: false; readonly events: readonly []; readonly reason: 'expired' | 'ahead' };

/** A recent-history view for late joiners: the last `limit` events of these kinds (that pass `filter`). */
export interface HistorySpec {
  readonly kinds: readonly string[];
  readonly limit: number;
  /** Keeps only the events it accepts (e.g. public messages apart from private ones). */
  readonly filter?: ((event: InteractionEvent) => boolean) | undefined;
}

/**
 * Result of `receive`: the events were added (`added` new ones; already known seqs are
 * skipped), or a gap: the batch starts after `expected`, so events are missing in between
 * (fetch them from the store or the leader, then receive again).
 */
export type ReceiveResult = { readonly ok: true; readonly added: number } | { readonly ok: false; readonly gap: { readonly expected: number; readonly got: number } };

export interface EventLogOptions {
  /** Milliseconds since epoch (injected so tests control time). */
  now?: () => number;
  /** The live session's media time (ms) at server time `now`, or null (default: always null). */
  mediaClock?: (now: number) => number | null;
  /**
   * Persists a batch atomically (all or nothing), in seq order, before anyone sees it.
   * Omitted: events are committed synchronously (tests, and rooms without persistence).
   */
  store?: (batch: readonly InteractionEvent[]) => Promise<void>;
  /** Retained window for `since` (defaults: 5,000 events, 30 minutes). */
  retention?: { maxEvents?: number; maxAgeMs?: number };
  /** How long and how many client ids are remembered for retries (defaults: 10 min, 50,000). */
  dedup?: { maxAgeMs?: number; maxEntries?: number };
  /** Named recent-history views, e.g. `{ chat: { kinds: ['chat.message'], limit: 200 } }`. */
  histories?: Readonly<Record<string, HistorySpec>>;
  /** Largest batch handed to `store` (default 256). */
  maxBatch?: number;
  /** Commands waiting for `store` beyond which new ones are refused with RATE_LIMITED (default 10,000). */
  maxQueued?: number;
  /** Seq of the last event already stored (a restarted instance continues the numbering; default 0). */
  lastSeq?: number;
  /**
   * What remains of an event's payload once a later event redacts it (default: nothing,
   * null). E.g. a deleted chat message keeps its author, not its text.
   */
  residue?: (event: InteractionEvent) => unknown;
  /**
   * Start as a follower (default false): the log mirrors events numbered and stored by the
   * leader of the session on another instance (`receive`), and refuses `append` until `lead()`.
   */
  follower?: boolean;
}

export interface EventLogEvents extends Record<string, unknown[]> {
  /** Events stored and ready to deliver, in seq order (several at once under load: one frame). */
  appended: [events: readonly InteractionEvent[]];
  closed: [];
}

export const CLIENT_ID_MAX_LENGTH = 128;

interface Waiting {
  readonly key: string | null;
  readonly origin: Origin;
  readonly body: EventBody;
  readonly at: number;
  readonly mediaTime: number | null;
  readonly promise: Promise<InteractionEvent>;
  resolve(event: InteractionEvent): void;
  reject(error: unknown): void;
}

interface Remembered {
  readonly event: InteractionEvent;
  readonly until: number;
}

/**
 * The ordered event log of one live session: the single order in which chat, Q&A, polls,
 * hands and slide changes happen, as every client sees it.
 *
 * Persist before deliver. `store` is injected and awaited before `appended` is emitted, and
 * the log does group commit: commands arriving while one batch is being stored are stored
 * together in the next batch. We chose this over a prepare/commit split because the order of
 * seqs must be the order of storage; with group commit the log alone keeps that invariant
 * and callers just `await append(…)`. Seqs are assigned when a batch is formed, so a failed
 * store rejects that batch's commands and the same seqs are reused by the next batch: seqs
 * stay contiguous, and a client that sees seq 7 after 5 knows that it missed 6.
 *
 * Idempotent appends. `append(origin, decide)` first looks up (actorId, clientId); a retry
 * gets the stored (or still pending) event with `duplicate: true`, and `decide` is not called
 * again — so a retry is neither rate-limited nor re-checked against rules that changed since.
 *
 * Without `store` the log commits synchronously: `appended` is emitted before `append` returns.
 * A store error rejects the command with that error (the edge maps it to INTERNAL).
 *
 * Visibility is the caller's job: `since` and `appended` carry restricted events too; filter
 * with `isVisibleTo` per person. A client resumes from the last seq it *received* in a frame,
 * which may be a seq it was not shown, so a frame should carry its last seq.
 *
 * Multi-instance: the log is the sequencer of its session; another instance forwards commands
 * to it, or mirrors it from the bus. A follower (`follower: true`) `receive`s batches already
 * numbered and stored by the leader, contiguous from `lastSeq + 1` (a gap is reported, not
 * filled), and emits `appended` for them as the leader did; `since`, `get` and `recent` answer
 * from this mirror. `lead()` makes it the sequencer: numbering continues after its `lastSeq`,
 * and client ids it received are still recognised as retries; `follow()` hands the numbering
 * back (another instance took the lead).
 *
 * `close()` is idempotent: queued commands are rejected (INVALID_STATE); a batch already
 * being stored completes for its callers but is no longer emitted.
 */
export class EventLog extends TypedEmitter<EventLogEvents> {
  readonly #now: () => number;
  readonly #mediaClock: (now: number) => number | null;
  readonly #store: ((batch: readonly InteractionEvent[]) => Promise<void>) | undefined;
  readonly #maxEvents: number;
  readonly #maxAgeMs: number;
  readonly #dedupMs: number;
  readonly #dedupMax: number;
  readonly #maxBatch: number;
  readonly #maxQueued: number;
  readonly #residue: (event: InteractionEvent) => unknown;

  /** Retained window: `#window[#head + i]` has seq `#windowStart + i`. */
  #window: InteractionEvent[] = [];
  #head = 0;
  #windowStart: number;
  #lastSeq: number;

  readonly #histories = new Map<string, { kinds: ReadonlySet<string>; limit: number; filter: ((event: InteractionEvent) => boolean) | undefined; events: InteractionEvent[] }>();
  /** Committed events by origin key, oldest first (Map keeps insertion order). */
  readonly #remembered = new Map<string, Remembered>();
  /** Commands not yet stored, by origin key. */
  readonly #pending = new Map<string, Waiting>();
  #queue: Waiting[] = [];
  #storing = false;
  #closed = false;
  #follower: boolean;

  constructor(options: EventLogOptions = {}) {
    super();
    this.#now = options.now ?? Date.now;
    this.#mediaClock = options.mediaClock ?? (() => null);
    this.#store = options.store;
    this.#maxEvents = options.retention?.maxEvents ?? 5_000;
    this.#maxAgeMs = options.retention?.maxAgeMs ?? 30 * 60_000;
    this.#dedupMs = options.dedup?.maxAgeMs ?? 10 * 60_000;
    this.#dedupMax = options.dedup?.maxEntries ?? 50_000;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#residue = options.residue ?? (() => null);
    this.#lastSeq = options.lastSeq ?? 0;
    this.#windowStart = this.#lastSeq + 1;
    this.#follower = options.follower ?? false;
    for (const [name, spec] of Object.entries(options.histories ?? {})) {
      this.#histories.set(name, { kinds: new Set(spec.kinds), limit: spec.limit, filter: spec.filter, events: [] });
    }
  }

  /** Seq of the last committed event (0 when none): the position a snapshot is taken at. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Oldest seq `since` can still answer from (`since(firstRetainedSeq - 1)` is complete). */
  get firstRetainedSeq(): number {
    return this.#windowStart;
  }

  /** Commands waiting to be stored. */
  get queued(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this log numbers the session's events (false: it mirrors the leader's). */
  get leader(): boolean {
    return !this.#follower;
  }

  /**
   * A follower takes already numbered and stored events from the leader, in order. Events it
   * already has are skipped (a batch may be delivered twice); a batch that starts beyond
   * `lastSeq + 1` is refused whole with the gap, so the mirror never has a hole. Emits
   * `appended` with the new events, as a local append would.
   */
  receive(batch: readonly InteractionEvent[]): ReceiveResult {
    if (this.#closed) throw new AmphiError('INVALID_STATE', 'The event log is closed.');
    if (!this.#follower) throw new AmphiError('INVALID_STATE', 'The leader numbers its own events.');
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i]!;
      if (!Number.isSafeInteger(event.seq) || event.seq < 1 || typeof event.kind !== 'string' || (i > 0 && event.seq !== batch[i - 1]!.seq + 1)) {
        throw new AmphiError('VALIDATION_FAILED', 'A received batch holds numbered events in order, without gaps.');
      }
    }
    const fresh = batch.filter((event) => event.seq > this.#lastSeq);
    if (fresh.length === 0) return { ok: true, added: 0 };
    if (fresh[0]!.seq !== this.#lastSeq + 1) return { ok: false, gap: { expected: this.#lastSeq + 1, got: fresh[0]!.seq } };
    this.#commit(fresh.map((event) => (Object.isFrozen(event) ? event : Object.freeze({ ...event }))));
    return { ok: true, added: fresh.length };
  }

  /** Makes this log the sequencer of its session: new events are numbered after `lastSeq`. */
  lead(): void {
    if (this.#closed) throw new AmphiError('INVALID_STATE', 'The event log is closed.');
    this.#follower = false;
  }

  /**
   * Stops numbering (another instance leads the session now): commands waiting to be stored
   * are refused (INVALID_STATE; their clients retry with the same ids), a batch already being
   * stored completes for its callers, and the log mirrors the leader again from `lastSeq`.
   */
  follow(): void {
    if (this.#closed) throw new AmphiError('INVALID_STATE', 'The event log is closed.');
    this.#follower = true;
    this.#refuseQueued('Another instance numbers the events of this session.');
  }

  /**
   * Records the event `decide` returns, unless this (actorId, clientId) was already recorded:
   * then resolves to the stored event with `duplicate: true`. `decide` runs synchronously and
   * may throw (a domain rule refused): the error rejects the returned promise.
   */
  append(origin: Origin, decide: EventBody | (() => EventBody)): Promise<AppendResult> {
    try {
      return this.#append(origin, decide);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #append(origin: Origin, decide: EventBody | (() => EventBody)): Promise<AppendResult> {
    if (this.#closed) throw new AmphiError('INVALID_STATE', 'The event log is closed.');
    if (this.#follower) throw new AmphiError('INVALID_STATE', 'Another instance numbers the events of this session.');
    checkOrigin(origin);
    const key = origin.clientId === undefined ? null : originKey(origin.actorId, origin.clientId);
    const now = this.#now();
    if (key !== null) {
      this.#forget(now);
      const done = this.#remembered.get(key);
      if (done) return Promise.resolve({ event: done.event, duplicate: true });
      const waiting = this.#pending.get(key);
      if (waiting) return waiting.promise.then((event) => ({ event, duplicate: true }));
    }
    if (this.#store && this.#queue.length >= this.#maxQueued) {
      // The room is busy: the store lags behind; a second is a fair time to try again.
      throw new RateLimitedError(1000);
    }
    const body = typeof decide === 'function' ? decide() : decide;
    if (typeof body.kind !== 'string' || body.kind === '') throw new AmphiError('VALIDATION_FAILED', 'An event needs a kind.');
    const at = now;
    const mediaTime = this.#mediaClock(now);

    if (!this.#store) {
      const event = this.#build(this.#lastSeq + 1, origin, body, at, mediaTime);
      this.#commit([event]);
      return Promise.resolve({ event, duplicate: false });
    }

    let resolve!: (event: InteractionEvent) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<InteractionEvent>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A retry that joins a pending command must not see an unhandled rejection of the original.
    promise.catch(() => undefined);
    const waiting: Waiting = { key, origin, body, at, mediaTime, promise, resolve, reject };
    this.#queue.push(waiting);
    if (key !== null) this.#pending.set(key, waiting);
    if (!this.#storing) void this.#drain();
    return promise.then((event) => ({ event, duplicate: false }));
  }

  /**
   * Exactly the events after `seq`, in order (for a reconnecting client). `complete: false`
   * when `seq` is older than the retained window (`expired`) or newer than the log (`ahead`,
   * e.g. a client of a previous session): the caller then sends a snapshot.
   */
  since(seq: number): SinceResult {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new AmphiError('VALIDATION_FAILED', 'A seq is a non-negative integer.');
    this.#prune(this.#now());
    if (seq > this.#lastSeq) return { complete: false, events: [], reason: 'ahead' };
    if (seq < this.#windowStart - 1) return { complete: false, events: [], reason: 'expired' };
    return { complete: true, events: this.#window.slice(this.#head + (seq + 1 - this.#windowStart)) };
  }

  /** A retained event by seq (undefined when unknown or no longer retained). */
  get(seq: number): InteractionEvent | undefined {
    if (seq < this.#windowStart || seq > this.#lastSeq) return this.#fromHistories(seq);
    return this.#window[this.#head + (seq - this.#windowStart)];
  }

  /** The named recent-history view (oldest first), with redactions applied. */
  recent(name: string): readonly InteractionEvent[] {
    const history = this.#histories.get(name);
    if (!history) throw new AmphiError('VALIDATION_FAILED', `No history named "${name}".`);
    return history.events.slice();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#refuseQueued('The event log is closed.');
    this.emit('closed');
    this.removeAllListeners();
  }

  #refuseQueued(reason: string): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const waiting of queued) {
      if (waiting.key !== null) this.#pending.delete(waiting.key);
      waiting.reject(new AmphiError('INVALID_STATE', reason));
    }
  }

  async #drain(): Promise<void> {
    this.#storing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        const events = batch.map((w, i) => this.#build(this.#lastSeq + 1 + i, w.origin, w.body, w.at, w.mediaTime));
        try {
          await this.#store!(events);
        } catch (error) {
          // Nothing of the batch was stored (the store is atomic): its seqs are reused.
          for (const waiting of batch) {
            if (waiting.key !== null) this.#pending.delete(waiting.key);
            waiting.reject(error);
          }
          continue;
        }
        for (const waiting of batch) if (waiting.key !== null) this.#pending.delete(waiting.key);
        this.#commit(events, !this.#closed);
        batch.forEach((waiting, i) => waiting.resolve(events[i]!));
      }
    } finally {
      this.#storing = false;
    }
  }

  #build(seq: number, origin: Origin, body: EventBody, at: number, mediaTime: number | null): InteractionEvent {
    const event: { -readonly [K in keyof InteractionEvent]: InteractionEvent[K] } = {
      seq,
      kind: body.kind,
      actorId: origin.actorId,
      at,
      mediaTime,
      payload: body.payload,
    };
    if (origin.clientId !== undefined) event.clientId = origin.clientId;
    if (body.restrictedTo !== undefined) event.restrictedTo = Object.freeze([...body.restrictedTo]);
    if (body.redacts !== undefined) event.redacts = body.redacts;
    return Object.freeze(event);
  }

  /** Makes stored events visible: window, histories, retry memory, redactions, then `appended`. */
  #commit(events: readonly InteractionEvent[], emit = true): void {
    const now = this.#now();
    for (const event of events) {
      this.#window.push(event);
      this.#lastSeq = event.seq;
      for (const history of this.#histories.values()) {
        if (!history.kinds.has(event.kind) || (history.filter !== undefined && !history.filter(event))) continue;
        history.events.push(event);
        if (history.events.length > history.limit) history.events.splice(0, history.events.length - history.limit);
      }
      if (event.redacts !== undefined) this.#redact(event.redacts, event.seq);
      if (event.clientId !== undefined) this.#remembered.set(originKey(event.actorId, event.clientId), { event, until: now + this.#dedupMs });
    }
    this.#prune(now);
    this.#forget(now);
    if (emit) this.emit('appended', events);
  }

  /** Replaces the retained copies of event `seq` by one with only the payload's residue. */
  #redact(seq: number, by: number): void {
    const original = this.get(seq);
    if (!original || original.redactedBy !== undefined) return;
    const redacted: InteractionEvent = Object.freeze({ ...original, payload: this.#residue(original), redactedBy: by });
    if (seq >= this.#windowStart && seq <= this.#lastSeq) this.#window[this.#head + (seq - this.#windowStart)] = redacted;
    for (const history of this.#histories.values()) {
      const i = indexOfSeq(history.events, seq);
      if (i >= 0) history.events[i] = redacted;
    }
    if (original.clientId !== undefined) {
      const key = originKey(original.actorId, original.clientId);
      const remembered = this.#remembered.get(key);
      if (remembered?.event.seq === seq) this.#remembered.set(key, { event: redacted, until: remembered.until });
    }
  }

  #fromHistories(seq: number): InteractionEvent | undefined {
    for (const history of this.#histories.values()) {
      const i = indexOfSeq(history.events, seq);
      if (i >= 0) return history.events[i];
    }
    return undefined;
  }

  /** Drops events beyond the window's size or age (from the oldest). */
  #prune(now: number): void {
    let count = this.#window.length - this.#head;
    while (count > 0) {
      const oldest = this.#window[this.#head]!;
      if (count <= this.#maxEvents && now - oldest.at <= this.#maxAgeMs) break;
      this.#head += 1;
      this.#windowStart += 1;
      count -= 1;
    }
    // Compact now and then rather than shifting the array on every append.
    if (this.#head > 1024 && this.#head * 2 > this.#window.length) {
      this.#window = this.#window.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Forgets client ids older than the retry window, or beyond the cap (oldest first). */
  #forget(now: number): void {
    for (const [key, remembered] of this.#remembered) {
      if (remembered.until >= now && this.#remembered.size <= this.#dedupMax) break;
      this.#remembered.delete(key);
    }
  }
}

/** Whether this person may see this event (moderators see every restricted event). */
export function isVisibleTo(event: Pick<InteractionEvent, 'restrictedTo'>, participantId: string, role: Role): boolean {
  return event.restrictedTo === undefined || role === 'moderator' || event.restrictedTo.includes(participantId);
}

function checkOrigin(origin: Origin): void {
  if (typeof origin.actorId !== 'string' || origin.actorId === '') throw new AmphiError('VALIDATION_FAILED', 'An event needs an actor.');
  const id = origin.clientId;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > CLIENT_ID_MAX_LENGTH)) {
    throw new AmphiError('VALIDATION_FAILED', `A client id has 1 to ${CLIENT_ID_MAX_LENGTH} characters.`);
  }
}

/** Retries are recognised by actor and client id together (two people may pick the same id). */
function originKey(actorId: string, clientId: string): string {
  return `${actorId}\u0000${clientId}`;
}

/** Binary search in events sorted by seq. */
function indexOfSeq(events: readonly InteractionEvent[], seq: number): number {
  let low = 0;
  let high = events.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const found = events[mid]!.seq;
    if (found === seq) return mid;
    if (found < seq) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}
