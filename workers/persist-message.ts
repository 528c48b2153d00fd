/**
 * persist-message: copies settled messages of a thread from the Redis tail into the store, then
 * trims them from the tail. A job persists every settled entry of its thread at once, so messages
 * that pile up are written in one batch, and the jobs of the messages already carried by an
 * earlier batch see their version gone from the tail and return after one read. Store writes are
 * conditional on (epoch, rev): running a job twice, or late, changes nothing. Covers every settled
 * version: user and tool messages, finished assistant messages with their usage, status changes.
 * Every settled version gets its finished jobs (backfill, embed) here, once it is stored and
 * before the trim, so those jobs never run ahead of persistence (no "not persisted yet" retries)
 * and a crash in between re-enqueues them on retry. Job ids are per version: a repeat is a no-op.
 * A message the store refuses is dead-lettered (JobQueue.deadLetter) and trimmed, so it never
 * blocks the thread: at once when other messages of the batch could be written (the fault is its
 * own), else on the job's final attempt (until then a whole-batch failure is taken as transient).
 */

import type { MessageRecord } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { JobQueue } from "../src/ports/job-queue.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import { type PersistPayload, PersistPayloadSchema } from "../src/protocol/jobs.ts";
import { parsePayload } from "./job-payloads.ts";

export interface PersistDeps {
  checkpoint: CheckpointStore;
  store: ThreadStore;
  jobs: JobQueue;
  logger?: Logger;
}

export interface PersistContext {
  /** No retry follows: records the store refuses are dead-lettered instead of thrown. */
  finalAttempt: boolean;
}

export function parsePersistPayload(data: unknown): PersistPayload {
  return parsePayload(PersistPayloadSchema, data, "persist-message");
}

export async function persistMessage(
  deps: PersistDeps,
  payload: PersistPayload,
  context: PersistContext = { finalAttempt: false },
): Promise<{ written: number; trimmed: number; deadLettered?: number }> {
  const own = await deps.checkpoint.readTailMessage(payload.thread_id, payload.seq);
  // Gone from the tail (a batch carried it), or superseded (a newer version has its own job).
  if (!own || own.rev > payload.rev || own.status === "in_progress")
    return { written: 0, trimmed: 0 };
  const tail = await deps.checkpoint.readTail(payload.thread_id);
  const all = tail.filter((r) => r.status !== "in_progress");
  if (all.length === 0) return { written: 0, trimmed: 0 };
  const { written, stored, setAside } = await writeSettled(deps, all, context);
  if (stored.length > 0) {
    const lastSeq = stored.reduce((max, r) => Math.max(max, r.seq), 0);
    const lastActiveAt = stored.reduce(
      (max, r) => Math.max(max, Date.parse(r.completed_at ?? r.created_at) || 0),
      0,
    );
    await deps.store.touchThread(payload.thread_id, lastSeq, lastActiveAt);
    await enqueueFinishedJobs(deps, stored);
  }
  const trimmed = await deps.checkpoint.trimTail(
    payload.thread_id,
    [...stored, ...setAside].map((r) => ({ seq: r.seq, rev: r.rev })),
  );
  if (setAside.length === 0) return { written, trimmed };
  return { written, trimmed, deadLettered: setAside.length };
}

/**
 * One batch write; when it fails, one write per record, so a record the store refuses cannot take
 * the others down with it. Both `stored` and `setAside` (dead-lettered) leave the tail.
 */
async function writeSettled(
  deps: PersistDeps,
  records: MessageRecord[],
  context: PersistContext,
): Promise<{ written: number; stored: MessageRecord[]; setAside: MessageRecord[] }> {
  try {
    const { written } = await deps.store.upsertMessages(records);
    return { written, stored: records, setAside: [] };
  } catch (batchError) {
    let written = 0;
    const ok: MessageRecord[] = [];
    const failed: { record: MessageRecord; error: unknown }[] = [];
    for (const record of records) {
      try {
        written += (await deps.store.upsertMessages([record])).written;
        ok.push(record);
      } catch (error) {
        failed.push({ record, error });
      }
    }
    // Nothing could be written: the store is likely down; retry unless this was the last try.
    if (ok.length === 0 && !context.finalAttempt) throw batchError;
    for (const { record, error } of failed) await deadLetter(deps, record, error);
    return { written, stored: ok, setAside: failed.map((f) => f.record) };
  }
}

async function deadLetter(deps: PersistDeps, record: MessageRecord, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  await deps.jobs.deadLetter({
    threadId: record.thread_id,
    seq: record.seq,
    rev: record.rev,
    reason,
    record,
  });
  deps.logger?.error("message dead-lettered", {
    thread_id: record.thread_id,
    seq: record.seq,
    rev: record.rev,
    reason,
  });
}

/** Finished jobs of the stored versions (ids per version: a repeat while queued is a no-op). */
async function enqueueFinishedJobs(deps: PersistDeps, settled: MessageRecord[]): Promise<void> {
  const first = settled[0];
  if (!first) return;
  const refs = settled.map((r) => ({ threadId: r.thread_id, seq: r.seq, rev: r.rev }));
  await deps.jobs.enqueueFinished(first.tenant_id, refs);
}
