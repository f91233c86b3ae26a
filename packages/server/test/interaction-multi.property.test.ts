import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { ApiClient } from '@amphi/client';
import type { ServerMessage } from '@amphi/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/index.js';
import { PASSWORD, RawSocket, syncInteraction, teacher, until } from './helpers.js';
import { ClientLog, inProcess, processes, storedEvents, type Command, type Instance, type TwoInstances } from './twoInstances.js';

/**
 * Random sends (some retried), disconnects, reconnects and instance switches of four people
 * in one room whose live session runs on two instances. Each person's client keeps the chat
 * as the client protocol does (ClientLog: a snapshot on first join, then frames, ignoring
 * seqs at or below the last one seen); when it comes back, on the same instance or the other
 * one, it resumes with its resume token, syncs from its last seq and sends again what was not
 * acknowledged (same client id). Afterwards every client's log equals the stored log
 * (`interaction_events`) as that person may see it, and every client id is stored once.
 */

const PEOPLE = 4;
/** Who they are: the teacher in two tabs (moderators), two guests; and where each starts. */
const CAST = [
  { name: 'Teacher', moderator: true, instance: 0 },
  { name: 'Teacher (tab)', moderator: true, instance: 1 },
  { name: 'Alice', moderator: false, instance: 0 },
  { name: 'Bob', moderator: false, instance: 1 },
] as const;

type Step =
  | { type: 'send'; who: number; toModerators: boolean }
  | { type: 'retry'; who: number; pick: number }
  | { type: 'disconnect'; who: number }
  | { type: 'reconnect'; who: number }
  | { type: 'switch'; who: number }
  | { type: 'settle' };

const who = fc.nat(PEOPLE - 1);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('send' as const), who, toModerators: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('retry' as const), who, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('disconnect' as const), who }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reconnect' as const), who }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('switch' as const), who }) },
  { weight: 1, arbitrary: fc.constant({ type: 'settle' as const }) },
);

type Answer = Extract<ServerMessage, { type: 'ack' | 'error' }> | 'closed';

let requests = 0;

/** One person's client: its connection (if any), its copy of the chat, its unacknowledged commands. */
class Person {
  readonly log = new ClientLog();
  /** Every command this person sent, by client id, in order. */
  readonly commands = new Map<string, Command>();
  /** Client ids not yet acknowledged (sent again after each reconnection). */
  readonly outbox = new Set<string>();
  /** Answers not yet in. */
  readonly inFlight = new Set<Promise<void>>();
  /** What went wrong from the client's point of view (a refusal other than RATE_LIMITED). */
  readonly anomalies: string[] = [];
  socket: RawSocket | null;
  instance: number;
  resumeToken: string;
  readonly participantId: string;
  readonly moderator: boolean;

  constructor(socket: RawSocket, instance: number, moderator: boolean) {
    this.socket = socket;
    this.instance = instance;
    this.moderator = moderator;
    this.resumeToken = socket.welcome.resumeToken;
    this.participantId = socket.participantId;
  }

  /** Sends a command on the current connection; its answer settles it in the outbox. */
  transmit(clientId: string): void {
    const socket = this.socket;
    const command = this.commands.get(clientId);
    if (!socket || !command) return;
    const id = `p${++requests}`;
    socket.send({ ...command, id } as Parameters<RawSocket['send']>[0]);
    const settled = answerOf(socket, id).then((answer) => {
      if (answer === 'closed') return;
      if (answer.type === 'ack') this.outbox.delete(clientId);
      else if (answer.code !== 'RATE_LIMITED') this.anomalies.push(`${clientId} refused: ${answer.code} ${answer.message}`);
    });
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  /** The connection drops: what it received is taken in first. */
  async drop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.terminate();
    await socket.closed;
    await Promise.all([...this.inFlight]);
    this.log.take(socket);
  }

  /** Comes back on an instance: resume, sync from the last seq, send again what waits. */
  async connect(instance: Instance, index: number): Promise<void> {
    const socket = await RawSocket.open(instance);
    socket.send({ type: 'resume', resumeToken: this.resumeToken });
    const welcome = await socket.next('welcome');
    this.socket = socket;
    this.instance = index;
    this.resumeToken = welcome.resumeToken;
    await syncInteraction(socket, this.log.lastSeq);
    for (const clientId of this.outbox) this.transmit(clientId);
  }
}

/** The ack or error answering request `id`, or 'closed' when the connection closed first. */
async function answerOf(socket: RawSocket, id: string): Promise<Answer> {
  let answer: Answer | undefined;
  await until(
    () => {
      answer = socket.messages.find((m): m is Extract<ServerMessage, { type: 'ack' | 'error' }> => (m.type === 'ack' || m.type === 'error') && m.id === id);
      if (!answer && socket.closeCode !== null) answer = 'closed';
      return answer !== undefined;
    },
    `the answer to ${id}`,
    15_000,
  );
  return answer!;
}

/** The teacher's account, signed in on both instances. */
interface Teacher {
  email: string;
  apis: [ApiClient, ApiClient];
}

