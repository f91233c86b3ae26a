import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventLog, type InteractionEvent } from './EventLog.js';

/**
 * Random sends, retries, write failures, disconnects and reconnects against one log. Each
 * client keeps its own copy of the log: while connected it receives `appended`; when it comes
 * back it asks `since(lastSeen)`, or takes a snapshot when the log no longer retains that far.
 * Afterwards every copy equals what was stored — no loss, no duplicate, no reordering — and
 * every command is stored once, however often it was retried.
 */

const CLIENTS = 3;

type Command =
  | { type: 'send'; client: number }
  | { type: 'retry'; client: number; pick: number }
  | { type: 'disconnect'; client: number }
  | { type: 'reconnect'; client: number }
  | { type: 'tick'; turns: number };

const client = fc.nat(CLIENTS - 1);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('send' as const), client }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('retry' as const), client, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('disconnect' as const), client }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reconnect' as const), client }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('tick' as const), turns: fc.integer({ min: 1, max: 6 }) }) },
);

/** One client's copy of the log, and every anomaly it saw. */
class Replica {
  connected = true;
  events: InteractionEvent[] = [];
  readonly anomalies: string[] = [];
  /** Client ids this client sent, with the text (a retry resends the same). */
  readonly sent: { clientId: string; text: string }[] = [];

  get lastSeen(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  receive(event: InteractionEvent): void {
    if (event.seq !== this.lastSeen + 1) this.anomalies.push(`expected seq ${this.lastSeen + 1}, got ${event.seq}`);
    this.events.push(event);
  }
}

/** Lets queued promise callbacks run for a few turns. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe('EventLog (property)', () => {
  it('gives every client the stored log exactly, through retries, failed writes and reconnects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { maxLength: 80 }),
        fc.boolean(),
        fc.integer({ min: 2, max: 40 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 3 })),
        fc.array(fc.boolean(), { maxLength: 30 }),
        async (commands, persisted, maxEvents, delays, failures) => {
          /** What the store wrote: the database. */
          const stored: InteractionEvent[] = [];
          const delay = delays[Symbol.iterator]();
          let write = 0;
          const store = async (batch: readonly InteractionEvent[]) => {
            await turns(delay.next().value as number);
            // Writes fail as `failures` says, then always succeed (the database came back).
            if (failures[write++] === true) throw new Error('write failed');
            stored.push(...batch);
          };
          const log = new EventLog({ store: persisted ? store : undefined, retention: { maxEvents }, maxBatch: 4 });
          if (!persisted) log.on('appended', (events) => stored.push(...events));

          const replicas = Array.from({ length: CLIENTS }, () => new Replica());
          log.on('appended', (events) => {
            for (const replica of replicas) if (replica.connected) for (const event of events) replica.receive(event);
          });
          const reconnect = (replica: Replica) => {
            if (replica.connected) return;
            replica.connected = true;
            const missed = log.since(replica.lastSeen);
            if (missed.complete) {
              for (const event of missed.events) replica.receive(event);
            } else {
              // A snapshot as of the log's position (never beyond it: that is not delivered yet).
              replica.events = stored.filter((e) => e.seq <= log.lastSeq);
            }
          };

          const inFlight: Promise<unknown>[] = [];
          const duplicates: { clientId: string; result: InteractionEvent }[] = [];
          const acknowledged = new Set<string>();
          const send = (index: number, clientId: string, text: string) => {
            const origin = { actorId: `p${index}`, clientId };
            inFlight.push(
              log.append(origin, { kind: 'chat.message', payload: { text } }).then(
                (result) => {
                  acknowledged.add(clientId);
                  if (result.duplicate) duplicates.push({ clientId, result: result.event });
                },
                () => undefined, // a failed write: the client retries later
              ),
            );
          };

          let counter = 0;
          for (const step of commands) {
            if (step.type === 'tick') {
              await turns(step.turns);
              continue;
            }
            const replica = replicas[step.client]!;
            if (step.type === 'send') {
              const message = { clientId: `c${++counter}`, text: `message ${counter}` };
              replica.sent.push(message);
              send(step.client, message.clientId, message.text);
            } else if (step.type === 'retry' && replica.sent.length > 0) {
              const message = replica.sent[step.pick % replica.sent.length]!;
              send(step.client, message.clientId, message.text);
            } else if (step.type === 'disconnect') {
              replica.connected = false;
            } else if (step.type === 'reconnect') {
              reconnect(replica);
            }
          }

          // In the end every client retries each message not yet acknowledged until it is (the
          // writes succeed once `failures` is used up), and everyone comes back.
          await Promise.all(inFlight);
          for (let round = 0; round <= failures.length; round++) {
            replicas.forEach((replica, index) => {
              for (const message of replica.sent) if (!acknowledged.has(message.clientId)) send(index, message.clientId, message.text);
            });
            await Promise.all(inFlight);
          }
          for (const replica of replicas) reconnect(replica);

          // The store holds 1, 2, 3 … with each command once.
          expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
          const keys = stored.map((e) => `${e.actorId}/${e.clientId}`);
          expect(new Set(keys).size).toBe(keys.length);
          const sent = replicas.flatMap((replica, index) => replica.sent.map((m) => `p${index}/${m.clientId}`));
          expect(new Set(keys)).toEqual(new Set(sent));
          // Each stored event carries what its sender sent.
          for (const event of stored) expect(event.payload).toEqual({ text: `message ${event.clientId!.slice(1)}` });
          // A retry was answered with the event stored for that client id.
          for (const { clientId, result } of duplicates) expect(result.clientId).toBe(clientId);
          // Every client's copy is the stored log: no loss, no duplicate, no reordering.
          for (const replica of replicas) {
            expect(replica.anomalies).toEqual([]);
            expect(replica.events).toEqual(stored);
          }
          expect(log.lastSeq).toBe(stored.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
