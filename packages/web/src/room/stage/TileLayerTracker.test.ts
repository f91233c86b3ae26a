import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LayerChoice } from '@amphi/protocol';
import { layerChanges, substreamFor, TileLayerTracker, wantedLayers, type Tile } from './TileLayerTracker.js';

const camera = (participantId: string, width: number, visible = true): Tile => ({ participantId, source: 'camera', width, visible });
const layer = (participantId: string, substream: number, paused = false, source: 'camera' | 'screen' = 'camera'): LayerChoice => ({ participantId, source, substream, paused });

describe('substreamFor', () => {
  it.each([
    [0, 0],
    [319, 0],
    [320, 1],
    [719, 1],
    [720, 2],
    [1920, 2],
  ])('gives a tile %i px wide the layer %i', (width, substream) => {
    expect(substreamFor(width)).toBe(substream);
  });
});

describe('wantedLayers', () => {
  it('asks for the layer that fits each tile, keyed by person and source', () => {
    const screen: Tile = { participantId: 'ana', source: 'screen', width: 1280, visible: true };
    expect(wantedLayers([camera('ana', 200), screen, camera('ben', 500)])).toEqual(
      new Map([
        ['ana:camera', layer('ana', 0)],
        ['ana:screen', layer('ana', 2, false, 'screen')],
        ['ben:camera', layer('ben', 1)],
      ]),
    );
  });

  it('pauses a video whose tile is off screen, at the lowest layer', () => {
    expect(wantedLayers([camera('ana', 1280, false)]).get('ana:camera')).toEqual(layer('ana', 0, true));
  });

  it('lets the larger tile decide when the same video shows twice, in either order', () => {
    expect(wantedLayers([camera('ana', 200), camera('ana', 800)]).get('ana:camera')).toEqual(layer('ana', 2));
    expect(wantedLayers([camera('ana', 800), camera('ana', 200)]).get('ana:camera')).toEqual(layer('ana', 2));
  });

  it('keeps a video playing at the visible tile’s layer while its other tile is off screen', () => {
    expect(wantedLayers([camera('ana', 1280, false), camera('ana', 500)]).get('ana:camera')).toEqual(layer('ana', 1));
    expect(wantedLayers([camera('ana', 500), camera('ana', 1280, false)]).get('ana:camera')).toEqual(layer('ana', 1));
  });

  it('is empty without tiles', () => {
    expect(wantedLayers([]).size).toBe(0);
  });
});

describe('layerChanges', () => {
  const wanted = new Map([
    ['ana:camera', layer('ana', 2)],
    ['ben:camera', layer('ben', 0, true)],
  ]);

  it('gives every layer when nothing was sent yet', () => {
    expect(layerChanges(wanted, new Map())).toEqual([...wanted]);
  });

  it('leaves out the layers sent already', () => {
    expect(layerChanges(wanted, new Map([['ana:camera', layer('ana', 2)]]))).toEqual([['ben:camera', layer('ben', 0, true)]]);
    expect(layerChanges(wanted, new Map(wanted))).toEqual([]);
  });

  it('gives a layer again when its substream or its pause changed', () => {
    const sent = new Map([
      ['ana:camera', layer('ana', 1)],
      ['ben:camera', layer('ben', 0, false)],
    ]);
    expect(layerChanges(wanted, sent)).toEqual([...wanted]);
  });

  it('ignores what was sent for videos no longer wanted', () => {
    expect(layerChanges(new Map(), new Map(wanted))).toEqual([]);
  });
});

/** Stands in for ResizeObserver and IntersectionObserver: records what it watches, and fires entries on demand. */
class FakeObserver {
  readonly watched = new Set<Element>();
  disconnected = false;
  constructor(readonly callback: (entries: unknown[]) => void) {}
  observe(element: Element): void {
    this.watched.add(element);
  }
  unobserve(element: Element): void {
    this.watched.delete(element);
  }
  disconnect(): void {
    this.watched.clear();
    this.disconnected = true;
  }
}

