/**
 * Taking over a thread: whatever the previous owner left in progress is finalized from its
 * checkpointed log as `incomplete` / `interrupted` (with an estimated usage), and settled tail
 * entries are queued for persistence again, since a crash may have come between append and enqueue.
 * What the final message and its closing events are is decided in domain/interrupted-message.ts,
 * shared with the orphan reaper; this module only writes it through the actor's own log.
 */
import { finalizeFromLog } from "../src/domain/interrupted-message.ts";
import { MessageAssembler } from "../src/domain/message-assembly.ts";
import type { MessageRecord } from "../src/domain/records.ts";
import type { LogEvent } from "../src/protocol/events.ts";
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
  writer.repersist(tail.filter((r) => r.status !== "in_progress"));
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
  const outcome = finalizeFromLog(record, events, { epoch: writer.epoch, now: deps.clock.now() });
  if (outcome.kind === "restored") return writer.restore(outcome.record);
  const assembler = new MessageAssembler();
  for (const event of events) assembler.apply(event);
  writer.adopt(record);
  log.resume(record.seq, events.length, assembler);
  for (const event of outcome.events) log.emit(record.seq, event);
  await writer.commitSettled(outcome.record);
  deps.logger.info("interrupted message finalized", { thread: record.thread_id, seq: record.seq });
}
