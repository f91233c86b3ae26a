import { describe, expect, it } from 'vitest';
import { planProgram, type StageFeed } from './programPlan.js';

const feed = (participantId: string, source: StageFeed['source'], codec = source === 'mic' || source === 'screenAudio' ? 'opus' : 'vp8'): StageFeed => ({
  participantId,
  source,
  kind: source === 'mic' || source === 'screenAudio' ? 'audio' : 'video',
  mid: source,
  codec,
});

describe('planProgram', () => {
  it('auto: the shared screen with the sharer’s camera, every sound mixed', () => {
    const plan = planProgram([feed('a', 'camera'), feed('a', 'mic'), feed('b', 'camera'), feed('b', 'screen'), feed('b', 'mic'), feed('b', 'screenAudio')], 'auto');
    expect(plan.layout).toBe('screen');
    expect(plan.screen?.participantId).toBe('b');
    expect(plan.cameras.map((c) => c.participantId)).toEqual(['b']);
    expect(plan.audios.map((a) => `${a.participantId}/${a.source}`)).toEqual(['a/mic', 'b/mic', 'b/screenAudio']);
  });

  it('auto without a screen: the first camera; nothing sent: a slate', () => {
    expect(planProgram([feed('a', 'camera'), feed('b', 'camera')], 'auto').cameras.map((c) => c.participantId)).toEqual(['a']);
    const slate = planProgram([feed('a', 'mic')], 'auto');
    expect(slate.layout).toBe('slate');
    expect(slate.audios).toHaveLength(1);
    expect(planProgram([], 'grid').layout).toBe('slate');
  });

  it('grid takes up to four cameras; speaker ignores the screen while a camera is on', () => {
    const cams = ['a', 'b', 'c', 'd', 'e'].map((p) => feed(p, 'camera'));
    expect(planProgram(cams, 'grid').cameras).toHaveLength(4);
    expect(planProgram([feed('a', 'camera')], 'grid').layout).toBe('speaker');
    expect(planProgram([feed('a', 'screen'), feed('b', 'camera')], 'speaker').layout).toBe('speaker');
    expect(planProgram([feed('a', 'screen')], 'speaker').layout).toBe('screen');
  });

  it('skips codecs the program cannot read, and the signature changes only with the command', () => {
    expect(planProgram([feed('a', 'camera', 'av1')], 'auto').layout).toBe('slate');
    const one = planProgram([feed('a', 'camera'), feed('a', 'mic')], 'auto');
    expect(planProgram([feed('a', 'camera'), feed('a', 'mic')], 'auto').signature).toBe(one.signature);
    expect(planProgram([feed('a', 'camera')], 'auto').signature).not.toBe(one.signature);
  });
});
