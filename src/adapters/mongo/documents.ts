/**
 * The MongoDB document shapes of the store, their collection names, and the record ↔ document
 * conversions. Message `content` and thread `metadata` are stored as JSON strings: their keys
 * come from models and users (`$schema`, `a.b`), and MongoDB refuses `$`-prefixed field names in
 * updates of existing documents; a string round-trips exactly and the store never queries inside.
 */
import { MongoServerError } from "mongodb";
import { type HeadSwitch, legacyParent, type MessageLink } from "../../domain/branches.ts";
import type { MessageRecord, SecretKeyRecord, ThreadRecord } from "../../domain/records.ts";
import type { MessageError, Usage } from "../../protocol/objects.ts";

export const COLLECTIONS = {
  threads: "threads",
  messages: "messages",
  tenants: "tenants",
  secretKeys: "secret_keys",
  settings: "settings",
  usageLedger: "usage_ledger",
  endUserRevocations: "end_user_revocations",
} as const;

/** MongoDB's duplicate key error (E11000). */
export const DUPLICATE_KEY_CODE = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY_CODE;
}

export interface ThreadDoc {
  _id: string;
  tenant_id: string;
  end_user_id: string | null;
  /** JSON of the metadata object. */
  metadata: string;
  created_at: number;
  last_active_at: number;
  last_seq: number;
  /** The last branch switch; absent on documents written before branches. */
  head_seq?: number | null;
  head_as_of?: number;
}

/** `_id` is a driver-made ObjectId; the identity is the unique (thread_id, seq). */
export interface MessageDoc {
  thread_id: string;
  seq: number;
  id: string;
  tenant_id: string;
  role: MessageRecord["role"];
  /** JSON of the block array. */
  content: string;
  status: MessageRecord["status"];
  model: string | null;
  request_id: string | null;
  end_user_id: string | null;
  usage: Usage | null;
  stop_reason: MessageRecord["stop_reason"];
  error: MessageError | null;
  created_at: string;
  completed_at: string | null;
  epoch: number;
  rev: number;
  last_offset: number;
  /** Absent on documents written before branches: read as `seq - 1` (no migration pass). */
  parent_seq?: number | null;
  /** Summary messages only (absent otherwise). */
  covers_through_seq?: number;
}

export interface TenantDoc {
  _id: string;
  name: string;
  created_at: number;
  /** The tenant's own limits (admin API); absent when none. */
  limits?: Record<string, number>;
}

export interface SecretKeyDoc {
  _id: string;
  tenant_id: string;
  hash: string;
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

/** `_id` is the setting's name: unique by construction. */
/** `_id` is `<tenant_id>:<end user digest>`: unique without an extra index. */
export interface EndUserRevocationDoc {
  _id: string;
  revoked_at: number;
}

export interface SettingDoc {
  _id: string;
  value: string;
}

export function threadToDoc(thread: ThreadRecord): ThreadDoc {
  return {
    _id: thread.id,
    tenant_id: thread.tenant_id,
    end_user_id: thread.end_user_id,
    metadata: JSON.stringify(thread.metadata),
    created_at: thread.created_at,
    last_active_at: thread.last_active_at,
    last_seq: thread.last_seq,
    head_seq: thread.head_seq,
    head_as_of: thread.head_as_of,
  };
}

export function threadFromDoc(doc: ThreadDoc): ThreadRecord {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    end_user_id: doc.end_user_id,
    metadata: JSON.parse(doc.metadata),
    created_at: doc.created_at,
    last_active_at: doc.last_active_at,
    last_seq: doc.last_seq,
    head_seq: doc.head_seq ?? null,
    head_as_of: doc.head_as_of ?? 0,
  };
}

export function messageToDoc(m: MessageRecord): MessageDoc {
  return {
    thread_id: m.thread_id,
    seq: m.seq,
    id: m.id,
    tenant_id: m.tenant_id,
    role: m.role,
    content: JSON.stringify(m.content),
    status: m.status,
    model: m.model,
    request_id: m.request_id,
    end_user_id: m.end_user_id,
    usage: m.usage,
    stop_reason: m.stop_reason,
    error: m.error,
    created_at: m.created_at,
    completed_at: m.completed_at,
    epoch: m.epoch,
    rev: m.rev,
    last_offset: m.last_offset,
    parent_seq: m.parent_seq,
    ...(m.covers_through_seq === undefined ? {} : { covers_through_seq: m.covers_through_seq }),
  };
}

/** Field by field, so the driver's `_id` and any unknown field never leak into a record. */
export function messageFromDoc(doc: MessageDoc): MessageRecord {
  return {
    id: doc.id,
    object: "message",
    thread_id: doc.thread_id,
    tenant_id: doc.tenant_id,
    seq: doc.seq,
    role: doc.role,
    content: JSON.parse(doc.content),
    status: doc.status,
    model: doc.model,
    request_id: doc.request_id,
    end_user_id: doc.end_user_id,
    usage: doc.usage
      ? {
          input_tokens: doc.usage.input_tokens,
          output_tokens: doc.usage.output_tokens,
          estimated: doc.usage.estimated,
          ...(typeof doc.usage.cache_read_tokens === "number"
            ? { cache_read_tokens: doc.usage.cache_read_tokens }
            : {}),
          ...(typeof doc.usage.cache_write_tokens === "number"
            ? { cache_write_tokens: doc.usage.cache_write_tokens }
            : {}),
        }
      : null,
    stop_reason: doc.stop_reason,
    error: doc.error ? { code: doc.error.code, message: doc.error.message } : null,
    created_at: doc.created_at,
    completed_at: doc.completed_at,
    epoch: doc.epoch,
    rev: doc.rev,
    last_offset: doc.last_offset,
    parent_seq: doc.parent_seq === undefined ? legacyParent(doc.seq) : doc.parent_seq,
    ...(typeof doc.covers_through_seq === "number"
      ? { covers_through_seq: doc.covers_through_seq }
      : {}),
  };
}

export function keyFromDoc(doc: SecretKeyDoc): SecretKeyRecord {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    hash: doc.hash,
    hint: doc.hint,
    created_at: doc.created_at,
    revoked_at: doc.revoked_at,
  };
}

/** A message's place in the tree, from a projection of `seq`, `parent_seq` and `role`. */
export function linkFromDoc(doc: Pick<MessageDoc, "seq" | "parent_seq" | "role">): MessageLink {
  const parent = doc.parent_seq === undefined ? legacyParent(doc.seq) : doc.parent_seq;
  return { seq: doc.seq, parent_seq: parent, role: doc.role };
}

export type { HeadSwitch };
