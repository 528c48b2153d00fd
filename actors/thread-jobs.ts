/**
 * The one way an actor hands work to the job queue: `persist` for settled tail entries (coalesced
 * by JobBatcher into one job for the highest seq) and `settled` for a message that reached a final
 * state (persist, plus its finished jobs: token backfill and embedding). Both run off the write
 * path, one enqueue in flight per kind, retried after a failure; `drained` is what a stopping
 * actor waits for. (The persist worker enqueues the finished jobs of user and tool messages.)
 */
import type { MessageRecord } from "../src/domain/records.ts";
import type { Clock } from "../src/ports/clock.ts";
import type { JobQueue, MessageRef } from "../src/ports/job-queue.ts";
import type { Logger } from "../src/ports/logger.ts";
import { JobBatcher } from "./job-batcher.ts";

/** Back off 200 ms after a failed enqueue (Redis briefly away) before trying again. */
const RETRY_AFTER_MS = 200;

function refOf(record: MessageRecord): MessageRef {
  return { threadId: record.thread_id, seq: record.seq, rev: record.rev };
}

export class ThreadJobs {
  readonly #persist: JobBatcher;
  #finished: MessageRef[] = [];
  #sending: Promise<void> | null = null;

  constructor(
    private readonly jobs: JobQueue,
    private readonly tenantId: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.#persist = new JobBatcher(jobs, logger, (ms) => this.#sleep(ms));
  }

  /** Settled tail entries to copy into the store. */
  persist(records: MessageRecord[]): void {
    this.#persist.push(records.map(refOf));
  }

  /** A message reached its final state: persist it and run its finished jobs. */
  settled(record: MessageRecord): void {
    this.persist([record]);
    this.#finished.push(refOf(record));
    this.#sending ??= this.#sendFinished();
  }

  /** Resolves when everything handed over so far is in the queue. */
  async drained(): Promise<void> {
    await this.#persist.drained();
    while (this.#sending) await this.#sending;
  }

  async #sendFinished(): Promise<void> {
    while (this.#finished.length > 0) {
      const batch = this.#finished;
      this.#finished = [];
      try {
        await this.jobs.enqueueFinished(this.tenantId, batch);
      } catch (error) {
        this.logger.warn("finished enqueue failed; retrying", { count: batch.length, error });
        this.#finished.unshift(...batch);
        await this.#sleep(RETRY_AFTER_MS);
      }
    }
    this.#sending = null;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }
}
