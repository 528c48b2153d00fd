/**
 * Taking over a thread: whatever the previous owner left in progress is finalized from its
 * checkpointed log as `incomplete` / `interrupted` (with an estimated usage), and settled tail
 * entries are queued for persistence again, since a crash may have come between append and enqueue.
 */
import { MessageAssembler } from "../src/domain/message-assembly.ts";
import { toWireMessage } from "../src/domain/records.ts";
import type { MessageRecord } from "../src/ports/records.ts";
import { isFinalEvent, type LogEvent } from "../src/protocol/events.ts";
import type { ActorDeps } from "./actor-deps.ts";
import type { MessageWriter } from "./message-writer.ts";
import type { ThreadLog } from "./thread-log.ts";

export async function recoverTail(
  deps: ActorDeps,
  threadId: string,
  writer: MessageWriter,
  log: ThreadLog,
): Promise<void> {
  const tail = await deps.checkpoint.readTail(threadId);
  await writer.repersist(tail.filter((r) => r.status !== "in_progress"));
  for (const record of tail) {
    if (record.status === "in_progress") await finalizeInterrupted(deps, record, writer, log);
  }
}

async function finalizeInterrupted(
  deps: ActorDeps,
  record: MessageRecord,
  writer: MessageWriter,
  log: ThreadLog,
): Promise<void> {
  const raw = (await deps.checkpoint.readEvents(record.thread_id, record.seq, 0)) ?? [];
  const events = raw.map((json) => JSON.parse(json) as LogEvent);
  const last = events[events.length - 1];
  if (last && isFinalEvent(last)) {
    await writer.restore({ ...record, ...last.message, last_offset: events.length - 1 });
    return;
  }
  const assembler = new MessageAssembler();
  for (const event of events) assembler.apply(event);
  writer.adopt(record);
  log.resume(record.seq, events.length, assembler);
  if (events.length === 0)
    log.emit(record.seq, { type: "message.created", message: toWireMessage(record) });
  for (const index of assembler.openBlocks)
    log.emit(record.seq, { type: "block.stop", seq: record.seq, index });
  await writer.settle(record.seq, {
    status: "incomplete",
    stopReason: "interrupted",
    usage: null,
    error: null,
  });
  deps.logger.info("interrupted message finalized", { thread: record.thread_id, seq: record.seq });
}
