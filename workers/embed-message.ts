/**
 * embed-message: the searchable blocks of a finished message (text, tool_use, tool_result) →
 * embedder → search index. Idempotent: documents are upserted by `<thread>:<seq>:<block>`. It
 * indexes the newest settled version (store or tail, so it need not wait for persistence), skips
 * a thread that is gone, and removes what it wrote if the thread was deleted while it worked. An
 * erased message (status `deleted`) has its documents removed; a message erased while this job
 * embedded an older version has what the job wrote removed again (the same delete-then-check).
 * A batched job (`embedMessages`) makes one embedder call and one index write for all its
 * messages: the index's per-write cost (an FTS5 segment per transaction) dwarfs a document's.
 */
import {
  headChars,
  MAX_EMBEDDED_CHARS,
  messageToSearchDocuments,
  type SearchDocumentDraft,
} from "../src/domain/search-documents.ts";
import type { CheckpointStore } from "../src/ports/checkpoint.ts";
import type { Embedder } from "../src/ports/embedder.ts";
import type { SearchIndex } from "../src/ports/search.ts";
import type { ThreadStore } from "../src/ports/thread-store.ts";
import type { FinishedPayload } from "../src/protocol/jobs.ts";
import { findFinished, findFinishedMany, NotReadyError } from "./message-source.ts";

export interface EmbedDeps {
  store: ThreadStore;
  checkpoint: CheckpointStore;
  search: SearchIndex;
  embedder: Embedder;
}

export async function embedMessage(
  deps: EmbedDeps,
  payload: FinishedPayload,
): Promise<{ indexed: number } | { skipped: string }> {
  const found = await findFinished(deps, payload);
  if (found.kind === "gone") return { skipped: "message or thread gone" };
  if (found.kind === "pending") throw new NotReadyError(found.reason);
  const { thread_id: threadId, seq } = found.message;
  if (found.message.status === "deleted") {
    await deps.search.deleteMessage(payload.tenant_id, threadId, seq);
    return { skipped: "message deleted" };
  }
  const documents = messageToSearchDocuments(found.message);
  if (documents.length === 0) return { indexed: 0 };
  const vectors = await deps.embedder.embed(
    documents.map((d) => headChars(d.text, MAX_EMBEDDED_CHARS)),
  );
  await deps.search.index(documents.map((d, i) => ({ ...d, vector: vectors[i] ?? null })));
  // Same ordering trick as the Mongo store: delete-then-check closes the race with deleteThread.
  if (!(await deps.store.getThread(payload.tenant_id, payload.thread_id))) {
    await deps.search.deleteThread(payload.tenant_id, payload.thread_id);
    return { skipped: "thread deleted meanwhile" };
  }
  const now = await findFinished(deps, payload);
  if (now.kind === "found" && now.message.status === "deleted") {
    await deps.search.deleteMessage(payload.tenant_id, threadId, seq);
    return { skipped: "message deleted meanwhile" };
  }
  return { indexed: documents.length };
}

/** The messages of a batched job at once; a message not ready yet retries the job (idempotent). */
export async function embedMessages(
  deps: EmbedDeps,
  payloads: FinishedPayload[],
): Promise<{ indexed: number; skipped: number }> {
  const found = await findFinishedMany(deps, payloads);
  const pending = found.find((f) => f.kind === "pending");
  if (pending?.kind === "pending") throw new NotReadyError(pending.reason);
  const live: FinishedPayload[] = [];
  const documents: SearchDocumentDraft[] = [];
  for (const [i, f] of found.entries()) {
    if (f.kind !== "found") continue;
    const { tenant_id, thread_id, seq, status } = f.message;
    if (status === "deleted") await deps.search.deleteMessage(tenant_id, thread_id, seq);
    else {
      live.push(payloads[i]!);
      documents.push(...messageToSearchDocuments(f.message));
    }
  }
  const skipped = payloads.length - live.length;
  if (documents.length === 0) return { indexed: 0, skipped };
  const vectors = await deps.embedder.embed(
    documents.map((d) => headChars(d.text, MAX_EMBEDDED_CHARS)),
  );
  await deps.search.index(documents.map((d, i) => ({ ...d, vector: vectors[i] ?? null })));
  // As in embedMessage (delete-then-check): a thread deleted, or a message erased, while we
  // worked loses what was just written.
  // One re-read serves both checks: a deleted thread reads as "gone" for all its messages, and
  // only then is the thread itself looked up.
  const maybeGone = new Map<string, FinishedPayload>();
  for (const [i, now] of (await findFinishedMany(deps, live)).entries()) {
    if (now.kind === "gone") maybeGone.set(`${live[i]!.tenant_id}/${live[i]!.thread_id}`, live[i]!);
    if (now.kind === "found" && now.message.status === "deleted") {
      const { tenant_id, thread_id, seq } = now.message;
      await deps.search.deleteMessage(tenant_id, thread_id, seq);
    }
  }
  for (const { tenant_id, thread_id } of maybeGone.values()) {
    if (!(await deps.store.getThread(tenant_id, thread_id)))
      await deps.search.deleteThread(tenant_id, thread_id);
  }
  return { indexed: documents.length, skipped };
}
