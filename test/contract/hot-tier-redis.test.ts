/**
 * The hot-tier contract suites on the Redis adapters (checkpoint, lease, live bus) and BullMQ
 * (job queue), against the test process's real redis-server, one fresh key prefix per test.
 */
import { afterAll } from "bun:test";
import { RedisHotTier } from "../../src/adapters/redis/redis-hot-tier.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { QUEUE_NAMES, type QueueName } from "../../src/protocol/jobs.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";
import { checkpointGroupContract } from "./checkpoint-group.contract.ts";
import { checkpointStoreContract } from "./checkpoint-store.contract.ts";
import type { StoreFactory } from "./contract-kit.ts";
import type { HotTierPorts } from "./hot-tier-kit.ts";
import { jobQueueContract } from "./job-queue.contract.ts";
import { leaseStoreContract } from "./lease-store.contract.ts";
import { liveBusContract } from "./live-bus.contract.ts";

const open = new Set<RedisHotTier>();
afterAll(async () => {
  for (const hot of open) await hot.close();
});

const redis: StoreFactory<HotTierPorts> = async () => {
  const server = await testRedis();
  const hot = await RedisHotTier.open({
    url: server.url,
    dataDir: "",
    prefix: freshPrefix("hot"),
    name: "spool:contract",
    logger: silentLogger,
    finishedQueues: [QUEUE_NAMES.backfill, QUEUE_NAMES.embed],
  });
  open.add(hot);
  return {
    store: {
      checkpoint: hot.checkpoint,
      leases: hot.leases,
      live: hot.live,
      jobs: hot.jobs,
      queuedJobIds: async (queue) =>
        (await hot.jobs.queue(queue as QueueName).getJobs(["waiting", "delayed", "prioritized"]))
          .map((job) => job.id ?? "")
          .filter((id) => id !== ""),
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
    cleanup: async () => {
      open.delete(hot);
      await hot.close();
    },
  };
};

checkpointStoreContract("redis", redis);
checkpointGroupContract("redis", redis);
leaseStoreContract("redis", redis);
liveBusContract("redis", redis);
jobQueueContract("bullmq", redis);
