import { Broadcast, type BroadcastAudience, type BroadcastLogger, type ProgramRunFactory } from './Broadcast.js';
import type { ProgramStage } from './ProgramRunner.js';
import type { StageFeed } from './programPlan.js';

/** A live session's stage as a broadcast uses it (RoomMedia). */
export interface BroadcastStage extends ProgramStage {
  stageFeeds(): readonly StageFeed[];
}

export interface BroadcastServiceOptions {
  /** The program runs of one broadcast, over its stage. */
  runsFor: (stage: BroadcastStage) => ProgramRunFactory;
  /** Creates a WebRTC audience tier for a broadcast (null: HLS only). */
  createAudience: (() => Promise<BroadcastAudience>) | null;
  log: BroadcastLogger;
  encoderGraceMs?: number;
}

/**
 * The broadcasts of this instance, and the way from an encoder's internal RTMP stream name
 * back to its broadcast (the RTMP server reports streams by name).
 *
 * Close cascade: `close()` closes every broadcast (see Broadcast).
 */
export class BroadcastService {
  readonly #options: BroadcastServiceOptions;
  readonly #byEncoderStream = new Map<string, Broadcast>();
  #closed = false;

  constructor(options: BroadcastServiceOptions) {
    this.#options = options;
  }

  /** A broadcast for one lecture's live session; forgotten once closed. */
  create(stage: BroadcastStage): Broadcast {
    if (this.#closed) throw new Error('the broadcast service is closed');
    const broadcast = new Broadcast({
      stageFeeds: () => stage.stageFeeds(),
      runs: this.#options.runsFor(stage),
      createAudience: this.#options.createAudience,
      log: this.#options.log,
      ...(this.#options.encoderGraceMs !== undefined ? { encoderGraceMs: this.#options.encoderGraceMs } : {}),
    });
    this.#byEncoderStream.set(broadcast.encoderStream, broadcast);
    broadcast.on('closed', () => this.#byEncoderStream.delete(broadcast.encoderStream));
    return broadcast;
  }

  /** The RTMP server says an encoder publishes this stream; false when no broadcast has it any more. */
  encoderPublished(stream: string): boolean {
    const broadcast = this.#byEncoderStream.get(stream);
    if (!broadcast || broadcast.closed) return false;
    broadcast.encoderPublished();
    return true;
  }

  encoderUnpublished(stream: string): void {
    this.#byEncoderStream.get(stream)?.encoderUnpublished();
  }

  get size(): number {
    return this.#byEncoderStream.size;
  }

  /** Closes every broadcast; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#byEncoderStream.values()].map((b) => b.close()));
    this.#byEncoderStream.clear();
  }
}
