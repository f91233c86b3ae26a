/**
 * A minimal typed event emitter. `Events` maps each event name to its argument tuple.
 * A listener that throws is reported to `onListenerError` and never breaks the emitter
 * or the other listeners.
 */
export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;
// Listeners are stored untyped; `on` and `emit` keep the pairing of event and arguments.
type AnyListener = (...args: unknown[]) => void;

export class TypedEmitter<Events extends EventMap> {
  #listeners = new Map<keyof Events, Set<AnyListener>>();

  /** Called with any error a listener throws (default: logged to stderr). */
  onListenerError: (error: unknown, event: keyof Events) => void = (error, event) => {
    console.error(`listener for "${String(event)}" threw`, error);
  };

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(event)?.delete(listener as AnyListener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        try {
          this.onListenerError(error, event);
        } catch {
          // The error reporter itself failed: nothing more can be done safely.
        }
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
