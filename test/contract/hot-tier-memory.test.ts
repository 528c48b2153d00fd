/**
 * The hot-tier contract suites on the memory adapters (src/adapters/memory/), with the fake clock
 * standing in for time: the same cases the Redis adapters pass (hot-tier-redis.test.ts).
 */
import { FakeClock } from "../../src/adapters/memory/fake-clock.ts";
import { MemoryCheckpointStore } from "../../src/adapters/memory/memory-checkpoint-store.ts";
import { MemoryJobQueue } from "../../src/adapters/memory/memory-job-queue.ts";
import { MemoryLeaseStore } from "../../src/adapters/memory/memory-lease-store.ts";
import { MemoryLiveBus } from "../../src/adapters/memory/memory-live-bus.ts";
import { QUEUE_NAMES, type QueueName } from "../../src/protocol/jobs.ts";
import { checkpointGroupContract } from "./checkpoint-group.contract.ts";
import { checkpointStoreContract } from "./checkpoint-store.contract.ts";
import type { StoreFactory } from "./contract-kit.ts";
import type { HotTierPorts } from "./hot-tier-kit.ts";
import { jobQueueContract } from "./job-queue.contract.ts";
import { leaseStoreContract } from "./lease-store.contract.ts";
import { liveBusContract } from "./live-bus.contract.ts";

const memory: StoreFactory<HotTierPorts> = async () => {
  const clock = new FakeClock();
  const leases = new MemoryLeaseStore(clock);
  const jobs = new MemoryJobQueue([QUEUE_NAMES.backfill, QUEUE_NAMES.embed]);
  return {
    store: {
      checkpoint: new MemoryCheckpointStore(leases, clock),
      leases,
      live: new MemoryLiveBus(),
      jobs,
      queuedJobIds: async (queue) => jobs.waiting(queue as QueueName).map((j) => j.id),
      wait: (ms) => clock.advance(ms),
    },
    cleanup: async () => undefined,
  };
};

checkpointStoreContract("memory", memory);
checkpointGroupContract("memory", memory);
leaseStoreContract("memory", memory);
liveBusContract("memory", memory);
jobQueueContract("memory", memory);