describe('TileLayerTracker', () => {
  let resizers: FakeObserver[];
  let intersections: FakeObserver[];
  const send = vi.fn<(layers: LayerChoice[]) => Promise<void>>();
  let tracker: TileLayerTracker;

  const element = (width: number) => ({ getBoundingClientRect: () => ({ width }) }) as Element;
  const resize = (target: Element, width: number) => resizers.at(-1)!.callback([{ target, contentRect: { width } }]);
  const scroll = (target: Element, isIntersecting: boolean) => intersections.at(-1)!.callback([{ target, isIntersecting }]);

  beforeEach(() => {
    vi.useFakeTimers();
    resizers = [];
    intersections = [];
    vi.stubGlobal('ResizeObserver', class extends FakeObserver {
      constructor(callback: (entries: unknown[]) => void) {
        super(callback);
        resizers.push(this);
      }
    });
    vi.stubGlobal('IntersectionObserver', class extends FakeObserver {
      constructor(callback: (entries: unknown[]) => void) {
        super(callback);
        intersections.push(this);
      }
    });
    send.mockReset().mockResolvedValue(undefined);
    tracker = new TileLayerTracker(send, 300);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('sends the layers of new tiles together, after a quiet time, at their measured width', async () => {
    tracker.observe(element(200), 'ana', 'camera');
    await vi.advanceTimersByTimeAsync(200);
    tracker.observe(element(800), 'ben', 'screen');
    await vi.advanceTimersByTimeAsync(299);
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(send).toHaveBeenCalledExactlyOnceWith([layer('ana', 0), layer('ben', 2, false, 'screen')]);
  });

  it('sends only the layers that changed', async () => {
    const ana = element(200);
    tracker.observe(ana, 'ana', 'camera');
    tracker.observe(element(200), 'ben', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    resize(ana, 800);
    await vi.advanceTimersByTimeAsync(300);
    expect(send).toHaveBeenLastCalledWith([layer('ana', 2)]);
    resize(ana, 900);
    await vi.advanceTimersByTimeAsync(300);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('pauses a tile scrolled out of view and resumes it when it is back', async () => {
    const ana = element(500);
    tracker.observe(ana, 'ana', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    scroll(ana, false);
    await vi.advanceTimersByTimeAsync(300);
    expect(send).toHaveBeenLastCalledWith([layer('ana', 0, true)]);
    scroll(ana, true);
    await vi.advanceTimersByTimeAsync(300);
    expect(send).toHaveBeenLastCalledWith([layer('ana', 1)]);
  });

  it('sends a layer the server did not apply again with the next change', async () => {
    const ana = element(200);
    send.mockRejectedValueOnce(new Error('offline'));
    tracker.observe(ana, 'ana', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    tracker.observe(element(800), 'ben', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    expect(send).toHaveBeenLastCalledWith([layer('ana', 0), layer('ben', 2)]);
  });

  it('sends every layer again after resendAll (a new media connection starts from defaults)', async () => {
    tracker.observe(element(200), 'ana', 'camera');
    tracker.observe(element(800), 'ben', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    tracker.resendAll();
    await vi.advanceTimersByTimeAsync(300);
    expect(send).toHaveBeenCalledTimes(2);
    expect(send).toHaveBeenLastCalledWith([layer('ana', 0), layer('ben', 2)]);
  });

  it('drops a pending send on cancel', async () => {
    tracker.observe(element(200), 'ana', 'camera');
    tracker.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(send).not.toHaveBeenCalled();
  });

  it('lets go of its observers with the last tile, and sends the layer of a tile shown again', async () => {
    const stop = tracker.observe(element(200), 'ana', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    stop();
    expect(resizers[0]!.disconnected && intersections[0]!.disconnected).toBe(true);
    tracker.observe(element(200), 'ana', 'camera');
    await vi.advanceTimersByTimeAsync(300);
    expect(resizers).toHaveLength(2);
    expect(send).toHaveBeenCalledTimes(2);
    expect(send).toHaveBeenLastCalledWith([layer('ana', 0)]);
  });

  it('sends nothing for a tile removed before the quiet time is over', async () => {
    const stop = tracker.observe(element(200), 'ana', 'camera');
    stop();
    stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(send).not.toHaveBeenCalled();
  });
});
