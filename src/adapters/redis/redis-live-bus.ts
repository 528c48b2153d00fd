/**
 * LiveBus on Redis pub/sub: one channel per thread (`keys.live(id)`, inside the thread's hash
 * tag), published on the node's command connection (so a batch is published after its checkpoint
 * write, in order), received on one dedicated subscriber connection per node.
 * Message: JSON array of [seq, offset, final 0|1, event json].
 */
import type { Redis } from "ioredis";
import type { LiveBus, LiveEntry } from "../../ports/live-bus.ts";
import type { Logger } from "../../ports/logger.ts";
import type { RedisKeys } from "./keys.ts";

type Handler = (entries: LiveEntry[]) => void;
type Wire = [number, number, 0 | 1, string][];

export class RedisLiveBus implements LiveBus {
  readonly #handlers = new Map<string, Set<Handler>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    subscriber.on("message", (channel: string, message: string) =>
      this.#dispatch(channel, message),
    );
  }

  publish(threadId: string, entries: readonly LiveEntry[]): void {
    const wire: Wire = entries.map((e) => [e.seq, e.offset, e.final ? 1 : 0, e.json]);
    this.publisher.publish(this.keys.live(threadId), JSON.stringify(wire)).catch((error) => {
      // Followers repair gaps from the checkpoint; a lost publish only costs them a replay.
      this.logger.warn("live publish failed", { thread: threadId, error });
    });
  }

  async subscribe(threadId: string, onEntries: Handler): Promise<() => void> {
    const channel = this.keys.live(threadId);
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(onEntries);
    // Resolves once Redis confirmed; a repeated SUBSCRIBE is harmless and confirms again.
    await this.subscriber.subscribe(channel);
    return () => this.#unsubscribe(channel, onEntries);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.subscriber.disconnect();
  }

  #unsubscribe(channel: string, handler: Handler): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    handlers.delete(handler);
    if (handlers.size > 0) return;
    this.#handlers.delete(channel);
    this.subscriber.unsubscribe(channel).catch((error) => {
      this.logger.warn("live unsubscribe failed", { channel, error });
    });
  }

  #dispatch(channel: string, message: string): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    const entries = (JSON.parse(message) as Wire).map(([seq, offset, final, json]) => ({
      seq,
      offset,
      final: final === 1,
      json,
    }));
    for (const handler of handlers) handler(entries);
  }
}
