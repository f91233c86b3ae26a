import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BroadcastInfo } from '@amphi/protocol';
import { Broadcast, type ProgramRun, type ProgramRunFactory, type ProgramSpec } from './Broadcast.js';
import type { StageFeed } from './programPlan.js';

const quiet = { info() {}, warn() {}, error() {} };

class FakeRun implements ProgramRun {
  ready: (() => void) | undefined;
  failed: ((reason: string) => void) | undefined;
  stopped = 0;
  constructor(
    readonly streamId: string,
    readonly spec: ProgramSpec,
    private readonly runs: FakeRuns,
  ) {}
  onReady(listener: () => void) {
    this.ready = listener;
  }
  onFailed(listener: (reason: string) => void) {
    this.failed = listener;
  }
  async stop() {
    if (this.stopped++ === 0) this.runs.running--;
  }
}

class FakeRuns implements ProgramRunFactory {
  all: FakeRun[] = [];
  running = 0;
  maxRunning = 0;
  fail = false;
  async start(spec: ProgramSpec, streamId: string) {
    if (this.fail) throw new Error('no ffmpeg');
    const run = new FakeRun(streamId, spec, this);
    this.all.push(run);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return run;
  }
  get last() {
    return this.all.at(-1)!;
  }
}

const cam = (participantId: string): StageFeed => ({ participantId, source: 'camera', kind: 'video', mid: '1', codec: 'vp8' });
const mic = (participantId: string): StageFeed => ({ participantId, source: 'mic', kind: 'audio', mid: '0', codec: 'opus' });

