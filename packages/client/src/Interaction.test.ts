import { DEFAULT_ROOM_SETTINGS, type ClientMessage, type InteractionEvent, type PollView, type ServerMessage } from '@amphi/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InteractionMessage } from './Interaction.js';
import { RoomClient, type WebSocketLike } from './RoomClient.js';

/** A socket the test plays the server on: it records what the client sends and delivers what the "server" says. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(message: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  /** The network drops the connection. */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
  of<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ClientMessage, { type: T }> => m.type === type);
  }
}

const SELF = 'p-student';
const welcome = (): ServerMessage => ({
  type: 'welcome',
  participantId: SELF,
  resumeToken: `token-${Math.random()}`,
  resumeWithinMs: 60_000,
  status: 'joined',
  you: { id: SELF, name: 'Alice', role: 'participant', handRaised: false, mic: false, cam: false, screen: false, micLocked: false, connected: true },
  permissions: ['hand.raise'],
  room: { id: 'r1', title: 'Algebra', kind: 'classroom', settings: DEFAULT_ROOM_SETTINGS },
  session: null,
  iceServers: [],
});

const teacher = { id: 'p-teacher', name: 'Prof. Martin', role: 'moderator' as const };
const chat = (seq: number, text: string, extra: Partial<Extract<InteractionEvent, { kind: 'chat.message' }>> = {}): InteractionEvent => ({
  seq,
  at: 1_700_000_000_000 + seq,
  mediaTime: null,
  kind: 'chat.message',
  from: teacher,
  to: 'room',
  text,
  ...extra,
});
const snapshot = (lastSeq: number, chatEvents: InteractionEvent[] = [], polls: PollView[] = []): InteractionMessage => ({
  type: 'interaction.snapshot',
  lastSeq,
  chat: chatEvents,
  chatState: { enabled: true, muted: false, mutedParticipants: [] },
  polls,
  questions: [],
  questionOrder: 'votes',
  qaAnonymity: 'fromPeers',
});
const events = (list: InteractionEvent[], lastSeq = list.at(-1)?.seq ?? 0): InteractionMessage => ({ type: 'interaction.events', events: list, lastSeq });
const poll = (id: string, change: Partial<PollView> = {}): PollView => ({
  id,
  state: 'open',
  question: 'Which is prime?',
  options: ['4', '7'],
  kind: 'single',
  maxChoices: 1,
  quiz: false,
  durationMs: null,
  openedAt: 1_700_000_000_000,
  deadline: null,
  closedAt: null,
  correct: null,
  results: null,
  myChoices: null,
  ...change,
});

let sockets: FakeSocket[];
let clientIds: number;

