import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InteractionEvent as WireEvent, Role, ServerMessage } from '@amphi/protocol';
import type { RenderedEvent } from '../interaction/index.js';
import { InteractionFanOut } from './InteractionFanOut.js';
import type { Peer } from './Peer.js';

/** A socket that records what it is sent, and whether it came serialized by the caller. */
function fakePeer() {
  const frames: { message: ServerMessage; serialized: string | undefined }[] = [];
  const peer: Peer = { send: (message, serialized) => frames.push({ message, serialized }), close: () => undefined };
  const events = () => frames.flatMap((f) => (f.message.type === 'interaction.events' ? f.message.events : []));
  return { peer, frames, events };
}

const chat = (seq: number, text: string): WireEvent => ({ seq, at: seq, mediaTime: seq, kind: 'chat.message', from: { id: 'ana', name: 'Ana', role: 'guest' }, to: 'room', text });
const everyone = (event: WireEvent): RenderedEvent => ({ seq: event.seq, byClass: { moderator: event, presenter: event, audience: event } });
const poll = (seq: number, voters: number, personal = false): WireEvent => ({
  seq,
  at: seq,
  mediaTime: seq,
  kind: 'poll',
  pollId: 'p',
  change: 'voted',
  personal,
  poll: { id: 'p', state: 'open', question: 'Q', options: ['a', 'b'], kind: 'single', maxChoices: 1, quiz: false, durationMs: null, openedAt: 1, deadline: null, closedAt: null, correct: null, results: { counts: [voters, 0], voters, correctVoters: null }, myChoices: personal ? [0] : null },
});
/** A vote by `key`: counts to moderators and presenters, the ballot to the voter, nothing to the audience. */
const vote = (seq: number, voters: number, key: string): RenderedEvent => ({
  seq,
  byClass: { moderator: poll(seq, voters), presenter: poll(seq, voters), audience: null },
  personal: { key, byClass: { moderator: null, presenter: null, audience: poll(seq, voters, true) } },
  coalesce: 'poll:p',
});

function room(roles: Record<string, Role>) {
  const fanOut = new InteractionFanOut();
  const peers = new Map<string, ReturnType<typeof fakePeer>>();
  for (const [id, role] of Object.entries(roles)) {
    const p = fakePeer();
    peers.set(id, p);
    fanOut.add(id, p.peer, { participantId: id, key: `key-${id}`, role });
  }
  return { fanOut, peer: (id: string) => peers.get(id)! };
}

afterEach(() => vi.restoreAllMocks());

describe('InteractionFanOut', () => {
  it('serializes a batch once per class of viewer and shares that frame, carrying the batch\'s last seq', () => {
    const { fanOut, peer } = room({ mod: 'moderator', pres: 'presenter', a: 'viewer', b: 'viewer', c: 'guest', d: 'participant' });
    const stringify = vi.spyOn(JSON, 'stringify');
    fanOut.send([everyone(chat(1, 'x')), everyone(chat(2, 'y'))], 2);
    expect(stringify).toHaveBeenCalledTimes(3);
    const audience = ['a', 'b', 'c', 'd'].map((id) => peer(id).frames);
    for (const frames of audience) {
      expect(frames).toHaveLength(1);
      expect(frames[0]!.serialized).toBe(audience[0]![0]!.serialized);
      expect(frames[0]!.message).toEqual({ type: 'interaction.events', events: [chat(1, 'x'), chat(2, 'y')], lastSeq: 2 });
    }
  });

  it('builds a frame of its own for the sender of a private message, and shows it to no one else but moderators', () => {
    const { fanOut, peer } = room({ mod: 'moderator', pres: 'presenter', ana: 'guest', ben: 'guest' });
    const secret = chat(2, 'help');
    fanOut.send([everyone(chat(1, 'hi')), { seq: 2, byClass: { moderator: secret, presenter: null, audience: null }, restrictedTo: ['ana'], restricted: secret }], 2);
    expect(peer('ana').events()).toEqual([chat(1, 'hi'), secret]);
    expect(peer('ana').frames[0]!.serialized).toBeUndefined();
    expect(peer('ben').events()).toEqual([chat(1, 'hi')]);
    expect(peer('pres').events()).toEqual([chat(1, 'hi')]);
    expect(peer('mod').events()).toEqual([chat(1, 'hi'), secret]);
  });

  it('sends live counts once per batch (the last), and each voter their own ballot', () => {
    const { fanOut, peer } = room({ mod: 'moderator', ana: 'viewer', ben: 'viewer', vic: 'viewer' });
    fanOut.send([vote(1, 1, 'key-ana'), vote(2, 2, 'key-ben'), vote(3, 3, 'key-vic')], 3);
    expect(peer('mod').events()).toEqual([poll(3, 3)]);
    expect(peer('ana').events()).toEqual([poll(1, 1, true)]);
    expect(peer('vic').events()).toEqual([poll(3, 3, true)]);
  });

  it('keeps one\'s own rendering even when a later event about the same poll supersedes the class\'s', () => {
    const { fanOut, peer } = room({ mod: 'moderator' });
    const own: RenderedEvent = { ...vote(1, 1, 'key-mod'), personal: { key: 'key-mod', byClass: { moderator: poll(1, 1, true), presenter: null, audience: null } } };
    fanOut.send([own, vote(2, 2, 'key-other')], 2);
    expect(peer('mod').events()).toEqual([poll(1, 1, true), poll(2, 2)]);
  });

  it('sends nothing to those who see nothing of a batch', () => {
    const { fanOut, peer } = room({ mod: 'moderator', ana: 'viewer', ben: 'viewer' });
    fanOut.send([vote(1, 1, 'key-ana')], 1);
    expect(peer('ben').frames).toEqual([]);
  });

  it('follows role changes, and forgets a socket only if it is still the participant\'s', () => {
    const { fanOut, peer } = room({ ana: 'viewer' });
    fanOut.setRole('ana', 'moderator');
    fanOut.send([vote(1, 1, 'key-ben')], 1);
    expect(peer('ana').events()).toEqual([poll(1, 1)]);
    const newer = fakePeer();
    fanOut.add('ana', newer.peer, { participantId: 'ana', key: 'key-ana', role: 'viewer' });
    fanOut.remove('ana', peer('ana').peer);
    expect(fanOut.has('ana')).toBe(true);
    fanOut.remove('ana');
    expect(fanOut.size).toBe(0);
  });
});
