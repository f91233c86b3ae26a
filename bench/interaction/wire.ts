/** What the benchmark process and its bot processes say to each other, and the chat text format. */

/** Present once in every chat event as the server (and the baseline's sender) serialises it. */
export const CHAT_MARKER = '"kind":"chat.message"';

/** Wall-clock time in ms with sub-ms precision, comparable across processes of one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A chat text of a realistic length carrying its send time. */
export function chatText(n: number, sentAt: number): string {
  return `Could you go over the last step again, please? (#${n}) t=${sentAt.toFixed(3)}`;
}

export function parseSentAt(text: string): number | null {
  const match = / t=(\d+\.\d+)$/.exec(text);
  return match ? Number(match[1]) : null;
}

export type FleetCommand =
  | {
      type: 'connect';
      /** WebSocket URL. */
      url: string;
      /** Amphi: HTTP origin and participant-link token to join with; absent for the bare server. */
      base?: string;
      token?: string;
      count: number;
      /** Index of this process's first bot among all bots (names, sampling). */
      firstIndex: number;
      /** One bot in this many parses and timestamps its frames. */
      sampleEvery: number;
      /** Joins and connections under way at once. */
      concurrency: number;
    }
  | { type: 'count' }
  | { type: 'latencies' }
  | { type: 'close' };

export type FleetReport =
  | { type: 'progress'; connected: number }
  | { type: 'connected'; connected: number }
  | { type: 'failed'; error: string }
  | { type: 'count'; deliveries: number; frames: number }
  | { type: 'latencies'; latencies: number[] };
