/**
 * Creates and settles messages of one thread on its owner: appends (fenced, deduplicated, seq
 * assigned in Redis), emits their `message.created` events, finalizes assistant messages from their
 * own event log, and hands settled versions to the persist / finished jobs.
 */

import { MAX_CONTEXT_BYTES_PER_ACTOR } from "../src/domain/context-retention.ts";
import type { MessageRecord, NewMessage, ThreadRecord } from "../src/domain/records.ts";
import { toWireMessage } from "../src/domain/records.ts";
import { estimateTokens } from "../src/domain/tokens.ts";
import type { AppendMessagesResult } from "../src/ports/checkpoint.ts";
import {
  IdempotencyMismatchError,
  SeqConflictError,
  UnavailableError,
  ValidationError,
} from "../src/protocol/errors.ts";
import type { MessageStatus, StopReason, Usage } from "../src/protocol/objects.ts";
import type { ActorDeps } from "./actor-deps.ts";
import { BranchHead, checkSeq } from "./branch-head.ts";
import {
  type Appended,
  type AppendOptions,
  appendGroup,
  type GroupedSend,
  type GroupOutcome,
} from "./grouped-append.ts";
import { newRecord } from "./new-record.ts";
import { ThreadContext } from "./thread-context.ts";
import { ThreadJobs } from "./thread-jobs.ts";
import type { ThreadLog } from "./thread-log.ts";

export interface Settlement {
  status: Exclude<MessageStatus, "in_progress" | "deleted">;
  stopReason: StopReason | null;
  usage: Usage | null;
  error: { code: string; message: string } | null;
  /** The prompt's estimated size, used when `usage` is null (input_tokens is never left 0). */
  estimatedInputTokens?: number;
}

export type { NewMessage };

export class MessageWriter {
  /** Messages this node created and that are not settled yet, by seq. */
  readonly open = new Map<number, MessageRecord>();
  lastSeq: number;
  readonly #jobs: ThreadJobs;
  /** What model calls see of the thread; kept current by this writer. */
  readonly context: ThreadContext;
  readonly #settledWaiters = new Map<number, (() => void)[]>();
  /** The thread's head: where an append without `parent_seq` goes. */
  readonly #branch: BranchHead;

  constructor(
    private readonly deps: ActorDeps,
    private readonly thread: ThreadRecord,
    readonly epoch: number,
    private readonly log: ThreadLog,
    lastSeq: number,
    private readonly onFenced: () => void,
  ) {
    this.lastSeq = lastSeq;
    this.#branch = new BranchHead(deps, thread);
    this.#jobs = new ThreadJobs(deps.jobs, thread.tenant_id, deps.logger, deps.clock);
    const maxBytes = deps.limits.maxContextBytes ?? MAX_CONTEXT_BYTES_PER_ACTOR;
    this.context = new ThreadContext(() => deps.history.recent(thread.id, maxBytes), maxBytes);
  }

  /** Resolves when every job of this writer was handed to the queue. */
  persistQueued(): Promise<void> {
    return this.#jobs.drained();
  }

  /**
   * Appends messages atomically, each following the one before it; the first follows
   * `parentSeq` (undefined: the head). Returns the raw outcome for duplicates, throws API errors.
   */
  async append(messages: NewMessage[], options: AppendOptions): Promise<Appended> {
    const now = new Date(this.deps.clock.now()).toISOString();
    const parent = options.parentSeq === undefined ? await this.head() : options.parentSeq;
    const records = this.#build(messages, parent, this.lastSeq, now);
    await this.#trackInProgress(records);
    const result = await this.deps.checkpoint.appendMessages({
      threadId: this.thread.id,
      epoch: this.epoch,
      requestId: options.requestId,
      fingerprint: options.fingerprint,
      ifLastSeq: options.ifLastSeq,
      messages: records,
      dedupTtlMs: this.deps.limits.dedupTtlMs,
    });
    if (result.kind === "fenced") this.onFenced();
    return this.#accept(result, records);
  }

