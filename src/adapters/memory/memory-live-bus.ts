/**
 * LiveBus in memory: one bus object stands for the channel every "node" of a test shares. Like
 * Redis pub/sub, delivery is asynchronous (a microtask after `publish`), in publish order per
 * thread, and at most once; `loseNext(n)` drops the next n publishes so tests can make the gaps
 * followers must repair from the checkpoint.
 */
import type { LiveBus, LiveEntry } from "../../ports/live-bus.ts";

type Handler = (entries: LiveEntry[]) => void;

export class MemoryLiveBus implements LiveBus {
  readonly #handlers = new Map<string, Set<Handler>>();
  #toLose = 0;
  #published = 0;

  /** Publishes seen (lost ones included). */
  get published(): number {
    return this.#published;
  }

  loseNext(count: number): void {
    this.#toLose += count;
  }

  publish(threadId: string, entries: readonly LiveEntry[]): void {
    this.#published++;
    if (this.#toLose > 0) {
      this.#toLose--;
      return;
    }
    // Copied as the wire would: a handler cannot change what the publisher holds.
    const copy = entries.map(({ seq, offset, json, final }) => ({ seq, offset, json, final }));
    queueMicrotask(() => {
      for (const handler of this.#handlers.get(threadId) ?? []) handler(copy);
    });
  }

  async subscribe(threadId: string, onEntries: Handler): Promise<() => void> {
    let handlers = this.#handlers.get(threadId);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(threadId, handlers);
    }
    // A wrapper per call: subscribing one function twice gives two independent subscriptions.
    const handler: Handler = (entries) => onEntries(entries);
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.#handlers.delete(threadId);
    };
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
