import { describe, expect, it } from 'vitest';
import { ROLES, type PollDraft, type Role } from '@amphi/protocol';
import { EventLog, type InteractionEvent } from './EventLog.js';
import { InteractionState, SNAPSHOT_CHAT_LIMIT, redactionResidue, viewerClass, type InteractionActor, type InteractionCommand, type InteractionStateOptions, type RenderedEvent } from './InteractionState.js';
import { RateLimitedError } from './RateLimiter.js';
import { expectCode } from '../testkit.js';

const mod: InteractionActor = { participantId: 'mod', key: 'u-mod', name: 'Prof', role: 'moderator' };
const pres: InteractionActor = { participantId: 'pres', key: 'u-pres', name: 'Presenter', role: 'presenter' };
const ana: InteractionActor = { participantId: 'ana', key: 'u-ana', name: 'Ana', role: 'participant' };
const ben: InteractionActor = { participantId: 'ben', key: 'ben', name: 'Ben', role: 'guest' };
const vic: InteractionActor = { participantId: 'vic', key: 'vic', name: 'Vic', role: 'viewer' };
const everyone = [mod, pres, ana, ben, vic];

/** A command whose client id may be left out (the tests do not retry). */
type WithoutClientId<T> = T extends unknown ? Omit<T, 'clientId'> & { clientId?: string } : never;

const draft: PollDraft = { question: 'Best prime?', options: ['2', '3', '5'], kind: 'single' };

/** A state fed by a log the way InteractionSession feeds it, with a record of what it rendered. */
function setup(options: Partial<InteractionStateOptions> = {}) {
  let time = 1_000_000;
  let ids = 0;
  const log = new EventLog({ now: () => time, residue: redactionResidue, histories: { chat: { kinds: ['chat.message'], limit: 1000 } } });
  const make = () =>
    new InteractionState({
      now: () => time,
      newId: () => `id-${++ids}`,
      event: (seq) => log.get(seq),
      participant: (id) => everyone.find((p) => p.participantId === id),
      ...options,
    });
  const state = make();
  const rendered: RenderedEvent[] = [];
  log.on('appended', (batch) => {
    for (const event of batch) {
      const item = state.apply(event);
      if (item) rendered.push(item);
    }
  });
  /** Decides and records a command; returns what was recorded (undefined: nothing). */
  const run = async (actor: InteractionActor, command: WithoutClientId<InteractionCommand>): Promise<InteractionEvent | undefined> => {
    const body = state.decide(actor, command as InteractionCommand);
    if (body === null) return undefined;
    return (await log.append({ actorId: actor.participantId, clientId: command.clientId }, body)).event;
  };
  const last = () => rendered.at(-1)!;
  return { log, state, rendered, run, last, make, advance: (ms: number) => (time += ms) };
}

const send = (text: string, to: 'room' | 'moderators' = 'room') => ({ type: 'chat.send', text, to }) as const;