/** One run: a fresh live room, everyone in and synced. */
async function startRun(instances: [Instance, Instance], owner: Teacher) {
  const room = await owner.apis[0].createRoom({ title: 'Algebra', kind: 'classroom', settings: {} });
  const links = await owner.apis[0].links(room.id);
  const people: Person[] = [];
  for (const cast of CAST) {
    const instance = instances[cast.instance];
    const socket = cast.moderator
      ? await RawSocket.join(instance, owner.apis[cast.instance], { roomId: room.id })
      : await RawSocket.join(instance, instance.api(), { token: links.participant.token, displayName: cast.name });
    await syncInteraction(socket);
    people.push(new Person(socket, cast.instance, cast.moderator));
  }
  return { sessionId: people[0]!.socket!.welcome.session!.id, people };
}

async function play(instances: [Instance, Instance], people: Person[], steps: Step[]): Promise<void> {
  let counter = 0;
  for (const s of steps) {
    if (s.type === 'settle') {
      await Promise.all(people.flatMap((p) => [...p.inFlight]));
      continue;
    }
    const person = people[s.who]!;
    switch (s.type) {
      case 'send': {
        const clientId = randomUUID();
        person.commands.set(clientId, { type: 'chat.send', clientId, text: `message ${++counter}`, to: s.toModerators ? 'moderators' : 'room' });
        person.outbox.add(clientId);
        // Offline, the client keeps it for its next connection.
        person.transmit(clientId);
        break;
      }
      case 'retry': {
        // One of this person's commands again, acknowledged or not (as when its ack came too late).
        const sent = [...person.commands.keys()];
        const clientId = sent[s.pick % Math.max(1, sent.length)];
        if (clientId !== undefined) person.transmit(clientId);
        break;
      }
      case 'disconnect':
        await person.drop();
        break;
      case 'reconnect':
        await person.drop();
        await person.connect(instances[person.instance]!, person.instance);
        break;
      case 'switch': {
        await person.drop();
        const other = 1 - person.instance;
        await person.connect(instances[other]!, other);
        break;
      }
    }
  }
}

/** Everyone back online, every command acknowledged (waiting as told when rate-limited), and a public message seen by all. */
async function finish(instances: [Instance, Instance], people: Person[]): Promise<void> {
  for (const person of people) if (!person.socket) await person.connect(instances[person.instance]!, person.instance);
  const deadline = Date.now() + 30_000;
  for (;;) {
    await Promise.all(people.flatMap((p) => [...p.inFlight]));
    const waiting = people.filter((p) => p.outbox.size > 0);
    if (waiting.length === 0) break;
    if (Date.now() > deadline) throw new Error('commands still unacknowledged after 30 s');
    // Rate-limited guests: wait a little, as their client would, then send again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const person of waiting) for (const clientId of person.outbox) person.transmit(clientId);
  }
  const teacher = people[0]!;
  const barrier = randomUUID();
  teacher.commands.set(barrier, { type: 'chat.send', clientId: barrier, text: 'the end', to: 'room' });
  teacher.outbox.add(barrier);
  teacher.transmit(barrier);
  await Promise.all([...teacher.inFlight]);
  for (const person of people) {
    await until(() => {
      person.log.take(person.socket!);
      return [...person.log.chat.values()].some((e) => e.clientId === barrier);
    }, `the last message at ${person.participantId}`);
  }
}

function describeProperty(start: () => Promise<TwoInstances>, numRuns: number): void {
  let two: TwoInstances;
  let owner: Teacher;
  beforeAll(async () => {
    two = await start();
    const { api, email } = await teacher(two.a);
    const onB = two.b.api();
    await onB.signIn({ email, password: PASSWORD });
    owner = { email, apis: [api, onB] };
  });
  afterAll(async () => two?.close());
  afterEach(() => expect([...two.a.errors(), ...two.b.errors()]).toEqual([]));

  it('gives every client the stored log exactly, through retries, reconnections and instance switches, storing each command once', async () => {
    const instances: [Instance, Instance] = [two.a, two.b];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
        const { sessionId, people } = await startRun(instances, owner);
        try {
          await play(instances, people, steps);
          await finish(instances, people);
          const rows = (await storedEvents(two.database, sessionId)).filter((r) => r.kind === 'chat.message');
          // Each command stored once, every one of them stored.
          const stored = rows.map((r) => `${r.actor_id}/${r.client_id}`);
          expect(new Set(stored).size).toBe(stored.length);
          expect(new Set(stored)).toEqual(new Set(people.flatMap((p) => [...p.commands.keys()].map((id) => `${p.participantId}/${id}`))));
          expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
          for (const person of people) {
            expect(person.anomalies).toEqual([]);
            const visible = rows.filter((r) => r.restricted_to === null || person.moderator || (r.restricted_to as string[]).includes(person.participantId));
            const kept = [...person.log.chat.values()].sort((x, y) => x.seq - y.seq);
            expect(kept.map((e) => [e.seq, e.from.id, e.text])).toEqual(visible.map((r) => [r.seq, r.actor_id, (r.payload as { text: string }).text]));
          }
        } finally {
          // The session ends on both instances (nobody is left waiting for a grace period).
          const teacher = people[0]!;
          teacher.socket?.send({ type: 'session.end', id: 'end' });
          for (const person of people) person.socket?.close();
        }
      }),
      // A failure is reported as found (shrinking through server round trips would take minutes).
      { numRuns, endOnFailure: true },
    );
  }, 120_000);
}

describe('interaction log on two instances in one process, on the in-process bus (property)', () => describeProperty(inProcess, 30));

const config = testConfig();
describe.runIf(config.databaseUrl && config.redisUrl)('interaction log on two server processes on PostgreSQL and Redis (property)', () => describeProperty(processes, 30));
