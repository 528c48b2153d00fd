/**
 * Background work handed to the workers (BullMQ). Delivery is at least once; every job is
 * idempotent, and job ids are derived from what they act on so a duplicate enqueue is a no-op.
 */
export interface MessageRef {
  threadId: string;
  seq: number;
  rev: number;
}

export interface JobQueue {
  /** Persist these tail entries to the store (then trim them from the tail). */
  enqueuePersist(refs: MessageRef[]): Promise<void>;
  /** A message reached a final state: backfill its tokens and index it for search. */
  enqueueFinished(tenantId: string, refs: MessageRef[]): Promise<void>;
}

/** Proof that workers consume: a no-op job sent through them must complete within `timeoutMs`
 * (a worker can silently stop consuming after a Redis restart). Throws when it does not. */
export interface WorkerCanary {
  canary(timeoutMs: number): Promise<void>;
}
