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

const PersistRefSchema = t.Object({
  thread_id: t.String(),
  seq: t.Integer(),
  rev: t.Integer(),
});

export const PersistPayloadSchema = t.Object({
  thread_id: t.String(),
  seq: t.Integer(),
  rev: t.Integer(),
  /** More tail entries (of any thread) persisted by the same job: one job and one store
   * transaction per node batch, as BullMQ's per-job cost dwarfs a row's. */
  more: t.Optional(t.Array(PersistRefSchema)),
});
export type PersistPayload = Static<typeof PersistPayloadSchema>;
export type PersistRef = Static<typeof PersistRefSchema>;

/** The refs a (batched) persist payload names, in order. */
export function expandPersist(payload: PersistPayload): PersistRef[] {
  const { more = [], thread_id, seq, rev } = payload;
  return [{ thread_id, seq, rev }, ...more];
}

export const FinishedPayloadSchema = t.Object({
  tenant_id: t.String(),
  thread_id: t.String(),
  seq: t.Integer(),
  rev: t.Integer(),
  /** More messages handled by the same job (one job per batch: BullMQ's per-job cost is far
   * above a message's backfill or embedding). Without `thread_id`: the first ref's thread. */
  more: t.Optional(
    t.Array(t.Object({ thread_id: t.Optional(t.String()), seq: t.Integer(), rev: t.Integer() })),
  ),
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
  return [
    first,
    ...more.map((ref) => ({
      ...first,
      thread_id: ref.thread_id ?? first.thread_id,
      seq: ref.seq,
      rev: ref.rev,
    })),
  ];
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
 * The id of a job for a batch of message versions: one version keeps its `jobId`, one thread's
 * run is named by its first and last version, and a batch across threads by its first version,
 * its size and a 53-bit hash of all of them. Equal batches share an id (a repeat is a no-op);
 * different batches never do (short of a hash collision), so no batch is dropped as a repeat.
 */
export function batchJobId(
  queue: QueueName,
  refs: readonly { threadId: string; seq: number; rev: number }[],
): string {
  const first = refs[0];
  if (!first) throw new Error("batchJobId: empty batch");
  const base = jobId(queue, first.threadId, first.seq, first.rev);
  if (refs.length === 1) return base;
  const last = refs[refs.length - 1]!;
  if (refs.every((r) => r.threadId === first.threadId)) return `${base}-to-${last.seq}-${last.rev}`;
  const text = refs.map((r) => `${r.threadId}/${r.seq}/${r.rev}`).join(",");
  return `${base}-n${refs.length}-${hash53(text).toString(36)}`;
}

/** cyrb53: a fast 53-bit string hash (not cryptographic; ids only). */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
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
