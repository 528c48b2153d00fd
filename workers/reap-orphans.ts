/**
 * reap-orphans (a BullMQ job scheduler, every few seconds): finalizes streams whose owner is gone.
 * It walks the in-progress index; a thread whose lease is live is never touched (read only). For
 * one whose lease lapsed it takes the lease itself (a new fencing epoch, so a late owner is
 * refused), finalizes each in-progress message from its checkpoint through the same domain path
 * as an actor's takeover (incomplete / interrupted, estimated usage, closing events appended to
 * the log that subscribers replay), queues persistence, releases the lease and drops the entry.
 * A thread deleted from the store has its hot-tier keys removed instead.
 */
import { finalizeFromLog } from "../src/domain/interrupted-message.ts";
import type { MessageRecord } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { JobQueue } from "../src/ports/job-queue.ts";
import type { LeaseStore } from "../src/ports/lease.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import type { LogEvent } from "../src/protocol/events.ts";

export interface ReapDeps {
  checkpoint: CheckpointStore;
  leases: LeaseStore;
  store: ThreadStore;
  jobs: JobQueue;
  logger: Logger;
  /** Lease holder id of this reaper (unique per worker process). */
  nodeId: string;
  leaseTtlMs: number;
  /** TTL of a finalized message's event log (as the actor sets it). */
  closedLogTtlMs: number;
}

/** 200 threads per run: a run stays well under a second; the next run takes the rest. */
const REAP_BATCH = 200;

export type ThreadOutcome = "idle" | "live" | "finalized" | "deleted" | "fenced";

export async function reapOrphans(
  deps: ReapDeps,
  now = Date.now(),
): Promise<Record<ThreadOutcome, number>> {
  const counts: Record<ThreadOutcome, number> = {
    idle: 0,
    live: 0,
    finalized: 0,
    deleted: 0,
    fenced: 0,
  };
  for (const entry of await deps.checkpoint.listInProgress(now, REAP_BATCH)) {
    counts[await reapThread(deps, entry.threadId, entry.since)]++;
  }
  return counts;
}

export async function reapThread(
  deps: ReapDeps,
  threadId: string,
  since: number,
): Promise<ThreadOutcome> {
  const before = await deps.checkpoint.readTail(threadId);
  if (!before.some((r) => r.status === "in_progress")) {
    await deps.checkpoint.untrackInProgress(threadId, since);
    return "idle";
  }
  if (await deps.leases.owner(threadId)) return "live";
  const lease = await deps.leases.acquire(threadId, deps.nodeId, deps.leaseTtlMs);
  if (!lease.ok) return "live";
  let outcome: ThreadOutcome = "fenced";
  try {
    outcome = await finalizeThread(deps, threadId, lease.epoch);
  } finally {
    // Release only our own grant; after deleteThread there is nothing left to release.
    if (outcome !== "deleted") await deps.leases.release(threadId, deps.nodeId, lease.epoch);
  }
  if (outcome !== "fenced") await deps.checkpoint.untrackInProgress(threadId, since);
  return outcome;
}

async function finalizeThread(
  deps: ReapDeps,
  threadId: string,
  epoch: number,
): Promise<ThreadOutcome> {
  // Read again under the lease: the previous owner may have settled between our two reads.
  const tail = await deps.checkpoint.readTail(threadId);
  const first = tail[0];
  if (!first) return "idle";
  if (!(await deps.store.getThread(first.tenant_id, threadId))) {
    await deps.checkpoint.deleteThread(threadId);
    return "deleted";
  }
  const settled = tail.filter((r) => r.status !== "in_progress");
  for (const record of tail) {
    if (record.status !== "in_progress") continue;
    const final = await finalizeMessage(deps, record, epoch);
    if (!final) return "fenced";
    settled.push(final);
  }
  const refs = settled.map((r) => ({ threadId, seq: r.seq, rev: r.rev }));
  // The settled entries too: a crash may have come between their append and their enqueue.
  await deps.jobs.enqueuePersist(refs);
  return "finalized";
}

async function finalizeMessage(
  deps: ReapDeps,
  record: MessageRecord,
  epoch: number,
): Promise<MessageRecord | null> {
  const { thread_id: threadId, seq } = record;
  const raw = (await deps.checkpoint.readEvents(threadId, seq, 0)) ?? [];
  const log = raw.map((json) => JSON.parse(json) as LogEvent);
  const outcome = finalizeFromLog(record, log, { epoch, now: Date.now() });
  if (outcome.kind === "interrupted") {
    const appended = await deps.checkpoint.appendEvents(threadId, epoch, [
      {
        seq,
        firstOffset: outcome.firstOffset,
        events: outcome.events.map((event) => JSON.stringify(event)),
        expireAfterMs: deps.closedLogTtlMs,
      },
    ]);
    if (!appended.ok) return null;
  }
  const put = await deps.checkpoint.putMessage(threadId, epoch, outcome.record);
  if (!put.ok) return null;
  const ref = { threadId, seq, rev: outcome.record.rev };
  await deps.jobs.enqueuePersist([ref]); // the persist job then enqueues its finished jobs
  deps.logger.info("orphaned message finalized", { thread: threadId, seq, kind: outcome.kind });
  return outcome.record;
}
