/**
 * Deleting one message on its thread's owner (API.md "Delete one message"): the message gets a
 * new version with its content erased (status `deleted`, seq and usage kept) through the writer,
 * and every compaction summary that may retell it goes too, with a pending summary draft. It
 * needs no turn order: it writes no new seq and touches only those messages, so it runs at once,
 * even while another turn generates. The message being generated is 409 thread_busy (cancel it
 * first); a deleted one is returned as it is (its clean-ups run again).
 */
import type { ThreadRecord } from "../src/domain/records.ts";
import { toWireMessage } from "../src/domain/records.ts";
import { NotFoundError, ThreadBusyError } from "../src/protocol/errors.ts";
import type { Message } from "../src/protocol/objects.ts";
import type { ActorDeps } from "./actor-deps.ts";
import type { MessageWriter } from "./message-writer.ts";

export interface ErasureContext {
  deps: ActorDeps;
  thread: ThreadRecord;
  writer: MessageWriter;
}

export async function eraseMessage(
  context: ErasureContext,
  seq: number,
  lastSeq: number,
): Promise<Message> {
  const { deps, thread, writer } = context;
  if (writer.open.has(seq)) throw new ThreadBusyError(seq);
  const current = seq >= 1 && seq <= lastSeq ? await deps.history.message(thread.id, seq) : null;
  if (!current) throw new NotFoundError("message");
  if (current.status === "in_progress") throw new ThreadBusyError(seq);
  const erased = await writer.erase(current);
  await eraseSummariesOf(context, seq);
  return toWireMessage(erased);
}

/**
 * A compaction summary that covers an erased message may retell it: every one covering `seq`
 * (written after it, covering through it or later) is erased too, and a pending draft is
 * dropped, so the next turns read the full branch until a new summary is made without it.
 */
async function eraseSummariesOf(context: ErasureContext, seq: number): Promise<void> {
  const { deps, thread, writer } = context;
  const links = await deps.history.links(thread.id);
  for (const link of links) {
    if (link.role !== "summary" || link.seq <= seq) continue;
    const summary = await deps.history.message(thread.id, link.seq);
    if (summary && summary.status !== "deleted" && (summary.covers_through_seq ?? 0) >= seq)
      await writer.erase(summary);
  }
  const draft = await deps.checkpoint.readSummaryDraft(thread.id);
  if (draft && draft.covers_through_seq >= seq)
    await deps.checkpoint.deleteSummaryDraft(thread.id, draft.covers_through_seq);
}