describe('Broadcast', () => {
  let runs: FakeRuns;
  let feeds: StageFeed[];
  let updates: BroadcastInfo[];
  let broadcast: Broadcast;
  const settle = async () => {
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    runs = new FakeRuns();
    feeds = [cam('teacher'), mic('teacher')];
    updates = [];
    broadcast = new Broadcast({ stageFeeds: () => feeds, runs, createAudience: null, log: quiet });
    broadcast.on('updated', (info) => updates.push(info));
  });
  afterEach(async () => {
    await broadcast.close();
    vi.useRealTimers();
  });

  it('starts idle, goes live with a stage program, and tells viewers the HLS path once it is playable', async () => {
    expect(broadcast.info.state).toBe('idle');
    await broadcast.start();
    expect(broadcast.info.state).toBe('live');
    expect(runs.all).toHaveLength(1);
    const spec = runs.last.spec;
    expect(spec.kind === 'stage' && spec.plan.layout).toBe('speaker');
    expect(broadcast.info.hls).toBeNull();
    runs.last.ready!();
    expect(broadcast.info.hls).toBe(`/hls/${runs.last.streamId}/master.m3u8`);
    expect(broadcast.info.webrtc).toBe(false);
  });

  it('stops for good: ended, run stopped, a second start does nothing', async () => {
    await broadcast.start();
    await broadcast.stop();
    expect(broadcast.info).toMatchObject({ state: 'ended', hls: null });
    expect(runs.last.stopped).toBe(1);
    await broadcast.start();
    expect(runs.all).toHaveLength(1);
  });

  it('recomposes when the stage changes, and only when the plan differs', async () => {
    await broadcast.start();
    broadcast.stageChanged();
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs.all).toHaveLength(1);
    feeds = [...feeds, { participantId: 'teacher', source: 'screen', kind: 'video', mid: '2', codec: 'vp8' }];
    broadcast.stageChanged();
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs.all).toHaveLength(2);
    expect(runs.all[0]!.stopped).toBe(1);
    const spec = runs.last.spec;
    expect(spec.kind === 'stage' && spec.plan.layout).toBe('screen');
    expect(runs.maxRunning).toBe(1);
  });

  it('a layout change restarts the program with that layout', async () => {
    feeds = [cam('a'), cam('b'), mic('a')];
    await broadcast.start();
    broadcast.setLayout('grid');
    await vi.advanceTimersByTimeAsync(10);
    const spec = runs.last.spec;
    expect(spec.kind === 'stage' && spec.plan.cameras.map((c) => c.participantId)).toEqual(['a', 'b']);
    expect(broadcast.info.layout).toBe('grid');
  });

  it('an encoder replaces the stage; one that drops and returns within the grace resumes with one run at a time', async () => {
    await broadcast.start();
    broadcast.encoderPublished();
    await settle();
    expect(broadcast.info).toMatchObject({ source: 'encoder', encoderConnected: true });
    expect(runs.last.spec).toEqual({ kind: 'encoder', stream: broadcast.encoderStream });
    // The encoder drops: its run ends, nothing new starts while we wait for it.
    broadcast.encoderUnpublished();
    runs.last.failed!('input ended');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs.all).toHaveLength(2);
    expect(broadcast.info).toMatchObject({ source: 'encoder', encoderConnected: false, state: 'live' });
    // Back after 20 s: same broadcast, same internal stream, a new run.
    broadcast.encoderPublished();
    await settle();
    expect(runs.all).toHaveLength(3);
    expect(runs.last.spec).toEqual({ kind: 'encoder', stream: broadcast.encoderStream });
    expect(runs.maxRunning).toBe(1);
  });

  it('an encoder gone for longer than the grace gives the program back to the stage', async () => {
    await broadcast.start();
    broadcast.encoderPublished();
    await settle();
    broadcast.encoderUnpublished();
    runs.last.failed!('input ended');
    await vi.advanceTimersByTimeAsync(30_001);
    expect(broadcast.info.source).toBe('stage');
    expect(runs.last.spec.kind).toBe('stage');
    expect(runs.maxRunning).toBe(1);
  });

  it('an encoder connected before the start is the source from the start', async () => {
    broadcast.encoderPublished();
    expect(runs.all).toHaveLength(0);
    await broadcast.start();
    expect(runs.last.spec.kind).toBe('encoder');
  });

  it('a run that dies is restarted with a growing delay, and a new HLS path', async () => {
    await broadcast.start();
    runs.last.ready!();
    const first = broadcast.info.hls;
    runs.last.failed!('ffmpeg exited');
    await vi.advanceTimersByTimeAsync(999);
    expect(runs.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(runs.all).toHaveLength(2);
    expect(broadcast.info.hls).toBeNull();
    runs.last.failed!('ffmpeg exited again');
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(runs.all).toHaveLength(3);
    runs.last.ready!();
    expect(broadcast.info.hls).not.toBe(first);
    expect(broadcast.info.hls).toContain(runs.last.streamId);
  });

  it('a run that cannot start is retried', async () => {
    runs.fail = true;
    await broadcast.start();
    expect(broadcast.info.state).toBe('live');
    runs.fail = false;
    await vi.advanceTimersByTimeAsync(1001);
    expect(runs.all).toHaveLength(1);
  });

  it('close stops the run once and emits closed once', async () => {
    await broadcast.start();
    const closed = vi.fn();
    broadcast.on('closed', closed);
    await broadcast.close();
    await broadcast.close();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(runs.last.stopped).toBe(1);
    expect(() => broadcast.setLayout('grid')).toThrow(/closed/);
  });

  it('creates the audience tier on start and closes it on stop', async () => {
    const close = vi.fn(async () => {});
    const withAudience = new Broadcast({
      stageFeeds: () => feeds,
      runs,
      createAudience: async () => ({ rtpTarget: { host: '127.0.0.1', videoPort: 5000, audioPort: 5002 }, close, watch: async () => 'sdp', start: async () => {}, leave: async () => {}, on: () => {} }),
      log: quiet,
    });
    await withAudience.start();
    runs.last.ready!();
    expect(withAudience.info.webrtc).toBe(true);
    await withAudience.stop();
    expect(close).toHaveBeenCalledTimes(1);
    expect(withAudience.info.webrtc).toBe(false);
    await withAudience.close();
  });
});
