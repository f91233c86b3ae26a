import { describe, expect, it } from 'vitest';
import { BroadcastError } from './errors.js';
import { programLayout, resolveLayout, type ProgramSources } from './programLayout.js';

const CANVAS = { width: 640, height: 360, fps: 30 };
const FIT = (w: number, h: number) => `scale=${w}:${h}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=30`;

interface Chain {
  readonly inputs: string[];
  readonly body: string;
  readonly outputs: string[];
}

/** Splits a filter graph into chains with their leading input labels and trailing output labels. */
function chains(filter: string): Chain[] {
  return filter.split(';').map((text) => {
    const inputs = text.match(/^(\[[^\]]+\])+/)?.[0] ?? '';
    const outputs = text.match(/(\[[^\]]+\])+$/)?.[0] ?? '';
    return {
      inputs: inputs.match(/\[[^\]]+\]/g) ?? [],
      outputs: outputs.match(/\[[^\]]+\]/g) ?? [],
      body: text.slice(inputs.length, text.length - outputs.length),
    };
  });
}

/**
 * The graph is well formed: every label is produced once and consumed once, except the input
 * streams (consumed, never produced) and [pv]/[pa] (produced, left for the ladder).
 */
function expectWellFormed(filter: string): void {
  const produced = chains(filter).flatMap((c) => c.outputs);
  const consumed = chains(filter).flatMap((c) => c.inputs);
  expect(new Set(produced).size).toBe(produced.length);
  expect(new Set(consumed).size).toBe(consumed.length);
  expect(produced.filter((l) => !consumed.includes(l)).sort()).toEqual(['[pa]', '[pv]']);
  for (const label of consumed.filter((l) => !produced.includes(l))) expect(label).toMatch(/^\[\d+:[va]:0\]$/);
}

/** Every input video goes through the normalising chain before anything else. */
function expectNormalised(filter: string, boxes: Record<string, string>): void {
  const videoInputs = chains(filter).filter((c) => c.inputs.some((l) => /:v:0\]$/.test(l)));
  expect(videoInputs.length).toBe(Object.keys(boxes).length);
  for (const chain of videoInputs) expect(chain.body, chain.inputs[0]).toBe(boxes[chain.inputs[0]!]);
}

function sources(partial: Partial<ProgramSources>): ProgramSources {
  return { cameras: [], audios: [], ...CANVAS, ...partial };
}

