/** A tiny typed event emitter (no dependency, no Node `events`): `on` returns an unsubscribe. */

// biome-ignore lint/suspicious/noExplicitAny: listener tuples are checked at each `on` / `emit`
type Listeners = Record<string, (...args: any[]) => void>;

export class Emitter<L extends Listeners> {
  #listeners = new Map<keyof L, Set<L[keyof L]>>();

  on<K extends keyof L>(type: K, listener: L[K]): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<K extends keyof L>(type: K, ...args: Parameters<L[K]>): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        listener(...args);
      } catch (error) {
        // a listener's bug must not break the stream for the other listeners, nor crash the app
        console.error("spool: an event listener threw", error);
      }
    }
  }
}

/** `req_` + 24 hex chars; crypto.randomUUID is missing on insecure origins, getRandomValues is not. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `req_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
