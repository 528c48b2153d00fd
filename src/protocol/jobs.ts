/**
 * Job names and payloads: the contract between the processes that enqueue (actors) and the
 * workers. Kept in protocol because both sides depend on it. Payloads are small references; a
 * worker reads the current state, so a job that runs late or twice acts on the newest version.
 */
import { type Static, Type as t } from "@sinclair/typebox";

export const QUEUE_NAMES = {
  persist: "persist-message",
  backfill: "backfill-tokens",
  embed: "embed-message",
  reap: "reap-orphans",
  retention: "enforce-retention",
  /** Re-embeds the search index after its vector space changed (workers/reembed-index.ts). */
  reembed: "reembed-index",
  compact: "compact-thread",
  canary: "canary",
  /** Messages that cannot be persisted; no worker takes them, an operator does. */
  deadLetter: "dead-letter",
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export const PersistPayloadSchema = t.Object({
  thread_id: t.String(),
  seq: t.Integer(),
  rev: t.Integer(),
});
export type PersistPayload = Static<typeof PersistPayloadSchema>;

export const FinishedPayloadSchema = t.Object({
  tenant_id: t.String(),
  thread_id: t.String(),
  seq: t.Integer(),
  rev: t.Integer(),
  /** More messages of the same thread handled by the same job (one job per batch: BullMQ's
   * per-job cost is far above a message's backfill or embedding). */
  more: t.Optional(t.Array(t.Object({ seq: t.Integer(), rev: t.Integer() }))),
});
export type FinishedPayload = Static<typeof FinishedPayloadSchema>;

/**
 * Compaction (API.md "Long threads"): summarize a thread's older messages. The owner builds the
 * transcript from the branch it holds (bounded: domain/summary-prompt.ts), so the worker reads
 * nothing and the job means the same wherever and whenever it runs; the worker writes a summary
 * draft that the owner appends as the `summary` message.
 */
export const CompactPayloadSchema = t.Object({
  tenant_id: t.String(),
  thread_id: t.String(),
  covers_through_seq: t.Integer({ minimum: 1 }),
  /** `provider/name` of the summarizer (SUMMARY_MODEL, else the thread's model). */
  model: t.String(),
  transcript: t.String(),
});
export type CompactPayload = Static<typeof CompactPayloadSchema>;

/** The single-message payloads a (batched) finished payload stands for. */
export function expandFinished(payload: FinishedPayload): FinishedPayload[] {
  const { more = [], ...first } = payload;
  return [first, ...more.map((ref) => ({ ...first, seq: ref.seq, rev: ref.rev }))];
}

export const ReembedPayloadSchema = t.Object({
  /** The walk's cursor when the job was enqueued: names the job, so one waits per position. The
   * job itself reads the cursor the index stored, which is never behind this one. */
  cursor: t.Integer({ minimum: 0 }),
});
export type ReembedPayload = Static<typeof ReembedPayloadSchema>;

/** One re-embedding job per cursor position: a repeat enqueue at the same position is a no-op. */
export function reembedJobId(cursor: number): string {
  return `${QUEUE_NAMES.reembed}-${cursor}`;
}

/** One compaction job per thread and cut. */
export function compactionJobId(payload: { thread_id: string; covers_through_seq: number }) {
  return `${QUEUE_NAMES.compact}-${payload.thread_id}-${payload.covers_through_seq}`;
}

/** BullMQ forbids `:` in custom ids; thread ids never contain one. */
export function jobId(queue: QueueName, threadId: string, seq: number, rev: number): string {
  return `${queue}-${threadId}-${seq}-${rev}`;
}

/**
 * A job that can never succeed (malformed payload): thrown by a handler, it is failed at once
 * instead of retried. Identified by `code`, since errors cross process boundaries.
 */
export class PermanentJobError extends Error {
  readonly code = "permanent_job_error";
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

export function isPermanentJobError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "permanent_job_error";
}

/** The reaper's scheduler id: every process upserts the same one, so one schedule exists. */
export const REAPER_SCHEDULER_ID = "reap-orphans-every";
export const RETENTION_SCHEDULER_ID = "enforce-retention-every";
