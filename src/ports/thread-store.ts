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
 * - Callers serialize nothing: the store must be safe under concurrent calls from many processes.
 */
import type { Metadata } from "../protocol/objects.ts";
import type { MessageRecord, ThreadRecord } from "./records.ts";

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
}

export interface UpsertOutcome {
  /** How many records changed a row. */
  written: number;
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
  /** Highest stored seq of the thread, 0 when it has none. */
  lastSeq(threadId: string): Promise<number>;

  close(): Promise<void>;
}
