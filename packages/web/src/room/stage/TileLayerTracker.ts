import type { LayerChoice } from '@amphi/protocol';

/** Width (CSS px) under which a tile gets the lowest simulcast layer, then the middle one. */
export const LAYER_WIDTHS = [320, 720] as const;

/** The simulcast layer for a tile this many CSS pixels wide: 0 under 320, 1 under 720, else 2. */
export function substreamFor(width: number): 0 | 1 | 2 {
  return width < LAYER_WIDTHS[0] ? 0 : width < LAYER_WIDTHS[1] ? 1 : 2;
}

/** A remote video tile as the tracker sees it. */
export interface Tile {
  participantId: string;
  source: 'camera' | 'screen';
  /** Width in CSS px. */
  width: number;
  /** On screen (not scrolled out of view). */
  visible: boolean;
}

const keyOf = (t: { participantId: string; source: string }) => `${t.participantId}:${t.source}`;

/**
 * The layer each video should get, keyed `participantId:source`: the one that fits its tile,
 * or paused while the tile is off screen. The same video twice on the stage: the larger,
 * visible one decides.
 */
export function wantedLayers(tiles: Iterable<Tile>): Map<string, LayerChoice> {
  const wanted = new Map<string, LayerChoice>();
  for (const tile of tiles) {
    const key = keyOf(tile);
    const previous = wanted.get(key);
    const substream = Math.max(previous && !previous.paused ? previous.substream : 0, tile.visible ? substreamFor(tile.width) : 0);
    const paused = (previous?.paused ?? true) && !tile.visible;
    wanted.set(key, { participantId: tile.participantId, source: tile.source, substream, paused });
  }
  return wanted;
}

/** The wanted layers that differ from those sent last (all of them for a video not sent yet). */
export function layerChanges(wanted: ReadonlyMap<string, LayerChoice>, sent: ReadonlyMap<string, LayerChoice>): [string, LayerChoice][] {
  return [...wanted].filter(([key, choice]) => {
    const last = sent.get(key);
    return !last || last.substream !== choice.substream || last.paused !== choice.paused;
  });
}

/**
 * Watches remote video tiles (size and visibility) and asks for the simulcast layer that
 * fits each one, pausing those off screen. Changes are sent together after a quiet time, and
 * only those that differ from what was sent last. The observers are made on the first tile
 * and let go with the last one.
 */
export class TileLayerTracker {
  readonly #send: (layers: LayerChoice[]) => Promise<void>;
  readonly #delayMs: number;
  #tiles = new Map<Element, Tile>();
  #sent = new Map<string, LayerChoice>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resize: ResizeObserver | null = null;
  #intersection: IntersectionObserver | null = null;

  /**
   * @param send asks the server for these layers (rejecting if it could not)
   * @param delayMs quiet time before sending, in ms (default 300)
   */
  constructor(send: (layers: LayerChoice[]) => Promise<void>, delayMs = 300) {
    this.#send = send;
    this.#delayMs = delayMs;
  }

  /** Starts watching a tile; returns the function that stops. */
  observe(element: Element, participantId: string, source: 'camera' | 'screen'): () => void {
    this.#resize ??= new ResizeObserver((entries) => {
      for (const entry of entries) {
        const tile = this.#tiles.get(entry.target);
        if (tile) tile.width = entry.contentRect.width;
      }
      this.#schedule();
    });
    this.#intersection ??= new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const tile = this.#tiles.get(entry.target);
        if (tile) tile.visible = entry.isIntersecting;
      }
      this.#schedule();
    });
    this.#tiles.set(element, { participantId, source, width: element.getBoundingClientRect().width, visible: true });
    this.#resize.observe(element);
    this.#intersection.observe(element);
    this.#schedule();
    return () => this.#unobserve(element);
  }

  /** Forgets what was sent, so that every tile's layer is sent again (e.g. after a media reconnection). */
  resendAll(): void {
    this.#sent.clear();
    this.#schedule();
  }

  /** Cancels a pending send. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #unobserve(element: Element): void {
    const tile = this.#tiles.get(element);
    if (!tile) return;
    this.#tiles.delete(element);
    this.#resize?.unobserve(element);
    this.#intersection?.unobserve(element);
    // Gone from the stage: its next tile (if any) sends its layer afresh.
    if (![...this.#tiles.values()].some((t) => keyOf(t) === keyOf(tile))) this.#sent.delete(keyOf(tile));
    if (this.#tiles.size === 0) {
      this.#resize?.disconnect();
      this.#intersection?.disconnect();
      this.#resize = null;
      this.#intersection = null;
      this.cancel();
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#flush(), this.#delayMs);
  }

  #flush(): void {
    this.#timer = undefined;
    const changes = layerChanges(wantedLayers(this.#tiles.values()), this.#sent);
    if (changes.length === 0) return;
    for (const [key, choice] of changes) this.#sent.set(key, choice);
    this.#send(changes.map(([, choice]) => choice)).catch(() => {
      // Not applied: send these again with the next change.
      for (const [key, choice] of changes) if (this.#sent.get(key) === choice) this.#sent.delete(key);
    });
  }
}
