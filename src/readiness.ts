/**
 * `/readyz`: Redis answers, the store answers, and a canary job goes through the workers (a worker
 * can silently stop consuming after a Redis restart; only a job that completes proves it does not).
 */
import type { Redis } from "ioredis";
import type { BullmqJobQueue } from "./adapters/bullmq/bullmq-job-queue.ts";
import type { ThreadStore } from "./ports/thread-store.ts";
import { QUEUE_NAMES } from "./protocol/jobs.ts";

/** 3 s for a canary round trip: workers poll instantly; longer means they are stuck. */
const CANARY_TIMEOUT_MS = 3000;
const CANARY_POLL_MS = 20;

export class Readiness {
  constructor(
    private readonly redis: Redis,
    private readonly store: ThreadStore,
    private readonly jobs: BullmqJobQueue,
    private readonly checkWorkers: boolean,
  ) {}

  async check(): Promise<Record<string, string>> {
    await this.redis.ping();
    await this.store.lastSeq("thr_readiness_probe");
    const checks: Record<string, string> = { redis: "ok", store: "ok" };
    if (this.checkWorkers) checks.workers = await this.#canary();
    return checks;
  }

  async #canary(): Promise<string> {
    const queue = this.jobs.queue(QUEUE_NAMES.canary);
    const job = await queue.add(
      "canary",
      { at: Date.now() },
      { removeOnComplete: false, removeOnFail: true },
    );
    const until = Date.now() + CANARY_TIMEOUT_MS;
    try {
      while (Date.now() < until) {
        if (await job.isCompleted()) return "ok";
        await new Promise((r) => setTimeout(r, CANARY_POLL_MS));
      }
      throw new Error("workers did not complete a canary job within 3 s");
    } finally {
      await job.remove().catch(() => undefined);
    }
  }
}
