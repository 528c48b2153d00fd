/**
 * The stored record of a message a thread's writer creates (message-writer.ts): id, seq, parent,
 * the writer's epoch, rev 1. Pure; an imported message keeps the times, usage and end it brings.
 */
import { newId } from "../src/domain/ids.ts";
import type { MessageRecord, NewMessage, ThreadRecord } from "../src/domain/records.ts";

export function newRecord(
  thread: ThreadRecord,
  epoch: number,
  message: NewMessage,
  at: { seq: number; parentSeq: number | null; now: string },
): MessageRecord {
  const { seq, parentSeq, now } = at;
  const settled = message.status !== "in_progress";
  return {
    id: newId("msg"),
    object: "message",
    thread_id: thread.id,
    seq,
    parent_seq: parentSeq,
    role: message.role,
    content: message.content,
    status: message.status,
    model: message.model,
    request_id: message.requestId,
    end_user_id: thread.end_user_id,
    usage: message.usage ?? message.imported?.usage ?? null,
    stop_reason: message.imported?.stopReason ?? null,
    error: null,
    created_at: message.imported?.createdAt ?? now,
    completed_at: settled
      ? (message.imported?.completedAt ?? message.imported?.createdAt ?? now)
      : null,
    tenant_id: thread.tenant_id,
    epoch,
    rev: 1,
    last_offset: 0,
    ...(message.coversThroughSeq === undefined
      ? {}
      : { covers_through_seq: message.coversThroughSeq }),
  };
}
