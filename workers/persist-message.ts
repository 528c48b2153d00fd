/**
 * persist-message: copies settled messages from the Redis tails into the store, then trims them
 * from the tails. A job names versions of one or many threads (a node's batch); for each thread it
 * persists every settled entry of the tail at once, all threads in one store write, so messages
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
import type { JobQueue, MessageRef } from "../src/ports/job-queue.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import {
  expandPersist,
  type PersistPayload,
  PersistPayloadSchema,
  type PersistRef,
} from "../src/protocol/jobs.ts";
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
  const tails = await Promise.all(
    highestPerThread(expandPersist(payload)).map((ref) => settledTail(deps, ref)),
  );
  const all = tails.flat();
  if (all.length === 0) return { written: 0, trimmed: 0 };
  const { written, stored, setAside } = await writeSettled(deps, all, context);
  await Promise.all(byThread(stored).map((records) => touchThread(deps, records)));
  await enqueueFinishedJobs(deps, stored);
  const trims = await Promise.all(
    byThread([...stored, ...setAside]).map((records) =>
      deps.checkpoint.trimTail(
        records[0]!.thread_id,
        records.map((r) => ({ seq: r.seq, rev: r.rev })),
      ),
    ),
  );
  const trimmed = trims.reduce((n, t) => n + t, 0);
  if (setAside.length === 0) return { written, trimmed };
  return { written, trimmed, deadLettered: setAside.length };
}

/** One ref per thread, its newest: a thread's job persists every settled entry of its tail. */
function highestPerThread(refs: PersistRef[]): PersistRef[] {
  const best = new Map<string, PersistRef>();
  for (const ref of refs) {
    const seen = best.get(ref.thread_id);
    if (!seen || ref.seq > seen.seq || (ref.seq === seen.seq && ref.rev > seen.rev))
      best.set(ref.thread_id, ref);
  }
  return [...best.values()];
}

/**
 * The settled entries of the ref's thread, or none when the ref's version left the tail (an
 * earlier batch carried it) or was superseded (a newer version has its own job).
 */
async function settledTail(deps: PersistDeps, ref: PersistRef): Promise<MessageRecord[]> {
  const own = await deps.checkpoint.readTailMessage(ref.thread_id, ref.seq);
  if (!own || own.rev > ref.rev || own.status === "in_progress") return [];
  const tail = await deps.checkpoint.readTail(ref.thread_id);
  return tail.filter((r) => r.status !== "in_progress");
}

function byThread(records: MessageRecord[]): MessageRecord[][] {
  const groups = new Map<string, MessageRecord[]>();
  for (const record of records) {
    const group = groups.get(record.thread_id);
    if (group) group.push(record);
    else groups.set(record.thread_id, [record]);
  }
  return [...groups.values()];
}

async function touchThread(deps: PersistDeps, stored: MessageRecord[]): Promise<void> {
  const lastSeq = stored.reduce((max, r) => Math.max(max, r.seq), 0);
  const lastActiveAt = stored.reduce(
    (max, r) => Math.max(max, Date.parse(r.completed_at ?? r.created_at) || 0),
    0,
  );
  await deps.store.touchThread(stored[0]!.thread_id, lastSeq, lastActiveAt);
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

/** Finished jobs of the stored versions, one batch per tenant (ids per batch: a repeat is a no-op). */
async function enqueueFinishedJobs(deps: PersistDeps, settled: MessageRecord[]): Promise<void> {
  const byTenant = new Map<string, MessageRef[]>();
  for (const r of settled) {
    const ref = { threadId: r.thread_id, seq: r.seq, rev: r.rev };
    const refs = byTenant.get(r.tenant_id);
    if (refs) refs.push(ref);
    else byTenant.set(r.tenant_id, [ref]);
  }
  await Promise.all(
    [...byTenant].map(([tenantId, refs]) => deps.jobs.enqueueFinished(tenantId, refs)),
  );
}
