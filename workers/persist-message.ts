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
 */

import type { MessageRecord } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { JobQueue } from "../src/ports/job-queue.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import { type PersistPayload, PersistPayloadSchema } from "../src/protocol/jobs.ts";
import { parsePayload } from "./job-payloads.ts";

export interface PersistDeps {
  checkpoint: CheckpointStore;
  store: ThreadStore;
  jobs: JobQueue;
}

export function parsePersistPayload(data: unknown): PersistPayload {
  return parsePayload(PersistPayloadSchema, data, "persist-message");
}

export async function persistMessage(
  deps: PersistDeps,
  payload: PersistPayload,
): Promise<{ written: number; trimmed: number }> {
  const own = await deps.checkpoint.readTailMessage(payload.thread_id, payload.seq);
  // Gone from the tail (a batch carried it), or superseded (a newer version has its own job).
  if (!own || own.rev > payload.rev || own.status === "in_progress")
    return { written: 0, trimmed: 0 };
  const tail = await deps.checkpoint.readTail(payload.thread_id);
  const settled = tail.filter((r) => r.status !== "in_progress");
  if (settled.length === 0) return { written: 0, trimmed: 0 };
  const { written } = await deps.store.upsertMessages(settled);
  const lastSeq = settled.reduce((max, r) => Math.max(max, r.seq), 0);
  const lastActiveAt = settled.reduce(
    (max, r) => Math.max(max, Date.parse(r.completed_at ?? r.created_at)),
    0,
  );
  await deps.store.touchThread(payload.thread_id, lastSeq, lastActiveAt);
  await enqueueFinishedJobs(deps, settled);
  const trimmed = await deps.checkpoint.trimTail(
    payload.thread_id,
    settled.map((r) => ({ seq: r.seq, rev: r.rev })),
  );
  return { written, trimmed };
}

/** Finished jobs of the stored versions (ids per version: a repeat while queued is a no-op). */
async function enqueueFinishedJobs(deps: PersistDeps, settled: MessageRecord[]): Promise<void> {
  const first = settled[0];
  if (!first) return;
  const refs = settled.map((r) => ({ threadId: r.thread_id, seq: r.seq, rev: r.rev }));
  await deps.jobs.enqueueFinished(first.tenant_id, refs);
}