describe('program layout', () => {
  it('letterboxes the shared screen full frame and insets the speaker camera bottom-right at a fifth of the width', () => {
    const graph = programLayout('screen', sources({ screen: 0, cameras: [1], audios: [2, 3] }));
    expect(graph).toMatchObject({ video: '[pv]', audio: '[pa]', layout: 'screen' });
    expectWellFormed(graph.filter);
    expectNormalised(graph.filter, { '[0:v:0]': FIT(640, 360), '[1:v:0]': FIT(128, 72) });
    const overlay = chains(graph.filter).find((c) => c.body.startsWith('overlay'))!;
    // 640 − 128 − 16 and 360 − 72 − 16: the inset's corner sits one margin from the bottom-right.
    expect(overlay.inputs).toEqual(['[pscreen]', '[pinset]']);
    expect(overlay.body).toMatch(/^overlay=x=496:y=272:/);
  });

  it('shows the screen alone when it is shared without a camera', () => {
    const graph = programLayout('screen', sources({ screen: 4, audios: [5] }));
    expectWellFormed(graph.filter);
    expectNormalised(graph.filter, { '[4:v:0]': FIT(640, 360) });
    expect(graph.filter).not.toContain('overlay');
  });

  it('shows the chosen speaker camera full frame, fit and padded, and leaves the other cameras out', () => {
    const graph = programLayout('speaker', sources({ cameras: [0, 1, 2], speaker: 1, audios: [0] }));
    expect(graph.layout).toBe('speaker');
    expectWellFormed(graph.filter);
    expectNormalised(graph.filter, { '[1:v:0]': FIT(640, 360) });
  });

  it('tiles two cameras side by side, three as two above one centred, four as 2×2, and at most four', () => {
    const layoutOf = (cameras: number[]) => {
      const graph = programLayout('grid', sources({ cameras, audios: [] }));
      expect(graph.layout).toBe('grid');
      expectWellFormed(graph.filter);
      const stack = chains(graph.filter).find((c) => c.body.startsWith('xstack'))!;
      // The stack is padded to the program size, whatever rounding the cells needed.
      expect(stack.body).toMatch(/,pad=640:360:\(ow-iw\)\/2:\(oh-ih\)\/2:color=black,setsar=1$/);
      return { stack: stack.body.split(',')[0], graph };
    };
    const two = layoutOf([3, 4]);
    expect(two.stack).toBe('xstack=inputs=2:layout=0_0|320_0:fill=black');
    expectNormalised(two.graph.filter, { '[3:v:0]': FIT(320, 360), '[4:v:0]': FIT(320, 360) });
    expect(layoutOf([0, 1, 2]).stack).toBe('xstack=inputs=3:layout=0_0|320_0|160_180:fill=black');
    const five = layoutOf([0, 1, 2, 3, 4]);
    expect(five.stack).toBe('xstack=inputs=4:layout=0_0|320_0|0_180|320_180:fill=black');
    expectNormalised(five.graph.filter, Object.fromEntries([0, 1, 2, 3].map((i) => [`[${i}:v:0]`, FIT(320, 180)])));
  });

  it('chooses the screen layout in auto when a screen is shared, else the speaker', () => {
    expect(programLayout('auto', sources({ screen: 2, cameras: [0, 1], audios: [] })).layout).toBe('screen');
    expect(programLayout('auto', sources({ cameras: [0, 1], audios: [] })).layout).toBe('speaker');
  });

  it('falls back when a layout lacks its sources, down to a black slate', () => {
    expect(resolveLayout('screen', 1, false)).toBe('speaker');
    expect(resolveLayout('grid', 1, false)).toBe('speaker');
    expect(resolveLayout('grid', 0, true)).toBe('screen');
    expect(resolveLayout('speaker', 0, true)).toBe('screen');
    const slate = programLayout('auto', sources({ audios: [0] }));
    expect(slate.layout).toBe('slate');
    expectWellFormed(slate.filter);
    expect(slate.filter.split(';')[0]).toBe('color=c=black:s=640x360:r=30,setsar=1[pv]');
  });

  it('resamples every microphone to 48 kHz stereo and mixes them without normalisation', () => {
    const graph = programLayout('speaker', sources({ cameras: [0], audios: [0, 1, 2] }));
    const audio = chains(graph.filter).filter((c) => c.inputs.some((l) => /:a:0\]$/.test(l)));
    expect(audio.map((c) => c.inputs[0])).toEqual(['[0:a:0]', '[1:a:0]', '[2:a:0]']);
    for (const c of audio) expect(c.body).toBe('aresample=48000:async=1,aformat=sample_fmts=fltp:channel_layouts=stereo');
    expect(graph.filter.split(';').at(-1)).toBe('[pmic0][pmic1][pmic2]amix=inputs=3:normalize=0[pa]');
  });

  it('carries stereo silence when nobody has a microphone, so the renditions always have audio', () => {
    const graph = programLayout('speaker', sources({ cameras: [0] }));
    expectWellFormed(graph.filter);
    expect(graph.filter.split(';').at(-1)).toBe('anullsrc=channel_layout=stereo:sample_rate=48000[pa]');
  });

  it('refuses odd sizes, a speaker out of range and input indexes that are not indexes', () => {
    const refuse = (partial: Partial<ProgramSources>) => expect(() => programLayout('auto', sources(partial))).toThrow(BroadcastError);
    refuse({ width: 641 });
    refuse({ height: 0 });
    refuse({ fps: 0 });
    refuse({ cameras: [0, 1], speaker: 2 });
    refuse({ cameras: [-1] });
    refuse({ audios: [1.5] });
    refuse({ screen: Number.NaN });
  });
});
