/**
 * Wiring of the BullMQ workers: builds the ports the job handlers (workers/) need and starts them,
 * and schedules the orphan reaper. Used inside the server (WORKERS=embedded, deps.ts) and by the
 * separate worker process (`bun workers/main.ts`, `createWorkerProcess`): one code path for both.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { jobHandlers } from "../workers/handlers.ts";
import { BullmqJobQueue } from "./adapters/bullmq/bullmq-job-queue.ts";
import { startWorkers, type WorkerSet } from "./adapters/bullmq/worker-runner.ts";
import { checkEvictionPolicy, connectRedis } from "./adapters/redis/connection.ts";
import { RedisKeys } from "./adapters/redis/keys.ts";
import { RedisCheckpointStore } from "./adapters/redis/redis-checkpoint-store.ts";
import { RedisLeaseStore } from "./adapters/redis/redis-lease-store.ts";
import { TiktokenTokenizer } from "./adapters/tokenizer/tiktoken-tokenizer.ts";
import { openStores, type Stores } from "./backends.ts";
import type { Config } from "./config.ts";
import type { CheckpointStore } from "./ports/checkpoint.ts";
import type { LeaseStore } from "./ports/lease.ts";
import type { Logger } from "./ports/logger.ts";
import type { Metrics } from "./ports/metrics.ts";

export interface JobWorkersInput {
  config: Config;
  logger: Logger;
  stores: Stores;
  checkpoint: CheckpointStore;
  leases: LeaseStore;
  jobs: BullmqJobQueue;
  prefix: string;
  bullConnection: () => Redis;
  /** Counts failed job attempts (the server's registry when workers are embedded). */
  metrics?: Metrics;
}

/** The queues whose jobs follow every finished message (BullmqJobQueue's finished queues). */
export const FINISHED_QUEUES = ["backfill-tokens", "embed-message"] as const;

export async function startJobWorkers(input: JobWorkersInput): Promise<WorkerSet> {
  const { config, stores } = input;
  const handlers = jobHandlers({
    store: stores.store,
    checkpoint: input.checkpoint,
    leases: input.leases,
    jobs: input.jobs,
    search: stores.search,
    embedder: stores.embedder,
    tokenizer: new TiktokenTokenizer(),
    logger: input.logger,
    nodeId: `reaper-${config.nodeId}-${randomUUID().slice(0, 8)}`,
    leaseTtlMs: config.lease.ttlMs,
    closedLogTtlMs: config.limits.dedupTtlMs,
  });
  const workers = startWorkers(input.bullConnection, input.prefix, handlers, input.logger, {
    lockMs: config.jobLockMs,
    ...(input.metrics ? { metrics: input.metrics } : {}),
  });
  await input.jobs.scheduleReaper(config.reaper.everyMs);
  return workers;
}

export interface WorkerProcess {
  close(): Promise<void>;
}

/** A process that only runs workers: Redis (REDIS_URL is required) and the stores, no HTTP. */
export async function createWorkerProcess(config: Config, logger: Logger): Promise<WorkerProcess> {
  const url = config.redis.url;
  if (!url) throw new Error("workers/main.ts needs REDIS_URL (the server's Redis)");
  const redis = connectRedis(url, { name: `spool:${config.nodeId}:workers` });
  await checkEvictionPolicy(redis);
  const connections: Redis[] = [redis];
  const bullConnection = () => {
    const connection = connectRedis(url, { forBullmq: true, name: `spool:${config.nodeId}:bull` });
    connections.push(connection);
    return connection;
  };
  const keys = new RedisKeys(config.redis.prefix);
  const stores = await openStores(config);
  const jobs = new BullmqJobQueue(bullConnection, keys.bullPrefix(), [...FINISHED_QUEUES]);
  const workers = await startJobWorkers({
    config,
    logger,
    stores,
    checkpoint: new RedisCheckpointStore(redis, keys),
    leases: new RedisLeaseStore(redis, keys),
    jobs,
    prefix: keys.bullPrefix(),
    bullConnection,
  });
  return {
    async close() {
      await workers.close();
      await jobs.close();
      for (const connection of connections) connection.disconnect();
      await stores.close();
    },
  };
}
