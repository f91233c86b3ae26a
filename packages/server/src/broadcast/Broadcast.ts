/**
 * The broadcast of one lecture's live session to its audience: which source feeds the program
 * (the stage, or an encoder over RTMP that replaces it while connected), the one pipeline
 * (`ProgramRun`: ffmpeg → HLS ladder, and RTP to the WebRTC audience tier) that turns it into
 * what viewers watch, and the state viewers see (waiting, live, ended).
 *
 * One run at a time, always: a run is stopped (and its ffmpeg gone) before the next starts.
 * A new run is needed when the source changes, when the stage's composition changes (who
 * sends what, or the layout), and after a run dies; each run publishes under a new HLS stream
 * id, and `info.hls` tells players to load it. The audience tier (a Janus Streaming
 * mountpoint) outlives runs: every run sends to the same RTP ports.
 *
 * An encoder that drops is waited for `encoderGraceMs` (30 s): if it comes back, the same
 * broadcast goes on from it (a new run, never a second one alongside); if not, the stage
 * takes over again.
 *
 * Close cascade: `close()` stops the run (ffmpeg, forwarders, HLS stream), closes the audience
 * tier, and emits `closed` once.
 */
import { randomBytes } from 'node:crypto';
import { AmphiError, TypedEmitter, type BroadcastInfo, type BroadcastLayout } from '@amphi/protocol';
import { planProgram, type ProgramPlan, type StageFeed } from './programPlan.js';

export interface BroadcastLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Where the audience tier's RTP goes (a Janus Streaming mountpoint). */
export interface RtpTarget {
  readonly host: string;
  readonly videoPort: number;
  readonly audioPort: number;
  /** Where the video's RTCP goes (the mountpoint's own RTCP port, not videoPort + 1, which may be the audio's). */
  readonly videoRtcpPort?: number;
}

/** The WebRTC audience tier as the broadcast sees it (see media/AudienceStream). */
export interface BroadcastAudience {
  readonly rtpTarget: RtpTarget;
  /** A viewer asks to watch: resolves with Janus' offer (rejects AUDIENCE_FULL beyond the host's limit). */
  watch(viewerId: string): Promise<string>;
  /** The viewer's answer to that offer. */
  start(viewerId: string, answerSdp: string): Promise<void>;
  /** The viewer stops watching (or left the room). */
  leave(viewerId: string): Promise<void>;
  /** `reset`: the tier is lost (its media server restarted); a new one must be made. */
  on(event: 'reset', listener: () => void): unknown;
  close(): Promise<void>;
}

/** A running pipeline: its ffmpeg feeds the HLS origin under `streamId` (and the audience tier). */
export interface ProgramRun {
  readonly streamId: string;
  /** Called once when every rendition is playable (the master playlist is served). */
  onReady(listener: () => void): void;
  /** Called once when the run ends without being asked to (ffmpeg died, the input ended). */
  onFailed(listener: (reason: string) => void): void;
  /** Stops ffmpeg, removes forwarders and the HLS stream; safe to call twice. */
  stop(): Promise<void>;
}

export type ProgramSpec =
  | { readonly kind: 'stage'; readonly plan: ProgramPlan }
  | { readonly kind: 'encoder'; readonly stream: string };

/** Builds and starts runs (ffmpeg arguments, forwarders, ports): see ProgramRunner. */
export interface ProgramRunFactory {
  start(spec: ProgramSpec, streamId: string, audience: RtpTarget | null): Promise<ProgramRun>;
}

export interface BroadcastOptions {
  /** The stage's streams now. */
  stageFeeds(): readonly StageFeed[];
  runs: ProgramRunFactory;
  /** Creates the WebRTC audience tier (null: none on this deployment). A failure leaves HLS only. */
  createAudience: (() => Promise<BroadcastAudience>) | null;
  log: BroadcastLogger;
  /** How long (ms) a dropped encoder is waited for before the stage takes over (default 30 000). */
  encoderGraceMs?: number;
  /** Quiet time (ms) after a stage change before the program is recomposed (default 1000). */
  recomposeDelayMs?: number;
  now?: () => number;
}

export type BroadcastEvents = {
  /** What viewers should know changed (state, source, HLS path, WebRTC tier). */
  updated: [info: BroadcastInfo];
  closed: [];
};

