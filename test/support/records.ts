/**
 * Record factories for store tests: a thread, a message, a tenant, a secret key, each with
 * defaults that make a valid record and overrides for what a test is about. Ids are random so
 * tests never collide, even when they share one database.
 */
import { randomUUID } from "node:crypto";
import type {
  MessageRecord,
  SecretKeyRecord,
  TenantRecord,
  ThreadRecord,
} from "../../src/domain/records.ts";
import type { SearchDocument } from "../../src/ports/search.ts";

/** A fixed base time so orderings in tests do not depend on the clock. */
export const BASE_TIME_MS = Date.UTC(2026, 0, 1);

export function freshId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll("-", "")}`;
}

export function threadRecord(overrides: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    id: freshId("thr"),
    tenant_id: freshId("ten"),
    end_user_id: null,
    metadata: {},
    created_at: BASE_TIME_MS,
    last_active_at: BASE_TIME_MS,
    last_seq: 0,
    head_seq: null,
    head_as_of: 0,
    ...overrides,
  };
}

/** A completed user text message of `thread` at `seq`, epoch 1, rev 1. */
export function messageRecord(
  thread: Pick<ThreadRecord, "id" | "tenant_id">,
  seq: number,
  overrides: Partial<MessageRecord> = {},
): MessageRecord {
  return {
    id: freshId("msg"),
    object: "message",
    thread_id: thread.id,
    tenant_id: thread.tenant_id,
    seq,
    parent_seq: seq > 1 ? seq - 1 : null,
    role: "user",
    content: [{ type: "text", text: `message ${seq}` }],
    status: "completed",
    model: null,
    request_id: null,
    end_user_id: null,
    usage: null,
    stop_reason: null,
    error: null,
    created_at: new Date(BASE_TIME_MS + seq).toISOString(),
    completed_at: null,
    epoch: 1,
    rev: 1,
    last_offset: -1,
    ...overrides,
  };
}

/** Messages 1..count of a thread; every `toolEvery`-th one (when given) has role "tool". */
export function messageRange(
  thread: Pick<ThreadRecord, "id" | "tenant_id">,
  count: number,
  toolEvery = 0,
): MessageRecord[] {
  const records: MessageRecord[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const isTool = toolEvery > 0 && seq % toolEvery === 0;
    records.push(messageRecord(thread, seq, isTool ? { role: "tool" } : {}));
  }
  return records;
}

export function tenantRecord(overrides: Partial<TenantRecord> = {}): TenantRecord {
  return { id: freshId("ten"), name: "Acme", created_at: BASE_TIME_MS, ...overrides };
}

export function secretKeyRecord(
  tenantId: string,
  overrides: Partial<SecretKeyRecord> = {},
): SecretKeyRecord {
  const hash = randomUUID().replaceAll("-", "").repeat(2);
  return {
    id: freshId("key"),
    tenant_id: tenantId,
    hash,
    hint: "sk_test",
    created_at: BASE_TIME_MS,
    revoked_at: null,
    ...overrides,
  };
}

/** The search document of a message's first text block (seq 1), with its vector if any. */
export function searchDocument(
  tenantId: string,
  threadId: string,
  text: string,
  vector: Float32Array | null = null,
): SearchDocument {
  return {
    id: `${threadId}:1:0`,
    tenant_id: tenantId,
    end_user_id: null,
    thread_id: threadId,
    seq: 1,
    block_index: 0,
    role: "user",
    block_type: "text",
    model: null,
    text,
    created_at: 1,
    vector,
  };
}
