/**
 * JobQueue on BullMQ. One Queue (and one connection) per queue name. A batch of refs is one job,
 * its id derived from the versions it names (`batchJobId`), and finished jobs are removed, so
 * re-enqueueing versions that were already handled is a cheap no-op at the worker (it finds
 * nothing newer to do).
 */
import { type JobType, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type {
  DeadLetter,
  JobQueue,
  MessageRef,
  ReembedQueue,
  WorkerCanary,
} from "../../ports/job-queue.ts";
import type { QueueDepth } from "../../ports/metrics.ts";
import {
  batchJobId,
  type CompactPayload,
  compactionJobId,
  jobId,
  QUEUE_NAMES,
  type QueueName,
  REAPER_SCHEDULER_ID,
  RETENTION_SCHEDULER_ID,
  reembedJobId,
} from "../../protocol/jobs.ts";

/** Transient failures (store down) retry with backoff: 10 tries over ~5 minutes. */
const JOB_ATTEMPTS = 10;
const BACKOFF_BASE_MS = 500;
/** Keep a few failed jobs for the admin page, not an unbounded history. */
const KEEP_FAILED_JOBS = 1000;

/** The job states /metrics reports per queue. */
const QUEUE_STATES: JobType[] = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "failed",
  "completed",
];

/** 3 tries, 2 s apart then 4 s: a summary is worth a retry, not minutes of model calls. */
const COMPACT_ATTEMPTS = 3;
const COMPACT_BACKOFF_MS = 2000;

export const DEFAULT_JOB_OPTIONS = {
  attempts: JOB_ATTEMPTS,
  backoff: { type: "exponential", delay: BACKOFF_BASE_MS },
  removeOnComplete: true,
  removeOnFail: KEEP_FAILED_JOBS,
} as const;

/** How often the canary's state is polled: workers take a job at once, so this is the latency. */
const CANARY_POLL_MS = 20;

/** A ref after the first of a finished payload: its thread is named when not the first's. */
function finishedRef(firstThread: string) {
  return ({ threadId, seq, rev }: MessageRef) =>
    threadId === firstThread ? { seq, rev } : { thread_id: threadId, seq, rev };
}

export class BullmqJobQueue implements JobQueue, ReembedQueue, WorkerCanary {
  readonly #queues = new Map<QueueName, Queue>();
  /** For the dead-letter ids (BullMQ keeps its connections to itself). */
  #counter: Redis | null = null;

