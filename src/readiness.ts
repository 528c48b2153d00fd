/**
 * `/readyz`: the hot tier answers, the store answers, and a canary job goes through the workers (a
 * worker can silently stop consuming after a Redis restart; only a job that completes proves it
 * does not). Sees ports only: deps.ts hands it the probes.
 */
import type { WorkerCanary } from "./ports/job-queue.ts";
import type { ThreadStore } from "./ports/thread-store.ts";

/** 3 s for a canary round trip: workers poll instantly; longer means they are stuck. */
const CANARY_TIMEOUT_MS = 3000;

export interface ReadinessProbes {
  /** Throws when the hot tier (Redis) does not answer. */
  pingHotTier(): Promise<void>;
  store: ThreadStore;
  /** Null when this process runs no workers (WORKERS=external): nothing to prove here. */
  workers: WorkerCanary | null;
}

export class Readiness {
  constructor(private readonly probes: ReadinessProbes) {}

  async check(): Promise<Record<string, string>> {
    await this.probes.pingHotTier();
    await this.probes.store.lastSeq("thr_readiness_probe");
    const checks: Record<string, string> = { redis: "ok", store: "ok" };
    if (this.probes.workers) {
      await this.probes.workers.canary(CANARY_TIMEOUT_MS);
      checks.workers = "ok";
    }
    return checks;
  }
}
