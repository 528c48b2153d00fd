/**
 * The internal shapes the stores keep, and their conversions to wire objects (internal fields
 * never leave the server). Records carry what the wire objects do not show: the tenant that owns
 * a row, and for messages the fencing `epoch` of the writer and a `rev` that grows with every
 * change, so that conditional writes can tell newer from older. Domain, not ports: stores, actors
 * and pure logic all speak these shapes.
 */
import type { Message, Metadata, Thread } from "../protocol/objects.ts";

export interface ThreadRecord {
  id: string;
  tenant_id: string;
  end_user_id: string | null;
  metadata: Metadata;
  /** Epoch milliseconds. */
  created_at: number;
  last_active_at: number;
  last_seq: number;
}

export interface MessageRecord extends Message {
  tenant_id: string;
  /** Fencing epoch of the lease holder that wrote this version. */
  epoch: number;
  /** Version of this message; each change of status or content increments it. */
  rev: number;
  /** Offset of the last event in the message's stream log (-1 when it has none). */
  last_offset: number;
}

export interface TenantRecord {
  id: string;
  name: string;
  created_at: number;
}

export interface SecretKeyRecord {
  id: string;
  tenant_id: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  /** First characters of the key, for people to tell keys apart. */
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

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