/** A client connected and welcomed into the room (its first sync answered by `first`). */
async function joinedClient(first: InteractionMessage = snapshot(0), options: { ackTimeoutMs?: number } = {}) {
  const client = new RoomClient({
    url: 'ws://amphi.test/ws',
    ticket: 'ticket',
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    pingIntervalMs: 60_000,
    interaction: { newClientId: () => `c${++clientIds}`, ...options },
  });
  const connected = client.connect();
  socket().open();
  socket().deliver(welcome());
  await connected;
  socket().deliver(first);
  return client;
}
const socket = () => sockets.at(-1)!;
/** The connection drops, the client reconnects after its back-off and is welcomed again. */
async function reconnect() {
  socket().drop();
  await vi.advanceTimersByTimeAsync(300);
  socket().open();
  socket().deliver(welcome());
}

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  clientIds = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Interaction: sync and resume', () => {
  it('asks for a snapshot after the first welcome, then resumes from the last seq received without duplicates', async () => {
    const client = await joinedClient(snapshot(2, [chat(1, 'Welcome'), chat(2, 'Open page 12')]));
    expect(sockets[0]!.of('interaction.sync')).toEqual([{ type: 'interaction.sync', id: expect.any(String) }]);
    const shown: number[] = [];
    client.interaction.on('events', (list) => shown.push(...list.map((e) => e.seq)));
    socket().deliver(events([chat(3, 'Exercise 1'), chat(4, 'Exercise 2')]));

    await reconnect();
    expect(socket().of('interaction.sync')).toEqual([{ type: 'interaction.sync', id: expect.any(String), lastSeq: 4 }]);
    // The server's answer overlaps what was received before the drop.
    socket().deliver(events([chat(3, 'Exercise 1'), chat(4, 'Exercise 2'), chat(5, 'Exercise 3')]));

    expect(client.interaction.model.chat.map((m) => [m.seq, m.text])).toEqual([
      [1, 'Welcome'],
      [2, 'Open page 12'],
      [3, 'Exercise 1'],
      [4, 'Exercise 2'],
      [5, 'Exercise 3'],
    ]);
    expect(shown).toEqual([3, 4, 5]);
    expect(client.interaction.lastSeq).toBe(5);
  });

  it('resumes from the last seq of a frame even when none of its events was for oneself', async () => {
    const client = await joinedClient(snapshot(3));
    // Seqs 4 to 9 were private messages to the moderators: the frame carries only its last seq.
    socket().deliver(events([], 9));
    expect(client.interaction.lastSeq).toBe(9);
    await reconnect();
    expect(socket().of('interaction.sync').at(-1)).toMatchObject({ lastSeq: 9 });
  });

  it('replaces the whole picture with a snapshot when the server sends one after a resume', async () => {
    const client = await joinedClient(snapshot(1, [chat(1, 'Old')]));
    await reconnect();
    socket().deliver(snapshot(300, [chat(299, 'Recent'), chat(300, 'Latest')]));
    expect(client.interaction.model.chat.map((m) => m.text)).toEqual(['Recent', 'Latest']);
    expect(client.interaction.lastSeq).toBe(300);
  });

  it('syncs once let in from the lobby, not while waiting there', async () => {
    const client = new RoomClient({ url: 'ws://amphi.test/ws', ticket: 't', createSocket: () => (sockets.push(new FakeSocket()), socket()), pingIntervalMs: 60_000 });
    const connected = client.connect();
    socket().open();
    socket().deliver({ ...welcome(), status: 'lobby' } as ServerMessage);
    await connected;
    expect(socket().of('interaction.sync')).toEqual([]);
    socket().deliver({ type: 'status', status: 'joined', session: null });
    expect(socket().of('interaction.sync')).toHaveLength(1);
  });
});

