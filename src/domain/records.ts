/** Conversions between stored records and wire objects: internal fields never leave the server. */

import type { MessageRecord, ThreadRecord } from "../ports/records.ts";
import type { Message, Thread } from "../protocol/objects.ts";

export function toWireMessage(record: MessageRecord): Message {
  const { tenant_id: _t, epoch: _e, rev: _r, last_offset: _o, ...message } = record;
  return message;
}

export function toWireThread(record: ThreadRecord, lastSeq = record.last_seq): Thread {
  return {
    id: record.id,
    object: "thread",
    end_user_id: record.end_user_id,
    metadata: record.metadata,
    created_at: new Date(record.created_at).toISOString(),
    last_active_at: new Date(record.last_active_at).toISOString(),
    last_seq: Math.max(lastSeq, record.last_seq),
  };
}

/** Which of two versions of one message is newer: a later epoch, then a higher rev. */
export function isNewer(a: MessageRecord, b: MessageRecord): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.rev > b.rev);
}
