import type { CompactPayload } from "../protocol/jobs.ts";

/**
 * Background work handed to the workers (BullMQ). Delivery is at least once; every job is
 * idempotent, and job ids are derived from what they act on so a duplicate enqueue is a no-op.
 */
export interface MessageRef {
  threadId: string;
  seq: number;
  rev: number;
}

/** A message version the persist job could not write: set aside, so the thread goes on. */
export interface DeadLetter {
  threadId: string;
  seq: number;
  rev: number;
  /** Why it could not be written (the store's error message). */
  reason: string;
  /** The tail entry as read, kept whole so an operator can repair and restore it. */
  record: unknown;
}

export interface JobQueue {
  /**
   * Persist these tail entries (of any threads) to the store, then trim them from the tails: one
   * job for the whole call, id from its contents (protocol/jobs.ts `batchJobId`), so a repeat of
   * the same batch is a no-op and a different batch is never taken for a repeat.
   */
  enqueuePersist(refs: MessageRef[]): Promise<void>;
  /**
   * Messages of the tenant reached a final state: backfill their tokens and index them for
   * search. One job per finished queue for the whole call (ids as for persist).
   */
  enqueueFinished(tenantId: string, refs: MessageRef[]): Promise<void>;
  /**
   * Keeps a message that cannot be persisted where an operator sees it (the `dead-letter` queue on
   * the admin page) and counts it. At least once: a repeat keeps one record (ids per version).
   */
  deadLetter(entry: DeadLetter): Promise<void>;
  /** Messages set aside so far on this Redis (monotonic; for /metrics). */
  deadLetterCount(): Promise<number>;
  /**
   * Summarize a thread's older messages (compaction). Id by thread and `covers_through_seq`: a
   * repeat for the same cut is a no-op. The worker leaves a summary draft in the checkpoint.
   */
  enqueueCompaction(payload: CompactPayload): Promise<void>;
}

/**
 * The re-embedding walk's queue (workers/reembed-index.ts). Job ids come from the cursor
 * (protocol/jobs.ts `reembedJobId`): every process enqueues one at start, and while one waits at
 * a position, a repeat is a no-op.
 */
export interface ReembedQueue {
  enqueueReembed(cursor: number): Promise<void>;
}

/** Proof that workers consume: a no-op job sent through them must complete within `timeoutMs`
 * (a worker can silently stop consuming after a Redis restart). Throws when it does not. */
export interface WorkerCanary {
  canary(timeoutMs: number): Promise<void>;
}
