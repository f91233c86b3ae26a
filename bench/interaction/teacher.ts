import WebSocket from 'ws';
import { chatText, wallMs } from './wire.js';

/** The one who sends chat messages: `send(n)` resolves once the server took message n. */
export interface Sender {
  send(n: number): Promise<void>;
  close(): void;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws)).once('error', reject);
  });
}

/** An event of one `interaction.events` frame as Amphi sent it (the baseline sends its copies). */
export type ChatEvent = Record<string, unknown> & { text: string };

/**
 * The teacher on Amphi, speaking the protocol over a raw socket: hello, `interaction.sync`,
 * then `chat.send` with a request id; a message is taken when its ack arrives (after it was
 * stored and fanned out). Keeps the first chat event it receives as the baseline's template.
 */
export class AmphiTeacher implements Sender {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  sample: ChatEvent | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { type: string; id?: string; code?: string; message?: string; events?: ChatEvent[] };
      if (message.type === 'ack' || message.type === 'error') {
        const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (!pending) {
          if (message.type === 'error') console.error(`  teacher: error ${message.code}: ${message.message}`);
          return;
        }
        this.#pending.delete(message.id!);
        if (message.type === 'ack') pending.resolve();
        else pending.reject(new Error(`chat.send refused: ${message.code} ${message.message}`));
      } else if (message.type === 'interaction.events' && !this.sample) {
        this.sample = message.events?.find((e) => e.kind === 'chat.message') ?? null;
      }
    });
  }

  static async connect(url: string, ticket: string): Promise<AmphiTeacher> {
    const teacher = new AmphiTeacher(await open(url));
    await teacher.#request({ type: 'hello', id: 'hello', ticket });
    await teacher.#request({ type: 'interaction.sync', id: 'sync', lastSeq: 0 });
    return teacher;
  }

  #request(message: Record<string, unknown> & { id: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.set(message.id, { resolve, reject });
      this.#ws.send(JSON.stringify(message));
    });
  }

  send(n: number): Promise<void> {
    return this.#request({ type: 'chat.send', id: `c${n}`, clientId: `bench-${n}`, to: 'room', text: chatText(n, wallMs()) });
  }

  close(): void {
    this.#ws.terminate();
  }
}

/**
 * The teacher on the bare `ws` baseline: sends ready-made `interaction.events` frames (a copy
 * of Amphi's chat event, with its own text and seq), which the server broadcasts to every
 * socket, this one included: message n is taken when its own copy comes back.
 */
export class BareTeacher implements Sender {
  readonly #ws: WebSocket;
  readonly #template: ChatEvent;
  readonly #pending = new Map<number, () => void>();

  private constructor(ws: WebSocket, template: ChatEvent) {
    this.#ws = ws;
    this.#template = template;
    ws.on('message', (data: Buffer) => {
      const lastSeq = /"lastSeq":(\d+)/.exec(data.toString('utf8'))?.[1];
      const resolve = this.#pending.get(Number(lastSeq));
      this.#pending.delete(Number(lastSeq));
      resolve?.();
    });
  }

  static async connect(url: string, template: ChatEvent): Promise<BareTeacher> {
    return new BareTeacher(await open(url), template);
  }

  send(n: number): Promise<void> {
    return new Promise((resolve) => {
      this.#pending.set(n, resolve);
      const event = { ...this.#template, seq: n, at: Date.now(), text: chatText(n, wallMs()), clientId: `bench-${n}` };
      this.#ws.send(JSON.stringify({ type: 'interaction.events', events: [event], lastSeq: n }));
    });
  }

  close(): void {
    this.#ws.terminate();
  }
}
