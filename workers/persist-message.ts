/**
 * persist-message: copies settled messages of a thread from the Redis tail into the store, then
 * trims them from the tail. It takes every settled entry of the thread at once, so messages that
 * pile up are written in one batch and later jobs of the same thread find nothing to do. Store
 * writes are conditional on (epoch, rev): running it twice, or late, changes nothing. Covers every
 * settled version: user and tool messages, finished assistant messages with their usage, and
 * later status changes (each a higher rev, or a higher epoch after a takeover).
 */
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import { type PersistPayload, PersistPayloadSchema } from "../src/protocol/jobs.ts";
import { parsePayload } from "./job-payloads.ts";

export interface PersistDeps {
  checkpoint: CheckpointStore;
  store: ThreadStore;
}

export function parsePersistPayload(data: unknown): PersistPayload {
  return parsePayload(PersistPayloadSchema, data, "persist-message");
}

export async function persistMessage(
  deps: PersistDeps,
  payload: PersistPayload,
): Promise<{ written: number; trimmed: number }> {
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
  let trimmed = 0;
  for (const record of settled) {
    if (await deps.checkpoint.trimTail(payload.thread_id, record.seq, record.rev)) trimmed++;
  }
  return { written, trimmed };
}
