/**
 * Reads the newest settled version of one message for the finished-message jobs: the store, or the
 * Redis tail when the persist job has not run yet. `pending` means "retry later" (still in
 * progress, or not persisted yet where the job needs the stored row).
 */

import type { MessageRecord, ThreadRecord } from "../src/domain/records.ts";
import { isNewer } from "../src/domain/records.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import type { FinishedPayload } from "../src/protocol/jobs.ts";

export type MessageLookup =
  | { kind: "gone" }
  | { kind: "pending"; reason: string }
  | { kind: "found"; thread: ThreadRecord; message: MessageRecord; stored: boolean };

export interface MessageSourceDeps {
  store: ThreadStore;
  checkpoint: CheckpointStore;
}

export async function findFinished(
  deps: MessageSourceDeps,
  payload: FinishedPayload,
): Promise<MessageLookup> {
  const thread = await deps.store.getThread(payload.tenant_id, payload.thread_id);
  if (!thread) return { kind: "gone" };
  const hot = await deps.checkpoint.readTailMessage(payload.thread_id, payload.seq);
  const stored = await deps.store.getMessage(payload.thread_id, payload.seq);
  const newest = hot && (!stored || isNewer(hot, stored)) ? hot : stored;
  if (!newest) return { kind: "gone" };
  if (newest.status === "in_progress") return { kind: "pending", reason: "still in progress" };
  return { kind: "found", thread, message: newest, stored: newest === stored };
}

/** A transient condition: thrown so BullMQ retries with backoff. */
export class NotReadyError extends Error {
  readonly code = "not_ready";
  constructor(reason: string) {
    super(`message not ready: ${reason}`);
    this.name = "NotReadyError";
  }
}
