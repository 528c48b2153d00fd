/**
 * The hot tier of a thread (Redis): its seq counter, the unpersisted tail of messages, request-id
 * dedup entries and the per-message event logs that make streams resumable.
 *
 * Contract:
 * - Every write is fenced: it names the writer's epoch and is refused (`fenced`) unless that epoch
 *   is the thread's current lease epoch. Writes of one thread are serialized by its actor.
 * - `appendMessages` is atomic: the request-id check, the `if_last_seq` check, the seq assignment
 *   (last_seq + 1, + 2, …) and the tail writes happen together or not at all.
 * - `appendMessageGroup` runs several such appends of one thread in one round trip, in order, each
 *   as `appendMessages` would (its own dedup entry, fingerprint and `if_last_seq` check, all or
 *   none); a refusal fails only that request, `fenced` fails the whole group. The writer assigns
 *   the seqs as if every earlier request of the group is appended; a request after a refusal is
 *   answered `not_run` (with every later one), to be built again from the real last seq.
 * - Event logs are append-only; `appendEvents` checks that each batch starts at the log's current
 *   length, so a retried batch can never duplicate an event.
 * - Events travel as serialized JSON strings: serialized once by the writer, sent as-is to every
 *   subscriber.
 * - `trimTail` removes a tail entry only if it is still the version the store has persisted.
 * - The in-progress index (`trackInProgress` …) is one global set, outside every thread's hash
 *   tag, so it is written apart from the thread's fenced scripts: a writer tracks a thread
 *   *before* appending an in-progress message, so a crash between the two leaves an extra entry
 *   (the reaper drops it), never an untracked orphan. Entries are not removed when a message
 *   settles; the reaper drops those whose thread has nothing in progress.
 */
import type { MessageRecord } from "../domain/records.ts";

export type Fenced = { ok: true } | { ok: false; reason: "stale_epoch" };

export interface AppendMessagesInput {
  threadId: string;
  epoch: number;
  requestId: string | null;
  fingerprint: string;
  ifLastSeq: number | null;
  /** Messages to add in order; their `seq` is assigned by the store. */
  messages: MessageRecord[];
  dedupTtlMs: number;
}

export type AppendMessagesResult =
  | { kind: "appended"; seqs: number[] }
  | { kind: "duplicate"; seqs: number[] }
  | { kind: "mismatch" }
  | { kind: "seq_conflict"; lastSeq: number }
  | { kind: "fenced" };

/** One request of a grouped append: `AppendMessagesInput` without what the group shares. */
export interface GroupedAppend {
  requestId: string | null;
  fingerprint: string;
  ifLastSeq: number | null;
  messages: MessageRecord[];
}

export interface AppendGroupInput {
  threadId: string;
  epoch: number;
  dedupTtlMs: number;
  /** In mailbox order; the first one's seqs start right after the writer's last seq. */
  requests: GroupedAppend[];
}

/** `not_run`: an earlier request of the group was refused; build this one again and resend. */
export type GroupedAppendResult = AppendMessagesResult | { kind: "not_run" };

export interface EventBatch {
  seq: number;
  /** Offset of the first event in `events`; must equal the log's current length. */
  firstOffset: number;
  events: string[];
  /** Set when the batch ends the message: the log then expires after this many ms. */
  expireAfterMs?: number;
}

/** A compaction summary a worker made, waiting for the thread's owner to append it. */
export interface SummaryDraft {
  /** The branch message the summary covers through. */
  covers_through_seq: number;
  text: string;
  /** `provider/name` of the model that wrote it. */
  model: string;
  input_tokens: number;
  output_tokens: number;
}

export interface CheckpointStore {
  /** Current last seq, or null when the hot tier has none (new thread, or lost). */
  lastSeq(threadId: string): Promise<number | null>;
  /** Sets last seq if the hot tier has none (after a loss), fenced. */
  initLastSeq(threadId: string, epoch: number, seq: number): Promise<Fenced>;

  appendMessages(input: AppendMessagesInput): Promise<AppendMessagesResult>;
  /** One result per request, in order (see the contract above). */
  appendMessageGroup(input: AppendGroupInput): Promise<GroupedAppendResult[]>;
  /** A recorded request id: its fingerprint and the seqs of the turn it produced. */
  findRequest(
    threadId: string,
    requestId: string,
  ): Promise<{ fingerprint: string; seqs: number[] } | null>;
  /** Replaces a tail entry with a newer version of the same message (status, content, usage). */
  putMessage(threadId: string, epoch: number, record: MessageRecord): Promise<Fenced>;
  readTail(threadId: string): Promise<MessageRecord[]>;
  readTailMessage(threadId: string, seq: number): Promise<MessageRecord | null>;
  /** The tail entries of these seqs, in their order (null where a seq has none): one round trip. */
  readTailMessages(threadId: string, seqs: number[]): Promise<(MessageRecord | null)[]>;
  /** Removes each entry still at (or below) the given rev; returns how many were removed. */
  trimTail(threadId: string, entries: { seq: number; rev: number }[]): Promise<number>;

  /** Appends all batches in one round trip; all or none. */
  appendEvents(threadId: string, epoch: number, batches: EventBatch[]): Promise<Fenced>;
  /** Events of message `seq` from `fromOffset` on (at most `limit`); null when the log does not exist. */
  readEvents(
    threadId: string,
    seq: number,
    fromOffset: number,
    limit?: number,
  ): Promise<string[] | null>;
  /** Length of the event log of message `seq` (0 when missing). */
  eventCount(threadId: string, seq: number): Promise<number>;
  /** Lets a finished message's log expire. */
  expireEvents(threadId: string, seq: number, ttlMs: number): Promise<void>;
  /** Removes message `seq`'s log at once (the message was erased); a missing log is a no-op. */
  deleteEvents(threadId: string, seq: number): Promise<void>;

  deleteThread(threadId: string): Promise<void>;

  /**
   * Summary drafts (compaction): at most one per thread, a later put replaces it; it expires
   * after `ttlMs`. Not fenced: a draft is a proposal from a worker, and the owner's append of the
   * `summary` message is the fenced write (it checks the draft is still newer than its summary).
   */
  putSummaryDraft(threadId: string, draft: SummaryDraft, ttlMs: number): Promise<void>;
  readSummaryDraft(threadId: string): Promise<SummaryDraft | null>;
  /** Removes the draft if it is still the one covering through `coversThroughSeq`. */
  deleteSummaryDraft(threadId: string, coversThroughSeq: number): Promise<void>;

  /** Adds (or refreshes, with `at` as its time) the thread in the in-progress index. */
  trackInProgress(threadId: string, at?: number): Promise<void>;
  /** Up to `limit` indexed threads tracked at or before `before` (epoch ms), oldest first. */
  listInProgress(before: number, limit: number): Promise<{ threadId: string; since: number }[]>;
  /** Removes the entry only if it was not refreshed since `since`; true when removed. */
  untrackInProgress(threadId: string, since: number): Promise<boolean>;
}
