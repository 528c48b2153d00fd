/**
 * The internal shapes the stores keep, and their conversions to wire objects (internal fields
 * never leave the server). Records carry what the wire objects do not show: the tenant that owns
 * a row, and for messages the fencing `epoch` of the writer and a `rev` that grows with every
 * change, so that conditional writes can tell newer from older. Domain, not ports: stores, actors
 * and pure logic all speak these shapes.
 */
import type { Block } from "../protocol/blocks.ts";
import type {
  Message,
  MessageStatus,
  Metadata,
  StopReason,
  Thread,
  Usage,
} from "../protocol/objects.ts";
import { headOf, legacyParent, storedSwitch } from "./branches.ts";

export interface ThreadRecord {
  id: string;
  tenant_id: string;
  end_user_id: string | null;
  metadata: Metadata;
  /** Epoch milliseconds. */
  created_at: number;
  last_active_at: number;
  last_seq: number;
  /** The last branch switch (`PATCH head_seq`): the head it set, null when there was none. */
  head_seq: number | null;
  /** The thread's last seq when that switch was made (domain/branches.ts `headOf`). */
  head_as_of: number;
}

/** `children` is not stored: it is read off the other messages (domain/branches.ts). */
export interface MessageRecord extends Omit<Message, "children"> {
  tenant_id: string;
  /** Fencing epoch of the lease holder that wrote this version. */
  epoch: number;
  /** Version of this message; each change of status or content increments it. */
  rev: number;
  /** Offset of the last event in the message's stream log (-1 when it has none). */
  last_offset: number;
}

/** A message a thread's writer is asked to append (its seq and ids are the writer's). */
export interface NewMessage {
  role: MessageRecord["role"];
  content: Block[];
  status: MessageStatus;
  model: string | null;
  requestId: string | null;
  /** `summary` messages: the branch message they cover through. */
  coversThroughSeq?: number;
  /** Known at creation (a summary's model call); else null until settled or backfilled. */
  usage?: Usage;
  /** An imported message keeps what it had (API.md "Import"); a new one gets now / none. */
  imported?: ImportedFields;
}

/** What an imported message brings from where it was: its time, usage, end and place. */
export interface ImportedFields {
  createdAt?: string;
  completedAt?: string | null;
  usage?: Usage | null;
  stopReason?: StopReason | null;
  /** Its parent in this thread (an export's own seqs, imported into an empty thread). */
  parentSeq?: number | null;
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

/** `children`: the seqs that follow it, where the caller knows them (events: none yet). */
export function toWireMessage(record: MessageRecord, children: number[] = []): Message {
  const { tenant_id: _t, epoch: _e, rev: _r, last_offset: _o, ...message } = record;
  return { ...message, children };
}

/** A record written before branches existed (no `parent_seq`) follows the message before it. */
export function withParent<
  T extends Omit<MessageRecord, "parent_seq"> & { parent_seq?: number | null },
>(record: T): T & { parent_seq: number | null } {
  if (record.parent_seq !== undefined) return record as T & { parent_seq: number | null };
  return { ...record, parent_seq: legacyParent(record.seq) };
}

/** `lastSeq`: the hot tier's, when it is ahead of the stored row (the head follows it). */
export function toWireThread(record: ThreadRecord, lastSeq = record.last_seq): Thread {
  const last = Math.max(lastSeq, record.last_seq);
  return {
    id: record.id,
    object: "thread",
    end_user_id: record.end_user_id,
    metadata: record.metadata,
    created_at: new Date(record.created_at).toISOString(),
    last_active_at: new Date(record.last_active_at).toISOString(),
    last_seq: last,
    head_seq: headOf(last, storedSwitch(record)),
  };
}

/** Which of two versions of one message is newer: a later epoch, then a higher rev. */
export function isNewer(a: MessageRecord, b: MessageRecord): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.rev > b.rev);
}
