/**
 * persist-message: copies settled messages of a thread from the Redis tail into the store, then
 * trims them from the tail. A job persists every settled entry of its thread at once, so messages
 * that pile up are written in one batch, and the jobs of the messages already carried by an
 * earlier batch see their version gone from the tail and return after one read. Store writes are
 * conditional on (epoch, rev): running a job twice, or late, changes nothing.
 */
import { Value } from "@sinclair/typebox/value";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import { type PersistPayload, PersistPayloadSchema } from "../src/protocol/jobs.ts";

export interface PersistDeps {
  checkpoint: CheckpointStore;
  store: ThreadStore;
}

export function parsePersistPayload(data: unknown): PersistPayload {
  if (!Value.Check(PersistPayloadSchema, data)) throw new Error("invalid persist-message payload");
  return data;
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
  const trimmed = await deps.checkpoint.trimTail(
    payload.thread_id,
    settled.map((r) => ({ seq: r.seq, rev: r.rev })),
  );
  return { written, trimmed };
}