/** Waits between restarts of a run that keeps failing: 1, 2, 4, 8, then 10 s. */
const RESTART_DELAYS_MS = [1000, 2000, 4000, 8000, 10_000];

export class Broadcast extends TypedEmitter<BroadcastEvents> {
  /** Internal RTMP stream name of this broadcast's encoder (never the stream key). */
  readonly encoderStream = `enc-${randomBytes(12).toString('base64url')}`;
  readonly #options: BroadcastOptions;
  readonly #now: () => number;
  #info: BroadcastInfo = { state: 'idle', source: 'stage', layout: 'auto', encoderConnected: false, startedAt: null, hls: null, webrtc: false };
  #run: ProgramRun | null = null;
  #runSignature: string | null = null;
  /** Every change of run goes through this chain: one run at a time. */
  #chain: Promise<void> = Promise.resolve();
  #audience: BroadcastAudience | null = null;
  #failures = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #recomposeTimer: NodeJS.Timeout | null = null;
  #graceTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: BroadcastOptions) {
    super();
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get info(): BroadcastInfo {
    return this.#info;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts the broadcast (idle → live). Starting twice is a no-op; an ended broadcast cannot restart. */
  async start(): Promise<void> {
    this.#assertOpen();
    if (this.#info.state !== 'idle') return;
    this.#update({ state: 'live', startedAt: this.#now() });
    await this.#setUpAudience();
    await this.#replaceRun('started');
  }

  /** Creates the WebRTC tier; when lost, builds it again and restarts the program towards it. */
  async #setUpAudience(): Promise<void> {
    if (!this.#options.createAudience) return;
    let audience: BroadcastAudience;
    try {
      audience = await this.#options.createAudience();
    } catch (err) {
      this.#options.log.warn({ err }, 'no WebRTC audience tier: HLS only');
      return;
    }
    // Stopped while the tier was being set up.
    if (this.#closed || this.#info.state !== 'live') {
      await audience.close().catch(() => undefined);
      return;
    }
    this.#audience = audience;
    audience.on('reset', () => {
      if (this.#audience !== audience) return;
      this.#audience = null;
      this.#update({ webrtc: false });
      setTimeout(() => {
        if (this.#closed || this.#info.state !== 'live') return;
        void this.#setUpAudience().then(() => this.#replaceRun('audience tier rebuilt'));
      }, 1000).unref();
    });
  }

  /** Stops the broadcast for good (live → ended): viewers see the end screen. */
  async stop(): Promise<void> {
    if (this.#info.state === 'ended' || this.#closed) return;
    this.#clearTimers();
    this.#update({ state: 'ended', hls: null, webrtc: false });
    await this.#enqueue(() => this.#stopRun());
    const audience = this.#audience;
    this.#audience = null;
    await audience?.close().catch((err: unknown) => this.#options.log.warn({ err }, 'could not close the audience tier'));
  }

  /** A moderator chose how the stage is composed. */
  setLayout(layout: BroadcastLayout): void {
    this.#assertOpen();
    if (this.#info.layout === layout) return;
    this.#update({ layout });
    this.stageChanged(0);
  }

  /** The stage's streams changed (someone published, muted, shared a screen…): recompose soon. */
  stageChanged(delayMs = this.#options.recomposeDelayMs ?? 1000): void {
    if (this.#closed || this.#info.state !== 'live' || this.#info.source !== 'stage') return;
    if (this.#recomposeTimer) clearTimeout(this.#recomposeTimer);
    this.#recomposeTimer = setTimeout(() => {
      this.#recomposeTimer = null;
      if (this.#info.source !== 'stage' || this.#info.state !== 'live') return;
      const plan = planProgram(this.#options.stageFeeds(), this.#info.layout);
      if (plan.signature !== this.#runSignature) void this.#replaceRun('stage changed');
    }, delayMs);
  }

  /** An encoder started publishing this broadcast's stream (its key was accepted). */
  encoderPublished(): void {
    this.#assertOpen();
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.#update({ encoderConnected: true, source: 'encoder' });
    if (this.#info.state === 'live') void this.#replaceRun('encoder connected');
  }

  /** The encoder stopped publishing: wait for it to come back, then fall back to the stage. */
  encoderUnpublished(): void {
    if (this.#closed || !this.#info.encoderConnected) return;
    this.#update({ encoderConnected: false });
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = null;
      if (this.#info.encoderConnected || this.#closed) return;
      this.#update({ source: 'stage' });
      if (this.#info.state === 'live') void this.#replaceRun('encoder gone');
    }, this.#options.encoderGraceMs ?? 30_000);
  }

  /** A viewer asks for the WebRTC program (the tier must be up and the broadcast live). */
  watch(viewerId: string): Promise<string> {
    const audience = this.#audience;
    if (!audience || this.#info.state !== 'live') return Promise.reject(new AmphiError('INVALID_STATE', 'The low-latency program is not available.'));
    return audience.watch(viewerId);
  }

  answerWatch(viewerId: string, sdp: string): Promise<void> {
    const audience = this.#audience;
    if (!audience) return Promise.reject(new AmphiError('INVALID_STATE', 'The low-latency program is not available.'));
    return audience.start(viewerId, sdp);
  }

  async leaveWatch(viewerId: string): Promise<void> {
    await this.#audience?.leave(viewerId);
  }

  /** Stops everything; safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.stop();
      this.#closed = true;
      this.#clearTimers();
      this.emit('closed');
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the broadcast is closed');
  }

  #update(change: Partial<BroadcastInfo>): void {
    this.#info = { ...this.#info, ...change };
    this.emit('updated', this.#info);
  }

  #clearTimers(): void {
    for (const timer of [this.#restartTimer, this.#recomposeTimer, this.#graceTimer]) if (timer) clearTimeout(timer);
    this.#restartTimer = this.#recomposeTimer = this.#graceTimer = null;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(task, task);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Stops the current run (if any) and starts one for the current source. */
  #replaceRun(reason: string): Promise<void> {
    return this.#enqueue(async () => {
      await this.#stopRun();
      if (this.#closed || this.#info.state !== 'live') return;
      // The old stream is gone: players wait for the new one rather than fetch a dead one.
      if (this.#info.hls !== null) this.#update({ hls: null });
      const spec: ProgramSpec =
        this.#info.source === 'encoder' ? { kind: 'encoder', stream: this.encoderStream } : { kind: 'stage', plan: planProgram(this.#options.stageFeeds(), this.#info.layout) };
      const streamId = randomBytes(12).toString('base64url');
      this.#options.log.info({ reason, source: spec.kind, layout: spec.kind === 'stage' ? spec.plan.layout : undefined }, 'broadcast: starting the program');
      let run: ProgramRun;
      try {
        run = await this.#options.runs.start(spec, streamId, this.#audience?.rtpTarget ?? null);
      } catch (err) {
        this.#options.log.error({ err }, 'broadcast: could not start the program');
        this.#scheduleRestart();
        return;
      }
      this.#run = run;
      this.#runSignature = spec.kind === 'stage' ? spec.plan.signature : `encoder|${spec.stream}`;
      run.onReady(() => {
        if (this.#run !== run) return;
        this.#failures = 0;
        this.#update({ hls: `/hls/${run.streamId}/master.m3u8`, webrtc: this.#audience !== null });
      });
      run.onFailed((why) => {
        if (this.#run !== run) return;
        this.#options.log.warn({ reason: why }, 'broadcast: the program stopped');
        this.#run = null;
        this.#runSignature = null;
        // Its ffmpeg is gone, its forwarders and HLS stream are not yet.
        void this.#enqueue(() => run.stop().catch((err: unknown) => this.#options.log.warn({ err }, 'broadcast: could not clean up the program')));
        this.#scheduleRestart();
      });
    });
  }

  #scheduleRestart(): void {
    if (this.#closed || this.#info.state !== 'live' || this.#restartTimer) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.#failures, RESTART_DELAYS_MS.length - 1)]!;
    this.#failures++;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      // Waiting for a dropped encoder: the grace timer decides what comes next.
      if (this.#info.source === 'encoder' && !this.#info.encoderConnected) return;
      void this.#replaceRun('restart after failure');
    }, delay);
  }

  async #stopRun(): Promise<void> {
    const run = this.#run;
    this.#run = null;
    this.#runSignature = null;
    if (!run) return;
    await run.stop().catch((err: unknown) => this.#options.log.warn({ err }, 'broadcast: could not stop the program cleanly'));
  }
}
