/**
 * The durable message store (SQLite embedded, MongoDB at scale). The contract suite in
 * test/contract/thread-store.contract.ts runs against every adapter.
 *
 * Contract:
 * - Every read is scoped: a thread of another tenant is `null`, exactly as a missing one.
 * - `upsertMessages` is idempotent and conditional: a record is written only while its thread
 *   exists, and only over an older version: a higher `epoch`, or the same epoch and a higher
 *   `rev`. Writing the same record twice, or an older one after a newer one, changes nothing.
 *   Each call is atomic per record; callers may batch records of many threads.
 * - `(thread_id, seq)` is unique. Messages are never reordered: keyset pages on `seq`.
 * - `touchThread` only moves `last_seq` and `last_active_at` forward.
 * - `deleteThread` removes the thread and all its messages; later upserts for it are dropped.
 * - `setUsage` fills a stored message's `usage` only where it is null or `estimated: true`; it
 *   touches neither `epoch` nor `rev`, so it never collides with the owner's next version (a newer
 *   version written later replaces it, and its own backfill job fills it again).
 * - The usage ledger (`recordUsage` / `usageTotals`) holds one entry per `(thread_id, seq)`:
 *   recording again replaces the entry, so a job that runs twice never counts twice. Entries
 *   outlive `deleteThread` (usage was consumed whether or not the thread is kept).
 * - `anonymizeUsage` (erasure of an end user) clears `end_user_id` on every ledger entry of that
 *   end user of the tenant, keeping the counts: tenant totals stay the same, and no entry names
 *   the end user any more. Idempotent.
 * - Branches: every message keeps its `parent_seq`; `messageLinks` gives every message's place in
 *   the tree (seq order), `getMessages` the messages of given seqs (seq order, missing ones left
 *   out). `setHead` stores a branch switch only over one with an equal or lower `asOf`, so a
 *   late write of an older switch never undoes a newer one. Rows written before branches read
 *   back with `parent_seq = seq - 1` (a migration, or a default on read).
 * - Callers serialize nothing: the store must be safe under concurrent calls from many processes.
 */

import type { HeadSwitch, MessageLink } from "../domain/branches.ts";
import type { MessageRecord, ThreadRecord } from "../domain/records.ts";
import type { Metadata, Usage } from "../protocol/objects.ts";

export interface ThreadPageQuery {
  tenantId: string;
  /** Only this end user's threads when set. */
  endUserId?: string;
  limit: number;
  /** Keyset position: threads strictly after it in (last_active_at desc, id desc) order. */
  after?: { lastActiveAt: number; id: string };
}

export interface MessagePageQuery {
  threadId: string;
  limit: number;
  order: "asc" | "desc";
  /** Keyset position: messages strictly after this seq in the page order. */
  afterSeq?: number;
  /** When false, `tool` messages are left out (by the store, so pages stay full). */
  includeTools: boolean;
  /** Unless true, `summary` messages (compaction) are left out the same way. */
  includeSummaries?: boolean;
}

export interface UpsertOutcome {
  /** How many records changed a row. */
  written: number;
}

/** One message's usage in the ledger. */
export interface UsageEntry {
  tenant_id: string;
  end_user_id: string | null;
  thread_id: string;
  seq: number;
  input_tokens: number;
  output_tokens: number;
  estimated: boolean;
  /** Epoch milliseconds the message was created: the time axis of the totals. */
  at: number;
}

export interface UsageQuery {
  tenantId: string;
  /** Only this end user's entries when set. */
  endUserId?: string;
  /** Epoch milliseconds, `from` inclusive, `to` exclusive. */
  from: number;
  to: number;
}

export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  /** Messages counted, and how many of them carry estimated counts. */
  messages: number;
  estimated_messages: number;
}

export interface ThreadStore {
  createThread(thread: ThreadRecord): Promise<void>;
  getThread(tenantId: string, threadId: string): Promise<ThreadRecord | null>;
  listThreads(query: ThreadPageQuery): Promise<ThreadRecord[]>;
  updateThreadMetadata(
    tenantId: string,
    threadId: string,
    metadata: Metadata,
  ): Promise<ThreadRecord | null>;
  touchThread(threadId: string, lastSeq: number, lastActiveAt: number): Promise<void>;
  deleteThread(tenantId: string, threadId: string): Promise<boolean>;

  upsertMessages(records: MessageRecord[]): Promise<UpsertOutcome>;
  listMessages(query: MessagePageQuery): Promise<MessageRecord[]>;
  getMessage(threadId: string, seq: number): Promise<MessageRecord | null>;
  getMessages(threadId: string, seqs: number[]): Promise<MessageRecord[]>;
  messageLinks(threadId: string): Promise<MessageLink[]>;
  /** Stores a branch switch of the thread; false when the thread is missing or has a newer one. */
  setHead(tenantId: string, threadId: string, head: HeadSwitch): Promise<boolean>;
  /** Highest stored seq of the thread, 0 when it has none. */
  lastSeq(threadId: string): Promise<number>;

  /** Fills usage of a stored message that has none or an estimate; true when a row changed. */
  setUsage(threadId: string, seq: number, usage: Usage): Promise<boolean>;
  /** Upserts ledger entries by (thread_id, seq). */
  recordUsage(entries: UsageEntry[]): Promise<void>;
  usageTotals(query: UsageQuery): Promise<UsageTotals>;
  /** Clears the end user of their ledger entries; returns how many entries changed. */
  anonymizeUsage(tenantId: string, endUserId: string): Promise<number>;

  close(): Promise<void>;
}
