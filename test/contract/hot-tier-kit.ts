/**
 * What the hot-tier contract suites (checkpoint, lease, live bus, job queue) get from a factory:
 * the ports of one fresh namespace, and `wait(ms)` that lets that much time pass (real time on
 * Redis, the fake clock on memory), so expiry is tested the same way on both.
 */
import type { CheckpointStore } from "../../src/ports/checkpoint.ts";
import type { JobQueue, ReembedQueue } from "../../src/ports/job-queue.ts";
import type { LeaseStore } from "../../src/ports/lease.ts";
import type { LiveBus } from "../../src/ports/live-bus.ts";

export interface HotTierPorts {
  checkpoint: CheckpointStore;
  leases: LeaseStore;
  live: LiveBus;
  jobs: JobQueue & ReembedQueue;
  /** Job ids waiting in `queue` (read through the backend, not through the port). */
  queuedJobIds(queue: string): Promise<string[]>;
  wait(ms: number): Promise<void>;
}

/** Waits until `check` holds (live-bus delivery is asynchronous on every adapter). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
