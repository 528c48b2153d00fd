/**
 * Finalizing a message whose writer died: from its tail record and its checkpointed event log,
 * the final record and the events still to append. Pure, so the actor taking a thread over
 * (actors/recovery.ts) and the orphan reaper (workers/reap-orphans.ts) share one path and cannot
 * disagree about what an interrupted message looks like.
 */
import { isFinalEvent, type LogEvent } from "../protocol/events.ts";
import { MessageAssembler } from "./message-assembly.ts";
import { type MessageRecord, toWireMessage } from "./records.ts";
import { formatStreamCursor } from "./stream-cursor.ts";
import { estimateTokens } from "./tokens.ts";

export type Finalization =
  /** The log already ends in a final event (the tail update was lost): adopt that version. */
  | { kind: "restored"; record: MessageRecord }
  /** Still open: `events` (closing open blocks, then `message.incomplete`) go after the log. */
  | { kind: "interrupted"; record: MessageRecord; events: LogEvent[]; firstOffset: number };

export interface FinalizeOptions {
  /** Fencing epoch of the writer that will record the result. */
  epoch: number;
  /** Epoch milliseconds: the completion time. */
  now: number;
}

/** Every field but content and the settlement comes from the tail record. */
export function finalizeFromLog(
  record: MessageRecord,
  log: LogEvent[],
  options: FinalizeOptions,
): Finalization {
  const last = log[log.length - 1];
  if (last && isFinalEvent(last)) {
    const final = { ...record, ...last.message, last_offset: log.length - 1 };
    return { kind: "restored", record: { ...final, epoch: options.epoch, rev: record.rev + 1 } };
  }
  const assembler = new MessageAssembler();
  for (const event of log) assembler.apply(event);
  const events: LogEvent[] = [];
  const at = (offset: number) => ({
    thread_id: record.thread_id,
    cursor: formatStreamCursor(record.seq, offset),
  });
  let offset = log.length;
  if (log.length === 0) {
    events.push({ type: "message.created", message: toWireMessage(record), ...at(offset++) });
  }
  for (const index of assembler.openBlocks) {
    events.push({ type: "block.stop", seq: record.seq, index, ...at(offset++) });
  }
  const content = closedContent(record, log, events);
  const final: MessageRecord = {
    ...record,
    content,
    status: "incomplete",
    stop_reason: "interrupted",
    usage: { input_tokens: 0, output_tokens: estimateTokens(content), estimated: true },
    error: null,
    completed_at: new Date(options.now).toISOString(),
    epoch: options.epoch,
    rev: record.rev + 1,
    last_offset: offset,
  };
  events.push({ type: "message.incomplete", message: toWireMessage(final), ...at(offset) });
  return { kind: "interrupted", record: final, events, firstOffset: log.length };
}

/** The content after the closing events (a tool input left open is parsed as far as it goes). */
function closedContent(record: MessageRecord, log: LogEvent[], closing: LogEvent[]) {
  const assembler = new MessageAssembler();
  for (const event of [...log, ...closing]) assembler.apply(event);
  return assembler.message?.content ?? record.content;
}
