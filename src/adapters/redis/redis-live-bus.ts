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
import { LiveFollowers } from "./live-followers.ts";

type Handler = (entries: LiveEntry[]) => void;
type Wire = [number, number, 0 | 1, string][];

/**
 * 30 s of watchers key per renewal, renewed every 10 s: three renewals must be missed (an event
 * loop stalled for 20 s) before an owner stops publishing to a node that still follows.
 */
const WATCHERS_TTL_MS = 30_000;
const WATCHERS_RENEW_MS = WATCHERS_TTL_MS / 3;

export class RedisLiveBus implements LiveBus {
  readonly #handlers = new Map<string, Set<Handler>>();
  /** Followed thread id per channel, for the watchers renewal. */
  readonly #watched = new Map<string, string>();
  readonly #renewal: ReturnType<typeof setInterval>;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
    private readonly followers = new LiveFollowers(),
  ) {
    subscriber.on("message", (channel: string, message: string) =>
      this.#dispatch(channel, message),
    );
    this.#renewal = setInterval(() => this.#renewWatchers(), WATCHERS_RENEW_MS);
    this.#renewal.unref?.();
  }

  publish(threadId: string, entries: readonly LiveEntry[]): void {
    if (!this.followers.followed(threadId)) return;
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
    // Watchers first, then SUBSCRIBE, then (the caller) the replay: an append before the key is in
    // the replay; one after it is published (live-followers.ts).
    this.#watched.set(channel, threadId);
    await this.publisher.set(this.keys.watchers(threadId), "1", "PX", WATCHERS_TTL_MS);
    // Resolves once Redis confirmed; a repeated SUBSCRIBE is harmless and confirms again.
    await this.subscriber.subscribe(channel);
    return () => this.#unsubscribe(channel, onEntries);
  }

  async close(): Promise<void> {
    clearInterval(this.#renewal);
    this.#handlers.clear();
    this.#watched.clear();
    this.subscriber.disconnect();
  }

  #unsubscribe(channel: string, handler: Handler): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    handlers.delete(handler);
    if (handlers.size > 0) return;
    this.#handlers.delete(channel);
    // The key is left to expire: another node may follow the thread too.
    this.#watched.delete(channel);
    this.subscriber.unsubscribe(channel).catch((error) => {
      this.logger.warn("live unsubscribe failed", { channel, error });
    });
  }

  #renewWatchers(): void {
    if (this.#watched.size === 0) return;
    const pipeline = this.publisher.pipeline();
    for (const threadId of this.#watched.values()) {
      pipeline.set(this.keys.watchers(threadId), "1", "PX", WATCHERS_TTL_MS);
    }
    pipeline.exec().catch((error) => {
      // The next renewal retries; the key outlives two missed renewals.
      this.logger.warn("live watchers renewal failed", { error });
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
