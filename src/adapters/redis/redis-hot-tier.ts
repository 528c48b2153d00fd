/**
 * Everything Spool keeps in Redis, opened once per process: the connections (commands, live-bus
 * subscriber, revocation subscriber, one per BullMQ queue or worker), the embedded redis-server
 * when no REDIS_URL is set, and the port implementations on them. Wiring (deps.ts,
 * worker-runtime.ts) asks this for ports and never sees an ioredis type.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../../ports/logger.ts";
import type { QueueName } from "../../protocol/jobs.ts";
import { BullmqJobQueue } from "../bullmq/bullmq-job-queue.ts";
import { type JobHandler, startWorkers, type WorkerSet } from "../bullmq/worker-runner.ts";
import { checkEvictionPolicy, connectRedis } from "./connection.ts";
import { type EmbeddedRedis, startEmbeddedRedis } from "./embedded-redis.ts";
import { RedisKeys } from "./keys.ts";
import { RedisCheckpointStore } from "./redis-checkpoint-store.ts";
import { RedisConversationIndex } from "./redis-conversation-index.ts";
import { RedisKeyRevocations } from "./redis-key-revocations.ts";
import { RedisLeaseStore } from "./redis-lease-store.ts";
import { RedisLiveBus } from "./redis-live-bus.ts";
import { RedisNodeRegistry } from "./redis-node-registry.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import { RedisStreamSlots } from "./redis-stream-slots.ts";

export interface HotTierOptions {
  /** REDIS_URL; null starts (or reuses) the embedded redis-server under `dataDir`. */
  url: string | null;
  dataDir: string;
  prefix: string;
  /** Names the connections (`CLIENT LIST` shows who is who). */
  name: string;
  logger: Logger;
  /** The queues that have workers for finished messages (backfill, embed). */
  finishedQueues: QueueName[];
}

export class RedisHotTier {
  readonly keys: RedisKeys;
  readonly checkpoint: RedisCheckpointStore;
  readonly leases: RedisLeaseStore;
  readonly jobs: BullmqJobQueue;
  /** Per-identity token buckets (take-tokens-2.lua) and open-stream caps, shared by all nodes. */
  readonly rateLimiter: RedisRateLimiter;
  readonly streamSlots: RedisStreamSlots;
  readonly #connections: Redis[] = [];
  #conversations: RedisConversationIndex | null = null;
  #live: RedisLiveBus | null = null;
  #revocations: RedisKeyRevocations | null = null;

  private constructor(
    readonly url: string,
    private readonly redis: Redis,
    private readonly options: HotTierOptions,
    private readonly embedded: EmbeddedRedis | null,
  ) {
    this.#connections.push(redis);
    this.keys = new RedisKeys(options.prefix);
    this.checkpoint = new RedisCheckpointStore(redis, this.keys);
    this.leases = new RedisLeaseStore(redis, this.keys);
    this.rateLimiter = new RedisRateLimiter(redis, this.keys);
    this.streamSlots = new RedisStreamSlots(redis, this.keys);
    this.jobs = new BullmqJobQueue(
      () => this.#connect("bull", true),
      this.keys.bullPrefix(),
      options.finishedQueues,
    );
  }

  /** Connects (starting the embedded server if asked) and refuses a Redis that may evict keys. */
  static async open(options: HotTierOptions): Promise<RedisHotTier> {
    const embedded = options.url ? null : await startEmbeddedRedis(options.dataDir);
    const url = options.url ?? embedded!.url;
    const redis = connectRedis(url, { name: options.name });
    try {
      await checkEvictionPolicy(redis);
    } catch (error) {
      redis.disconnect();
      await embedded?.stop();
      throw error;
    }
    return new RedisHotTier(url, redis, options, embedded);
  }

  /** The live bus (its subscriber connection is opened on first use). */
  get live(): RedisLiveBus {
    this.#live ??= new RedisLiveBus(
      this.redis,
      this.#connect("live"),
      this.keys,
      this.options.logger,
      this.checkpoint.followers,
    );
    return this.#live;
  }

  get revocations(): RedisKeyRevocations {
    this.#revocations ??= new RedisKeyRevocations(
      this.redis,
      this.#connect("revocations"),
      this.keys,
      this.options.logger,
    );
    return this.#revocations;
  }

  /** What the compatibility endpoints remember (history fingerprints, idempotency claims). */
  get conversations(): RedisConversationIndex {
    this.#conversations ??= new RedisConversationIndex(this.redis, this.keys);
    return this.#conversations;
  }

  /** Node registry; a node is dead for routing once its heartbeat is `staleAfterMs` old. */
  registry(staleAfterMs: number, now: () => number): RedisNodeRegistry {
    return new RedisNodeRegistry(this.redis, this.keys, staleAfterMs, now);
  }

  startWorkers(
    handlers: Partial<Record<QueueName, JobHandler>>,
    options: { lockMs?: number },
  ): WorkerSet {
    return startWorkers(
      () => this.#connect("bull", true),
      this.keys.bullPrefix(),
      handlers,
      this.options.logger,
      options,
    );
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** After every user of the connections stopped (workers, queues, actors). */
  async close(): Promise<void> {
    await this.#live?.close();
    await this.#revocations?.close();
    await this.jobs.close();
    for (const connection of this.#connections) connection.disconnect();
    await this.embedded?.stop();
  }

  #connect(role: string, forBullmq = false): Redis {
    const connection = connectRedis(this.url, { forBullmq, name: `${this.options.name}:${role}` });
    this.#connections.push(connection);
    return connection;
  }
}