describe('Interaction: commands are delivered once', () => {
  it('sends a message again with the same client id after an acknowledgement timeout and after a reconnection', async () => {
    const client = await joinedClient(snapshot(0), { ackTimeoutMs: 5_000 });
    const sent = client.interaction.sendChat('Is it on the exam?');
    expect(socket().of('chat.send')).toEqual([{ type: 'chat.send', id: expect.any(String), clientId: 'c1', text: 'Is it on the exam?', to: 'room' }]);
    expect(client.interaction.pending.map((p) => p.clientId)).toEqual(['c1']);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(socket().of('chat.send').map((m) => m.clientId)).toEqual(['c1', 'c1']);

    await reconnect();
    const [sync, resent] = socket().sent.filter((m) => m.type !== 'resume');
    expect(sync!.type).toBe('interaction.sync');
    expect(resent).toMatchObject({ type: 'chat.send', clientId: 'c1', text: 'Is it on the exam?' });

    socket().deliver({ type: 'ack', id: (resent as { id: string }).id });
    await expect(sent).resolves.toBeUndefined();
    expect(client.interaction.pending).toEqual([]);
  });

  it('keeps a message typed while offline and sends it, after the sync, once reconnected', async () => {
    const client = await joinedClient();
    socket().drop();
    const sent = client.interaction.sendChat('typed offline');
    expect(client.interaction.pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    socket().open();
    socket().deliver(welcome());
    expect(socket().sent.map((m) => m.type)).toEqual(['resume', 'interaction.sync', 'chat.send']);
    // The server stored it: its echo settles it, even if the acknowledgement is lost.
    socket().deliver(events([chat(1, 'typed offline', { from: { id: SELF, name: 'Alice', role: 'participant' }, clientId: 'c1' })]));
    await expect(sent).resolves.toBeUndefined();
    expect(client.interaction.pending).toEqual([]);
    expect(client.interaction.model.chat.map((m) => m.text)).toEqual(['typed offline']);
  });

  it('waits the time the server asks when rate limited, then sends the same message again', async () => {
    const client = await joinedClient();
    const sent = client.interaction.sendChat('one more');
    const first = socket().of('chat.send')[0]!;
    socket().deliver({ type: 'error', id: first.id!, code: 'RATE_LIMITED', message: 'Slow down.', retryAfterMs: 2_000 });
    expect(client.interaction.pending[0]!.retryAt).toBe(Date.now() + 2_000);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(socket().of('chat.send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const again = socket().of('chat.send')[1]!;
    expect(again.clientId).toBe(first.clientId);
    socket().deliver({ type: 'ack', id: again.id! });
    await expect(sent).resolves.toBeUndefined();
  });

  it('rejects a refused command with its code and forgets it', async () => {
    const client = await joinedClient();
    const errors: string[] = [];
    client.on('error', (code) => errors.push(code));
    const sent = client.interaction.actOnPoll('p1', 'open');
    socket().deliver({ type: 'error', id: socket().of('poll.act')[0]!.id!, code: 'NOT_ALLOWED', message: 'Only those who run polls.' });
    await expect(sent).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    expect(client.interaction.pending).toEqual([]);
    // Reported once, through the promise, not also as a room error.
    expect(errors).toEqual([]);
  });

  it('fails the commands still waiting with SESSION_ENDED when the connection ends for good', async () => {
    const client = await joinedClient();
    socket().drop();
    const sent = client.interaction.ask('Why?');
    client.leave();
    await expect(sent).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(client.interaction.sendChat('late')).rejects.toMatchObject({ code: 'SESSION_ENDED' });
  });
});

describe('Interaction: views rendered for one’s role keep what one knew of oneself', () => {
  it('keeps one’s ballot when a poll event was rendered for everyone', async () => {
    const client = await joinedClient(snapshot(1, [], [poll('p1', { myChoices: [1] })]));
    socket().deliver(
      events([{ seq: 2, at: 0, mediaTime: null, kind: 'poll', pollId: 'p1', change: 'closed', poll: poll('p1', { state: 'closed' }), personal: false }]),
    );
    expect(client.interaction.model.poll('p1')).toMatchObject({ state: 'closed', myChoices: [1] });
  });
});

describe('Interaction: release at media time', () => {
  it('holds a poll opening until the viewer’s playback, 5 s behind, reaches its media time; one’s own message shows at once', async () => {
    const client = await joinedClient(snapshot(0));
    // The live session's media clock runs with the wall clock; the viewer plays 5 s behind it.
    const start = Date.now();
    const mediaNow = () => Date.now() - start;
    client.interaction.setPlaybackClock(() => mediaNow() - 5_000);
    await vi.advanceTimersByTimeAsync(10_000);

    const openedAt = mediaNow();
    socket().deliver(events([{ seq: 1, at: Date.now(), mediaTime: openedAt, kind: 'poll', pollId: 'p1', change: 'opened', poll: poll('p1'), personal: false }]));
    socket().deliver(events([chat(2, 'Me too', { mediaTime: openedAt, from: { id: SELF, name: 'Alice', role: 'participant' } })]));
    expect(client.interaction.model.polls).toEqual([]);
    expect(client.interaction.model.chat.map((m) => m.text)).toEqual(['Me too']);
    expect(client.interaction.held).toBe(1);

    await vi.advanceTimersByTimeAsync(4_800);
    expect(client.interaction.model.polls).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(client.interaction.model.polls.map((p) => p.id)).toEqual(['p1']);
    expect(client.interaction.held).toBe(0);
    // Resuming still starts from the last seq received, whatever was shown.
    expect(client.interaction.lastSeq).toBe(2);
  });

  it('shows everything held at once when the viewer goes back to live playback', async () => {
    const client = await joinedClient(snapshot(0));
    client.interaction.setPlaybackClock(() => 0);
    socket().deliver(events([chat(1, 'Later', { mediaTime: 60_000 })]));
    expect(client.interaction.model.chat).toEqual([]);
    client.interaction.setPlaybackClock(null);
    expect(client.interaction.model.chat.map((m) => m.text)).toEqual(['Later']);
  });
});