  /**
   * Appends several sends in one grouped call (issue 17), each as `append` would, in order: each
   * follows the head and last seq as the ones before it left them. Never throws: one outcome per
   * send. Sends after a refusal (answered `not_run`) are built again from the real state and sent
   * in a further call (grouped-append.ts).
   */
  appendGroup(sends: GroupedSend[]): Promise<GroupOutcome[]> {
    return appendGroup(sends, {
      lastSeq: () => this.lastSeq,
      head: () => this.head(),
      build: (messages, parent, lastSeq, now) => this.#build(messages, parent, lastSeq, now),
      now: () => new Date(this.deps.clock.now()).toISOString(),
      send: async (requests) => {
        await this.#trackInProgress(requests.flatMap((r) => r.messages));
        return this.deps.checkpoint.appendMessageGroup({
          threadId: this.thread.id,
          epoch: this.epoch,
          dedupTtlMs: this.deps.limits.dedupTtlMs,
          requests,
        });
      },
      fenced: () => this.onFenced(),
      accept: (result, records) => this.#accept(result, records),
    });
  }

  /** The records of one append, from `lastSeq` on; the first follows `parent`. */
  #build(
    messages: NewMessage[],
    parentSeq: number | null,
    lastSeq: number,
    now: string,
  ): MessageRecord[] {
    let parent = parentSeq;
    if (parent !== null) checkSeq(parent, "parent_seq", lastSeq);
    return messages.map((m, i) => {
      const seq = lastSeq + 1 + i;
      const own = m.imported?.parentSeq;
      if (own !== undefined && own !== null && (own < 1 || own >= seq)) {
        throw new ValidationError(`parent_seq ${own} must be an earlier message.`, "parent_seq");
      }
      // A summary sits beside the conversation, after the message it covers through.
      const parentOf = m.coversThroughSeq ?? (own === undefined ? parent : own);
      const record = newRecord(this.thread, this.epoch, m, { seq, parentSeq: parentOf, now });
      if (m.coversThroughSeq === undefined) parent = record.seq;
      return record;
    });
  }

  /** Indexed before the append, so a crash in between leaves an extra entry, never a missing one. */
  async #trackInProgress(records: MessageRecord[]): Promise<void> {
    if (records.some((r) => r.status === "in_progress")) {
      await this.deps.checkpoint.trackInProgress(this.thread.id);
    }
  }

  /** The store's answer to one append: refusals as API errors, an append into the writer's state. */
  async #accept(result: AppendMessagesResult, records: MessageRecord[]): Promise<Appended> {
    switch (result.kind) {
      case "mismatch":
        throw new IdempotencyMismatchError();
      case "seq_conflict":
        throw new SeqConflictError(result.lastSeq);
      case "fenced":
        throw new UnavailableError("This thread moved to another node; retry the request.");
      case "duplicate":
        return result;
    }
    this.lastSeq += records.length;
    await this.#branch.afterAppend(records, this.lastSeq);
    for (const record of records) {
      this.context.put(record);
      this.#announce(record);
    }
    const settled = records.filter((r) => r.status !== "in_progress");
    // Their finished jobs (backfill, embed) are enqueued by the persist worker.
    this.#jobs.persist(settled);
    return result;
  }

  /** The last message of the active branch (null while the thread is empty). */
  head(): Promise<number | null> {
    return this.#branch.current(this.lastSeq);
  }

  /** Makes `seq` the head (a branch switch). */
  switchHead(seq: number): Promise<void> {
    return this.#branch.switchTo(seq, this.lastSeq);
  }

  /** Settles an open message from what its event log holds, durably, then queues its jobs. */
  async settle(seq: number, outcome: Settlement): Promise<MessageRecord> {
    const open = this.open.get(seq);
    if (!open) throw new Error(`message ${seq} is not open on this node`);
    await this.log.flushed();
    const content = this.log.snapshot(seq)?.content ?? open.content;
    const record: MessageRecord = {
      ...open,
      content,
      status: outcome.status,
      stop_reason: outcome.stopReason,
      // No provider count (a cancel, a failure): the prompt by estimate, the output from the log.
      usage: outcome.usage ?? {
        input_tokens: outcome.estimatedInputTokens ?? 0,
        output_tokens: estimateTokens(content),
        estimated: true,
      },
      error: outcome.error,
      completed_at: new Date(this.deps.clock.now()).toISOString(),
      rev: open.rev + 1,
      last_offset: this.log.lastOffset(seq) + 1,
    };
    this.log.emit(seq, { type: `message.${outcome.status}`, message: toWireMessage(record) });
    return this.commitSettled(record);
  }

  /** Records a settled version whose final event was emitted: durably, then queues its jobs. */
  async commitSettled(record: MessageRecord): Promise<MessageRecord> {
    const seq = record.seq;
    await this.log.flushed();
    if (this.log.failed) throw new UnavailableError("This thread moved to another node.");
    const put = await this.deps.checkpoint.putMessage(this.thread.id, this.epoch, record);
    if (!put.ok) {
      this.onFenced();
      throw new UnavailableError("This thread moved to another node.");
    }
    this.open.delete(seq);
    this.context.put(record);
    this.log.forget(seq);
    for (const wake of this.#settledWaiters.get(seq) ?? []) wake();
    this.#settledWaiters.delete(seq);
    // Its finished jobs (backfill, embed) are enqueued by the persist job, once it is stored.
    this.#jobs.persist([record]);
    return record;
  }

  /**
   * Erases a settled message: a new version (this writer's epoch, next rev) with empty content and
   * status `deleted`, usage and seq kept. Fenced into the tail first (the owner is the only
   * writer), then straight into the store (conditional, so the persist job that follows is a
   * no-op there and only trims the tail): the text must not wait for a queue to leave the store.
   * Its event log leaves Redis and the ring, so no replay can show it. An already deleted message
   * only has those clean-ups run again (a first erase cut short by a crash is finished).
   */
  async erase(current: MessageRecord): Promise<MessageRecord> {
    const record: MessageRecord =
      current.status === "deleted"
        ? current
        : {
            ...current,
            content: [],
            status: "deleted",
            error: null,
            epoch: this.epoch,
            rev: current.rev + 1,
          };
    if (record !== current) {
      const put = await this.deps.checkpoint.putMessage(this.thread.id, this.epoch, record);
      if (!put.ok) {
        this.onFenced();
        throw new UnavailableError("This thread moved to another node.");
      }
    }
    this.context.put(record);
    this.log.dropReplay(record.seq);
    await this.deps.checkpoint.deleteEvents(this.thread.id, record.seq);
    await this.deps.store.upsertMessages([record]);
    this.#jobs.persist([record]);
    return record;
  }

  /** Resolves once message `seq` is settled (at once when it is not open here). */
  whenSettled(seq: number): Promise<void> {
    if (!this.open.has(seq)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#settledWaiters.get(seq) ?? [];
      waiters.push(resolve);
      this.#settledWaiters.set(seq, waiters);
    });
  }

  /** Adopts an in-progress message found in the tail (recovery after a crash). */
  adopt(record: MessageRecord): void {
    this.open.set(record.seq, { ...record, epoch: this.epoch });
    this.context.put(record);
  }

  /** Records a version settled by a previous owner whose tail update was lost (already
   * carrying this writer's epoch and a new rev: domain/interrupted-message.ts). */
  async restore(current: MessageRecord): Promise<void> {
    const put = await this.deps.checkpoint.putMessage(this.thread.id, this.epoch, current);
    if (!put.ok) {
      this.onFenced();
      throw new UnavailableError("This thread moved to another node.");
    }
    this.context.put(current);
    this.#jobs.persist([current]); // the persist job then enqueues its finished jobs
  }

  /** Queues persistence of settled tail entries (a crash may have come between append and enqueue). */
  repersist(records: MessageRecord[]): void {
    this.#jobs.persist(records);
  }

  #announce(record: MessageRecord): void {
    if (record.status === "in_progress") this.open.set(record.seq, record);
    this.log.emit(record.seq, { type: "message.created", message: toWireMessage(record) });
  }
}
