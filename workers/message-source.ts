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

/**
 * `findFinished` for the messages of a batched job, with three reads per thread instead of per
 * message (the thread, its tail, its stored rows of those seqs). Same answer per payload.
 */
export async function findFinishedMany(
  deps: MessageSourceDeps,
  payloads: FinishedPayload[],
): Promise<MessageLookup[]> {
  const byThread = new Map<string, number[]>();
  payloads.forEach((payload, i) => {
    const key = `${payload.tenant_id}/${payload.thread_id}`;
    const indexes = byThread.get(key);
    if (indexes) indexes.push(i);
    else byThread.set(key, [i]);
  });
  const found: MessageLookup[] = new Array(payloads.length);
  await Promise.all(
    [...byThread.values()].map(async (indexes) => {
      const mine = indexes.map((i) => payloads[i]!);
      const looked = await findInThread(deps, mine);
      indexes.forEach((i, k) => {
        found[i] = looked[k]!;
      });
    }),
  );
  return found;
}

async function findInThread(
  deps: MessageSourceDeps,
  payloads: FinishedPayload[],
): Promise<MessageLookup[]> {
  const { tenant_id, thread_id } = payloads[0]!;
  const thread = await deps.store.getThread(tenant_id, thread_id);
  if (!thread) return payloads.map(() => ({ kind: "gone" }));
  const seqs = [...new Set(payloads.map((p) => p.seq))];
  // The tail entries of these seqs only, in one command, not the whole tail: a thread with a
  // backlog of unpersisted messages would otherwise be read and parsed whole once per batch.
  const [hot, rows] = await Promise.all([
    deps.checkpoint.readTailMessages(thread_id, seqs),
    deps.store.getMessages(thread_id, seqs),
  ]);
  const hotBySeq = new Map(hot.flatMap((r) => (r ? [[r.seq, r] as const] : [])));
  const storedBySeq = new Map(rows.map((r) => [r.seq, r]));
  return payloads.map((payload): MessageLookup => {
    const hot = hotBySeq.get(payload.seq) ?? null;
    const stored = storedBySeq.get(payload.seq) ?? null;
    const newest = hot && (!stored || isNewer(hot, stored)) ? hot : stored;
    if (!newest) return { kind: "gone" };
    if (newest.status === "in_progress") return { kind: "pending", reason: "still in progress" };
    return { kind: "found", thread, message: newest, stored: newest === stored };
  });
}

/** A transient condition: thrown so BullMQ retries with backoff. */
export class NotReadyError extends Error {
  readonly code = "not_ready";
  constructor(reason: string) {
    super(`message not ready: ${reason}`);
    this.name = "NotReadyError";
  }
}