  /** `finishedQueues`: the queues that have workers for finished messages (backfill, embed). */
  constructor(
    private readonly connect: () => Redis,
    private readonly prefix: string,
    private readonly finishedQueues: QueueName[],
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connect(),
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  allQueues(): Queue[] {
    return Object.values(QUEUE_NAMES).map((name) => this.queue(name));
  }

  /** Jobs per queue and state, for /metrics (one round trip per queue). */
  async depths(): Promise<QueueDepth[]> {
    const perQueue = await Promise.all(
      this.allQueues().map(async (queue) => {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        return Object.entries(counts).map(([state, count]) => ({
          queue: queue.name,
          state,
          count,
        }));
      }),
    );
    return perQueue.flat();
  }

  /** The whole batch (any threads) is one job: one dequeue, one store transaction. */
  async enqueuePersist(refs: MessageRef[]): Promise<void> {
    const [first, ...rest] = refs;
    if (!first) return;
    const data = { thread_id: first.threadId, seq: first.seq, rev: first.rev };
    await this.queue(QUEUE_NAMES.persist).add(
      QUEUE_NAMES.persist,
      rest.length
        ? { ...data, more: rest.map((r) => ({ thread_id: r.threadId, seq: r.seq, rev: r.rev })) }
        : data,
      { jobId: batchJobId(QUEUE_NAMES.persist, refs) },
    );
  }

  /** One job per finished queue for the whole batch (any threads of the tenant). */
  async enqueueFinished(tenantId: string, refs: MessageRef[]): Promise<void> {
    const [first, ...rest] = refs;
    if (!first) return;
    const data = { tenant_id: tenantId, thread_id: first.threadId, seq: first.seq, rev: first.rev };
    const payload = rest.length ? { ...data, more: rest.map(finishedRef(first.threadId)) } : data;
    await Promise.all(
      this.finishedQueues.map((name) =>
        this.queue(name).add(name, payload, { jobId: batchJobId(name, refs) }),
      ),
    );
  }

  /** A failed run is removed, not kept: the next start enqueues the same position again. */
  async enqueueReembed(cursor: number): Promise<void> {
    await this.queue(QUEUE_NAMES.reembed).add(
      QUEUE_NAMES.reembed,
      { cursor },
      { jobId: reembedJobId(cursor), removeOnFail: true },
    );
  }

  async enqueueCompaction(payload: CompactPayload): Promise<void> {
    await this.queue(QUEUE_NAMES.compact).add(QUEUE_NAMES.compact, payload, {
      jobId: compactionJobId(payload),
      attempts: COMPACT_ATTEMPTS,
      backoff: { type: "exponential", delay: COMPACT_BACKOFF_MS },
    });
  }

  async deadLetter(entry: DeadLetter): Promise<void> {
    const queue = this.queue(QUEUE_NAMES.deadLetter);
    await queue.add(
      QUEUE_NAMES.deadLetter,
      {
        thread_id: entry.threadId,
        seq: entry.seq,
        rev: entry.rev,
        reason: entry.reason,
        record: entry.record,
        at: new Date().toISOString(),
      },
      {
        jobId: jobId(QUEUE_NAMES.deadLetter, entry.threadId, entry.seq, entry.rev),
        // Kept until an operator removes them: they are data, not history.
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
    // After the add (idempotent by job id): one entry per version, however many jobs saw it.
    const id = jobId(QUEUE_NAMES.deadLetter, entry.threadId, entry.seq, entry.rev);
    await this.#redis().hsetnx(this.#deadLetterIdsKey(), id, Date.now());
  }

  async deadLetterCount(): Promise<number> {
    return this.#redis().hlen(this.#deadLetterIdsKey());
  }

  #redis(): Redis {
    this.#counter ??= this.connect();
    return this.#counter;
  }

  /** Every version ever dead-lettered (id → epoch ms), beside BullMQ's keys of the queue. */
  #deadLetterIdsKey(): string {
    return `${this.prefix}:${QUEUE_NAMES.deadLetter}:ids`;
  }

  /** Upserts the reaper's repeating job; every process may call it, one schedule results. */
  async scheduleReaper(everyMs: number): Promise<void> {
    await this.queue(QUEUE_NAMES.reap).upsertJobScheduler(
      REAPER_SCHEDULER_ID,
      { every: everyMs },
      { name: QUEUE_NAMES.reap, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  /** Upserts the retention worker's repeating job (one schedule, whoever calls it). */
  async scheduleRetention(everyMs: number): Promise<void> {
    await this.queue(QUEUE_NAMES.retention).upsertJobScheduler(
      RETENTION_SCHEDULER_ID,
      { every: everyMs },
      {
        name: QUEUE_NAMES.retention,
        data: {},
        opts: { removeOnComplete: true, removeOnFail: 100 },
      },
    );
  }

  async canary(timeoutMs: number): Promise<void> {
    const queue = this.queue(QUEUE_NAMES.canary);
    const job = await queue.add(
      "canary",
      { at: Date.now() },
      { removeOnComplete: false, removeOnFail: true },
    );
    const until = Date.now() + timeoutMs;
    try {
      while (Date.now() < until) {
        if (await job.isCompleted()) return;
        await new Promise((r) => setTimeout(r, CANARY_POLL_MS));
      }
      throw new Error(`workers did not complete a canary job within ${timeoutMs / 1000} s`);
    } finally {
      // Best effort: a leftover canary is removed by BullMQ's own retention; nothing depends on it.
      await job.remove().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#counter?.disconnect();
  }
}