describe('InteractionState rules', () => {
  it('records a chat message with its author as they were, a private one restricted to its sender', async () => {
    const { run } = setup();
    expect(await run(ana, send('hello'))).toMatchObject({ kind: 'chat.message', payload: { text: 'hello', to: 'room', name: 'Ana', role: 'participant' } });
    const secret = await run(ben, send('help', 'moderators'));
    expect(secret).toMatchObject({ restrictedTo: ['ben'] });
  });

  it('asks for a moderator before it looks up whom to mute', async () => {
    const { state } = setup();
    expectCode(() => state.decide(ana, { type: 'chat.mute', participantId: 'nobody', muted: true }), 'NOT_ALLOWED');
    expectCode(() => state.decide(mod, { type: 'chat.mute', participantId: 'pres', muted: false }), 'INVALID_STATE');
    expectCode(() => state.decide(mod, { type: 'chat.mute', participantId: 'mod', muted: true }), 'NOT_ALLOWED');
  });

  it('mutes someone it does not know (connected to another instance, perhaps), for them and the moderators only', async () => {
    const { state, run } = setup();
    expect(await run(mod, { type: 'chat.mute', participantId: 'elsewhere', muted: true })).toMatchObject({
      kind: 'chat.muted',
      payload: { participantId: 'elsewhere', muted: true },
      restrictedTo: ['elsewhere'],
    });
    expectCode(() => state.decide(mod, { type: 'chat.mute', participantId: 'elsewhere', muted: true }), 'INVALID_STATE');
    expect(state.snapshot({ participantId: 'elsewhere', key: 'elsewhere', role: 'guest' }, 1, []).chatState.muted).toBe(true);
  });

  it('deletes only a message the log still has', async () => {
    const { state, run } = setup();
    const message = await run(ana, send('oops'));
    expectCode(() => state.decide(mod, { type: 'chat.delete', seq: 99 }), 'NOT_FOUND');
    await run(mod, { type: 'chat.delete', seq: message!.seq });
    expectCode(() => state.decide(mod, { type: 'chat.delete', seq: message!.seq }), 'INVALID_STATE');
  });

  it.each(ROLES)('lets only moderators and presenters run polls: %s', (role) => {
    const { state } = setup();
    const actor = { ...ana, role };
    const runs = role === 'moderator' || role === 'presenter';
    if (runs) expect(state.decide(actor, { type: 'poll.create', clientId: 'p', draft })).toMatchObject({ kind: 'poll' });
    else expectCode(() => state.decide(actor, { type: 'poll.create', clientId: 'p', draft }), 'NOT_ALLOWED');
  });

  it('hides a draft from voters (NOT_FOUND), and records nothing for the same ballot twice', async () => {
    const { state, run } = setup();
    await run(mod, { type: 'poll.create', draft });
    const pollId = 'id-1';
    expectCode(() => state.decide(ana, { type: 'poll.vote', pollId, choices: [0] }), 'NOT_FOUND');
    expectCode(() => state.decide(ana, { type: 'poll.act', pollId, action: 'open' }), 'NOT_ALLOWED');
    await run(mod, { type: 'poll.act', pollId, action: 'open' });
    expect(await run(ana, { type: 'poll.vote', pollId, choices: [1] })).toMatchObject({ payload: { type: 'voted', key: 'u-ana', choices: [1] } });
    expect(state.decide(ana, { type: 'poll.vote', pollId, choices: [1] })).toBeNull();
  });

  it('limits votes per person (by key, whatever the tab), spending the limit only on what is recorded', async () => {
    const { state, run } = setup({ rates: { votes: { capacity: 2, refillPerSecond: 1 } } });
    await run(mod, { type: 'poll.create', draft });
    await run(mod, { type: 'poll.act', pollId: 'id-1', action: 'open' });
    const otherTab = { ...ana, participantId: 'ana-tab-2' };
    await run(ana, { type: 'poll.vote', pollId: 'id-1', choices: [0] });
    for (let i = 0; i < 5; i++) expect(state.decide(ana, { type: 'poll.vote', pollId: 'id-1', choices: [0] })).toBeNull();
    await run(otherTab, { type: 'poll.vote', pollId: 'id-1', choices: [1] });
    let thrown: unknown;
    try {
      state.decide(ana, { type: 'poll.vote', pollId: 'id-1', choices: [2] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RateLimitedError);
    expect((thrown as RateLimitedError).retryAfterMs).toBe(1000);
  });

  it('limits questions per person; moderators are not limited', async () => {
    const { state, run } = setup({ rates: { questions: { capacity: 1, refillPerSecond: 0.1 } } });
    await run(ana, { type: 'question.ask', text: 'First?' });
    expectCode(() => state.decide(ana, { type: 'question.ask', clientId: 'q', text: 'Second?' }), 'RATE_LIMITED');
    await run(mod, { type: 'question.ask', text: 'Mine?' });
    await run(mod, { type: 'question.ask', text: 'And mine?' });
  });

  it('changes nothing when it refuses', async () => {
    const { state, run } = setup();
    await run(ana, { type: 'question.ask', text: 'Q?' });
    const before = state.snapshot(mod, 1, []);
    expectCode(() => state.decide(ana, { type: 'question.act', questionId: 'id-1', action: 'upvote' }), 'NOT_ALLOWED');
    expectCode(() => state.decide(ben, { type: 'question.act', questionId: 'id-1', action: 'dismiss' }), 'NOT_ALLOWED');
    expectCode(() => state.decide(ben, { type: 'question.edit', questionId: 'id-1', text: 'Mine now?' }), 'NOT_ALLOWED');
    expect(state.snapshot(mod, 1, [])).toEqual(before);
  });

  it('closes a poll whose timer ran out, dated at its deadline', async () => {
    const { state, run, advance } = setup();
    await run(mod, { type: 'poll.create', draft: { ...draft, durationMs: 5000 } });
    await run(mod, { type: 'poll.act', pollId: 'id-1', action: 'open' });
    expect(state.nextDeadline()).toBe(1_005_000);
    expect(state.decideCloseDue()).toEqual([]);
    advance(5000);
    expect(state.decideCloseDue()).toEqual([{ kind: 'poll', payload: { type: 'closed', pollId: 'id-1', at: 1_005_000 } }]);
  });
});

describe('InteractionState rendering', () => {
  it('shows a private message to the moderators and its sender only', async () => {
    const { run, last } = setup();
    await run(ben, send('help', 'moderators'));
    const item = last();
    expect(item.byClass.moderator).toMatchObject({ kind: 'chat.message', to: 'moderators', text: 'help', from: { id: 'ben', name: 'Ben', role: 'guest' } });
    expect(item.byClass.presenter).toBeNull();
    expect(item.byClass.audience).toBeNull();
    expect(item.restrictedTo).toEqual(['ben']);
    expect(item.restricted).toEqual(item.byClass.moderator);
  });

  it('keeps a deleted message\'s author, not its text', async () => {
    const { run, log, state } = setup();
    const message = await run(ana, send('rude'));
    await run(mod, { type: 'chat.delete', seq: message!.seq });
    expect(state.snapshot(ben, log.lastSeq, log.recent('chat')).chat).toEqual([expect.objectContaining({ text: null, from: { id: 'ana', name: 'Ana', role: 'participant' } })]);
    expect(JSON.stringify(log.get(message!.seq))).not.toContain('rude');
  });

  it('never sends a ballot: votes reach those who run the poll as counts, and the voter as their own choice', async () => {
    const { run, rendered, last } = setup();
    await run(mod, { type: 'poll.create', draft });
    // A draft: nothing for the audience.
    expect(last().byClass.audience).toBeNull();
    expect(last().byClass.presenter).toMatchObject({ poll: { state: 'draft' } });
    await run(mod, { type: 'poll.act', pollId: 'id-1', action: 'open' });
    expect(last().byClass.audience).toMatchObject({ poll: { state: 'open', results: null, myChoices: null } });
    await run(ana, { type: 'poll.vote', pollId: 'id-1', choices: [2] });
    const vote = last();
    expect(vote.byClass.audience).toBeNull();
    expect(vote.byClass.moderator).toMatchObject({ personal: false, poll: { results: { counts: [0, 0, 1], voters: 1 }, myChoices: null } });
    expect(vote.personal).toMatchObject({ key: 'u-ana', byClass: { audience: { personal: true, poll: { myChoices: [2], results: null } } } });
    expect(vote.coalesce).toBe('poll:id-1');
    const wire = JSON.stringify(rendered.map((r) => [r.byClass, r.personal?.byClass]));
    expect(wire).not.toContain('u-ana');
  });

  it.each([
    ['fromPeers', { moderator: 'Ana', presenter: null, audience: null }],
    ['full', { moderator: null, presenter: null, audience: null }],
  ] as const)('shows an anonymous asker (room setting %s) only to whom it may', async (anonymity, names) => {
    const { run, last } = setup({ anonymity });
    await run(ana, { type: 'question.ask', text: 'Is it on the exam?', anonymous: true });
    const item = last();
    for (const cls of ['moderator', 'presenter', 'audience'] as const) {
      expect(item.byClass[cls]).toMatchObject({ personal: false, question: { anonymous: true, askerName: names[cls], mine: false } });
    }
    // Moderators find the asker by participant, never by key (a guest's key stays on the server).
    expect(item.byClass.moderator).toMatchObject({ question: { askerKey: names.moderator === null ? null : 'ana' } });
    expect(item.personal).toMatchObject({ key: 'u-ana', byClass: { audience: { personal: true, question: { mine: true } } } });
  });

  it('names every asker when anonymity is off, and refuses an anonymous question', async () => {
    const { run, last, state } = setup({ anonymity: 'off' });
    expectCode(() => state.decide(ana, { type: 'question.ask', clientId: 'a', text: 'Hidden?', anonymous: true }), 'NOT_ALLOWED');
    await run(ana, { type: 'question.ask', text: 'Named?' });
    expect(last().byClass.audience).toMatchObject({ question: { askerName: 'Ana', askerKey: null } });
  });

  it('tells the audience a dismissed question is gone, and those who run the Q&A that it is dismissed', async () => {
    const { run, last } = setup();
    await run(ana, { type: 'question.ask', text: 'Off topic?' });
    await run(pres, { type: 'question.act', questionId: 'id-1', action: 'dismiss' });
    expect(last().byClass.audience).toMatchObject({ change: 'dismissed', question: null });
    expect(last().byClass.presenter).toMatchObject({ question: { status: 'dismissed' } });
    // Starring it afterwards shows nothing to the audience, which no longer has it.
    await run(pres, { type: 'question.act', questionId: 'id-1', action: 'star' });
    expect(last().byClass.audience).toBeNull();
  });

  it('renders a merge as the duplicate gone and the question kept with the votes', async () => {
    const { run, last } = setup();
    await run(ana, { type: 'question.ask', text: 'How?' });
    await run(ben, { type: 'question.ask', text: 'How exactly?' });
    await run(vic, { type: 'question.act', questionId: 'id-2', action: 'upvote' });
    await run(mod, { type: 'question.merge', questionId: 'id-2', into: 'id-1' });
    expect(last().byClass.audience).toMatchObject({ questionId: 'id-2', change: 'merged', question: null, into: { id: 'id-1', votes: 2 } });
  });

  it('renders alike every role of one class (the permission tables must keep them alike)', async () => {
    const { run, state } = setup();
    await run(mod, { type: 'poll.create', draft });
    await run(mod, { type: 'poll.create', draft: { ...draft, question: 'Open one' } });
    await run(mod, { type: 'poll.act', pollId: 'id-2', action: 'open' });
    await run(ana, { type: 'question.ask', text: 'Hidden from peers', anonymous: true });
    await run(ben, { type: 'question.ask', text: 'Dismissed' });
    await run(mod, { type: 'question.act', questionId: 'id-4', action: 'dismiss' });
    const classRole: Record<string, Role> = { moderator: 'moderator', presenter: 'presenter', audience: 'participant' };
    for (const role of ROLES) {
      const seen = state.snapshot({ participantId: 'x', key: 'x', role }, 0, []);
      const classSees = state.snapshot({ participantId: 'x', key: 'x', role: classRole[viewerClass(role)]! }, 0, []);
      expect({ ...seen, chat: [] }).toEqual({ ...classSees, chat: [] });
    }
  });
});

describe('InteractionState catch-up and snapshot', () => {
  it('gives exactly the chat events one may see, and polls and questions as they are now', async () => {
    const { run, log, state } = setup();
    await run(ana, send('before'));
    const from = log.lastSeq;
    await run(ana, send('one'));
    await run(ben, send('secret', 'moderators'));
    await run(mod, { type: 'poll.create', draft });
    await run(mod, { type: 'poll.act', pollId: 'id-1', action: 'open' });
    await run(ana, { type: 'poll.vote', pollId: 'id-1', choices: [0] });
    await run(vic, { type: 'poll.vote', pollId: 'id-1', choices: [1] });
    await run(mod, { type: 'poll.create', draft: { ...draft, question: 'Still a draft' } });
    await run(ana, send('two'));
    const missed = log.since(from);
    if (!missed.complete) throw new Error('expected the missed events');
    const forAna = state.since(missed.events, ana);
    expect(forAna.map((e) => [e.seq, e.kind])).toEqual([
      [2, 'chat.message'],
      [7, 'poll'],
      [9, 'chat.message'],
    ]);
    expect(forAna[1]).toMatchObject({ personal: true, change: 'voted', poll: { state: 'open', myChoices: [0], results: null } });
    const forBen = state.since(missed.events, ben);
    expect(forBen.map((e) => e.seq)).toEqual([2, 3, 7, 9]);
    const forMod = state.since(missed.events, mod);
    expect(forMod.map((e) => e.seq)).toEqual([2, 3, 7, 8, 9]);
    expect(forMod[3]).toMatchObject({ poll: { state: 'draft' } });
  });

  it(`keeps the last ${SNAPSHOT_CHAT_LIMIT} messages one may see`, async () => {
    const { run, log, state } = setup();
    for (let i = 1; i <= SNAPSHOT_CHAT_LIMIT + 5; i++) await run(mod, send(`public ${i}`));
    for (let i = 1; i <= 3; i++) await run(ana, send(`private ${i}`, 'moderators'));
    const texts = (who: InteractionActor) => state.snapshot(who, log.lastSeq, log.recent('chat')).chat.map((e) => e.kind === 'chat.message' && e.text);
    expect(texts(ben)).toHaveLength(SNAPSHOT_CHAT_LIMIT);
    expect(texts(ben).at(0)).toBe('public 6');
    expect(texts(ben).at(-1)).toBe(`public ${SNAPSHOT_CHAT_LIMIT + 5}`);
    expect(texts(ana).slice(-3)).toEqual(['private 1', 'private 2', 'private 3']);
    expect(texts(ana).at(0)).toBe('public 9');
    expect(texts(mod).at(-1)).toBe('private 3');
  });

  it('reaches the same state when a fresh state replays the log (as another instance would)', async () => {
    const { run, log, state, make } = setup();
    await run(ana, send('hello'));
    await run(mod, { type: 'chat.mute', participantId: 'ben', muted: true });
    await run(mod, { type: 'poll.create', draft: { ...draft, correct: [1] } });
    await run(mod, { type: 'poll.act', pollId: 'id-1', action: 'open' });
    await run(ana, { type: 'poll.vote', pollId: 'id-1', choices: [1] });
    await run(vic, { type: 'poll.vote', pollId: 'id-1', choices: [2] });
    await run(mod, { type: 'poll.act', pollId: 'id-1', action: 'reveal' });
    await run(ana, { type: 'question.ask', text: 'A?', anonymous: true });
    await run(vic, { type: 'question.act', questionId: 'id-2', action: 'upvote' });
    await run(mod, { type: 'question.act', questionId: 'id-2', action: 'answering' });
    await run(mod, { type: 'question.order', order: 'time' });
    const replayed = make();
    const all = log.since(0);
    if (!all.complete) throw new Error('expected the whole log');
    for (const event of all.events) replayed.apply(event);
    for (const viewer of everyone) expect(replayed.snapshot(viewer, log.lastSeq, log.recent('chat'))).toEqual(state.snapshot(viewer, log.lastSeq, log.recent('chat')));
    expect(replayed.pollRecords()).toEqual(state.pollRecords());
    expect(state.snapshot(ben, 0, []).chatState).toEqual({ enabled: true, muted: true, mutedParticipants: [] });
  });
});
