/**
 * JobQueue in memory: records jobs (one per batch, as on BullMQ) under the ids the BullMQ adapter
 * gives them (protocol/jobs.ts), so a duplicate enqueue is a no-op here too, and lets a test see and take what was queued.
 * Nothing runs the jobs: a test that wants them run calls the handlers of workers/ itself.
 */
import type { DeadLetter, JobQueue, MessageRef, ReembedQueue } from "../../ports/job-queue.ts";
import {
  batchJobId,
  type CompactPayload,
  compactionJobId,
  jobId,
  QUEUE_NAMES,
  type QueueName,
  reembedJobId,
} from "../../protocol/jobs.ts";

export interface QueuedJob {
  queue: QueueName;
  id: string;
  tenantId: string | null;
  refs: MessageRef[];
  /** The walk's position, for a reembed-index job. */
  cursor?: number;
}

export class MemoryJobQueue implements JobQueue, ReembedQueue {
  readonly #jobs = new Map<string, QueuedJob>();
  /** Enqueue calls made (duplicates included), for tests of batching. */
  calls = 0;
  /** When set, the next enqueue calls fail with it (a Redis outage). */
  failWith: Error | null = null;

  constructor(private readonly finishedQueues: QueueName[] = [QUEUE_NAMES.backfill]) {}

  async enqueuePersist(refs: MessageRef[]): Promise<void> {
    this.#call();
    if (refs.length === 0) return;
    const id = batchJobId(QUEUE_NAMES.persist, refs);
    this.#add({ queue: QUEUE_NAMES.persist, id, tenantId: null, refs: [...refs] });
  }

  async enqueueFinished(tenantId: string, refs: MessageRef[]): Promise<void> {
    this.#call();
    if (refs.length === 0) return;
    for (const queue of this.finishedQueues)
      this.#add({ queue, id: batchJobId(queue, refs), tenantId, refs: [...refs] });
  }

  async enqueueReembed(cursor: number): Promise<void> {
    this.#call();
    const id = reembedJobId(cursor);
    this.#add({ queue: QUEUE_NAMES.reembed, id, tenantId: null, refs: [], cursor });
  }

  /** Compaction jobs waiting, by id (a repeat for the same cut keeps one). */
  readonly compactions = new Map<string, CompactPayload>();

  async enqueueCompaction(payload: CompactPayload): Promise<void> {
    this.#call();
    const id = compactionJobId(payload);
    if (!this.compactions.has(id)) this.compactions.set(id, payload);
    const ref = { threadId: payload.thread_id, seq: payload.covers_through_seq, rev: 0 };
    this.#add({ queue: QUEUE_NAMES.compact, id, tenantId: payload.tenant_id, refs: [ref] });
  }

  /** Messages set aside, by version id (a repeat keeps one, as on BullMQ). */
  readonly deadLetters = new Map<string, DeadLetter>();

  async deadLetter(entry: DeadLetter): Promise<void> {
    const id = jobId(QUEUE_NAMES.deadLetter, entry.threadId, entry.seq, entry.rev);
    if (!this.deadLetters.has(id)) this.deadLetters.set(id, entry);
  }

  async deadLetterCount(): Promise<number> {
    return this.deadLetters.size;
  }

  /** Jobs waiting, in enqueue order. */
  waiting(queue?: QueueName): QueuedJob[] {
    return [...this.#jobs.values()].filter((j) => queue === undefined || j.queue === queue);
  }

  /** Removes and returns the waiting jobs (as workers taking them would). */
  take(queue?: QueueName): QueuedJob[] {
    const taken = this.waiting(queue);
    for (const job of taken) this.#jobs.delete(job.id);
    return taken;
  }

  #call(): void {
    this.calls++;
    if (this.failWith) throw this.failWith;
  }

  #add(job: QueuedJob): void {
    if (!this.#jobs.has(job.id)) this.#jobs.set(job.id, job);
  }
}
