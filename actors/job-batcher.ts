/**
 * Hands persist jobs of one thread to the queue (for ThreadJobs, thread-jobs.ts) off the append path: an append is acknowledged
 * once its message is in the Redis tail (durable). One enqueue is in flight at a time, and the
 * refs pushed meanwhile collapse into ONE job for the highest seq: a persist job writes every
 * settled entry of the thread's tail, and each of those refs was in the tail before that job was
 * enqueued, so the one job covers them all (BullMQ's per-job cost dominates). If an enqueue fails
 * the refs are kept and retried, and a takeover re-enqueues whatever is still in the tail
 * (recovery.ts), so a message is never stranded there.
 */
import type { JobQueue, MessageRef } from "../src/ports/job-queue.ts";
import type { Logger } from "../src/ports/logger.ts";

/** Back off 200 ms after a failed enqueue (Redis briefly away) before trying again. */
const RETRY_AFTER_MS = 200;

export class JobBatcher {
  #pending: MessageRef[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
    /** How to wait before a retry (the actor's clock; real time by default). */
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((r) => setTimeout(r, ms)),
  ) {}

  push(refs: MessageRef[]): void {
    if (refs.length === 0) return;
    this.#pending.push(...refs);
    if (!this.#flushing) this.#flushing = this.#flush();
  }

  /** Resolves when everything pushed so far was handed to the queue. */
  async drained(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const highest = this.#pending.reduce((a, b) =>
        b.seq > a.seq || (b.seq === a.seq && b.rev > a.rev) ? b : a,
      );
      const batch = [highest];
      this.#pending = [];
      try {
        await this.jobs.enqueuePersist(batch);
      } catch (error) {
        this.logger.warn("persist enqueue failed; retrying", { count: batch.length, error });
        this.#pending.unshift(...batch);
        await this.sleep(RETRY_AFTER_MS);
      }
    }
    this.#flushing = null;
  }
}
