/**
 * What the compatibility endpoints remember about a caller's conversations (Redis): which thread
 * a history fingerprint belongs to (domain/history-fingerprint.ts), and which turn an
 * `Idempotency-Key` produced, so a retry of a thread-less request finds its thread again.
 *
 * Contract:
 * - Everything is scoped by tenant and end user (null: the tenant's own backend): a fingerprint or
 *   key of one scope is never seen from another.
 * - `claimRequest` is atomic: of concurrent claims of one key exactly one gets `claimed`; the others
 *   see `pending` until the winner calls `putRequest` (or `releaseRequest` on failure), then the
 *   record. A claim expires by itself after `pendingTtlMs` (a crashed claimer blocks nobody long).
 * - Entries expire (`ttlMs`); a lost entry only costs a new thread, never a wrong one: callers
 *   check a thread mark against the thread's current last seq before they trust it.
 * - `forgetEndUser` (erasure) removes every entry of one end user of a tenant; others stay.
 */

export interface IndexScope {
  tenantId: string;
  endUserId: string | null;
}

/** The thread whose history had the fingerprint, and its last seq at that moment. */
export interface ThreadMark {
  threadId: string;
  lastSeq: number;
  /** The turn stopped at client tool calls (the thread waits for their results). */
  waiting: boolean;
}

/** The turn an idempotency key produced. */
export interface RequestRecord {
  threadId: string;
  assistantSeq: number;
  /** Fingerprint of the protocol request, to tell a retry from a reuse of the key (422). */
  fingerprint: string;
}

export type Claim =
  | { kind: "claimed" }
  | { kind: "pending" }
  | { kind: "done"; record: RequestRecord };

export interface ConversationIndex {
  findThread(scope: IndexScope, fingerprint: string): Promise<ThreadMark | null>;
  putThread(scope: IndexScope, fingerprint: string, mark: ThreadMark, ttlMs: number): Promise<void>;
  claimRequest(scope: IndexScope, key: string, pendingTtlMs: number): Promise<Claim>;
  putRequest(scope: IndexScope, key: string, record: RequestRecord, ttlMs: number): Promise<void>;
  releaseRequest(scope: IndexScope, key: string): Promise<void>;
  forgetEndUser(tenantId: string, endUserId: string): Promise<void>;
}
