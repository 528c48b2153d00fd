/**
 * Wiring of the BullMQ workers: builds the ports the job handlers (workers/) need and starts them,
 * and schedules the orphan reaper and the retention worker (which stops a thread's owner on any
 * node through the lease, the node registry and the internal route before it deletes it). Used inside the server (WORKERS=embedded, deps.ts) and by the
 * separate worker process (`bun workers/main.ts`, `createWorkerProcess`): one code path for both.
 */
import { randomUUID } from "node:crypto";
import { stopOwnerByLease } from "../actors/owner-stop.ts";
import { removeThread } from "../actors/thread-removal.ts";
import { jobHandlers } from "../workers/handlers.ts";
import type { WorkerSet } from "./adapters/bullmq/worker-runner.ts";
import { HttpOwnerClient } from "./adapters/internal/http-owner-client.ts";
import { instrumentBackfill } from "./adapters/metrics/instrumented.ts";
import { RedisHotTier } from "./adapters/redis/redis-hot-tier.ts";
import { ThreadedTokenizer } from "./adapters/tokenizer/threaded-tokenizer.ts";
import { openStores, type Stores } from "./backends.ts";
import type { Config } from "./config.ts";
import { randomToken } from "./domain/ids.ts";
import { systemClock } from "./ports/clock.ts";
import type { ModelCatalog } from "./ports/llm.ts";
import type { Logger } from "./ports/logger.ts";
import type { Metrics } from "./ports/metrics.ts";

/** The queues whose jobs follow every finished message (BullmqJobQueue's finished queues). */
export const FINISHED_QUEUES = ["backfill-tokens", "embed-message"] as const;

export async function startJobWorkers(
  config: Config,
  logger: Logger,
  stores: Stores,
  hot: RedisHotTier,
  /** Where /metrics is served (the embedded workers); a worker process has none. */
  metrics?: Metrics,
): Promise<WorkerSet> {
  const tokenizer = new ThreadedTokenizer();
  // The cluster's internal secret, as deps.ts loads it (one first-writer-wins setting, 48 bytes):
  // the retention worker tells an owner on any node to stop a thread before it deletes it.
  const internal = await stores.tenants.getOrCreateSetting("internal_secret", () =>
    randomToken(48),
  );
  const stopOwner = stopOwnerByLease({
    leases: hot.leases,
    registry: hot.registry(config.lease.ttlMs, () => Date.now()),
    client: new HttpOwnerClient(internal),
  });
  const removal = {
    stopOwner,
    checkpoint: hot.checkpoint,
    store: stores.store,
    search: stores.search,
  };
  let catalog: Promise<ModelCatalog> | null = null;
  const handlers = jobHandlers({
    // Compaction calls a model: the provider SDKs load on the first summary, not at start.
    catalog: () => {
      catalog ??= import("./model-catalog.ts").then((m) => m.modelCatalog(config));
      return catalog;
    },
    store: stores.store,
    checkpoint: hot.checkpoint,
    leases: hot.leases,
    jobs: hot.jobs,
    search: stores.search,
    backfill:
      stores.vectorBackfill && metrics
        ? instrumentBackfill(stores.vectorBackfill, metrics)
        : stores.vectorBackfill,
    reembedJobs: hot.jobs,
    embedder: stores.embedder,
    tokenizer,
    logger,
    nodeId: `reaper-${config.nodeId}-${randomUUID().slice(0, 8)}`,
    leaseTtlMs: config.lease.ttlMs,
    closedLogTtlMs: config.limits.dedupTtlMs,
    retention: {
      tenants: stores.tenants,
      store: stores.store,
      clock: systemClock,
      logger,
      removeThread: (thread) => removeThread(removal, thread),
    },
  });
  const workers = hot.startWorkers(handlers, { lockMs: config.jobLockMs });
  await hot.jobs.scheduleReaper(config.reaper.everyMs);
  await hot.jobs.scheduleRetention(config.retention.everyMs);
  // Every start: a run that finds nothing to re-embed ends at once; one that died goes on.
  if (stores.vectorBackfill) await hot.jobs.enqueueReembed(await stores.vectorBackfill.cursor());
  return {
    async close() {
      await workers.close();
      tokenizer.close();
    },
  };
}

export interface WorkerProcess {
  close(): Promise<void>;
}

/** A process that only runs workers: Redis (REDIS_URL is required) and the stores, no HTTP. */
export async function createWorkerProcess(config: Config, logger: Logger): Promise<WorkerProcess> {
  const url = config.redis.url;
  if (!url) throw new Error("workers/main.ts needs REDIS_URL (the server's Redis)");
  const hot = await RedisHotTier.open({
    url,
    dataDir: config.dataDir,
    prefix: config.redis.prefix,
    name: `spool:${config.nodeId}:workers`,
    logger,
    finishedQueues: [...FINISHED_QUEUES],
  });
  const stores = await openStores(config);
  const workers = await startJobWorkers(config, logger, stores, hot);
  return {
    async close() {
      await workers.close();
      await hot.close();
      await stores.close();
    },
  };
}
