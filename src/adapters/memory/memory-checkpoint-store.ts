/**
 * CheckpointStore in memory, beside the Redis one and held to the same contract suite
 * (test/contract/checkpoint-store.contract.ts): fenced writes against the memory lease store's
 * live epoch, atomic appends with request-id dedup and `if_last_seq`, offset-checked event logs
 * that expire on the clock, the in-progress index. Records and events are copied in and out (as
 * JSON through Redis would), so no caller can change stored state through a reference.
 */

import type { MessageRecord } from "../../domain/records.ts";
import type {
  AppendGroupInput,
  AppendMessagesInput,
  AppendMessagesResult,
  CheckpointStore,
  EventBatch,
  Fenced,
  GroupedAppend,
  GroupedAppendResult,
  SummaryDraft,
} from "../../ports/checkpoint.ts";
import type { Clock } from "../../ports/clock.ts";
import type { MemoryLeaseStore } from "./memory-lease-store.ts";

const FENCED: Fenced = { ok: false, reason: "stale_epoch" };
const OK: Fenced = { ok: true };

interface EventLog {
  events: string[];
  expiresAt: number | null;
}

interface ThreadState {
  lastSeq: number | null;
  tail: Map<number, string>;
  requests: Map<string, { value: string; expiresAt: number }>;
  logs: Map<number, EventLog>;
}

/** What the Redis adapter throws when a batch does not start at the log's length. */
export class MemoryEventLogConflictError extends Error {
  constructor(threadId: string, seq: number, offset: number) {
    super(`event log of ${threadId}/${seq} is not at offset ${offset}`);
    this.name = "EventLogConflictError";
  }
}

export class MemoryCheckpointStore implements CheckpointStore {
  readonly #threads = new Map<string, ThreadState>();
  readonly #inProgress = new Map<string, number>();
  readonly #drafts = new Map<string, { json: string; expiresAt: number }>();

  constructor(
    private readonly leases: MemoryLeaseStore,
    private readonly clock: Clock,
  ) {}

  async lastSeq(threadId: string): Promise<number | null> {
    return this.#threads.get(threadId)?.lastSeq ?? null;
  }

  async initLastSeq(threadId: string, epoch: number, seq: number): Promise<Fenced> {
    if (!this.#holds(threadId, epoch)) return FENCED;
    const state = this.#state(threadId);
    state.lastSeq ??= seq;
    return OK;
  }

  async appendMessages(input: AppendMessagesInput): Promise<AppendMessagesResult> {
    if (!this.#holds(input.threadId, input.epoch)) return { kind: "fenced" };
    const expectedLast = input.messages[0] ? input.messages[0].seq - 1 : 0;
    const state = this.#state(input.threadId);
    // null: the counter moved under this writer, so another writer exists and this one is stale.
    return this.#appendOne(state, input, expectedLast, input.dedupTtlMs) ?? { kind: "fenced" };
  }

  async appendMessageGroup(input: AppendGroupInput): Promise<GroupedAppendResult[]> {
    const fenced = () => input.requests.map(() => ({ kind: "fenced" as const }));
    if (!this.#holds(input.threadId, input.epoch)) return fenced();
    const state = this.#state(input.threadId);
    let want = input.requests[0]?.messages[0] ? input.requests[0].messages[0].seq - 1 : 0;
    let refused = false;
    const results: GroupedAppendResult[] = [];
    for (const request of input.requests) {
      const outcome =
        results.at(-1)?.kind === "not_run"
          ? null
          : this.#appendOne(state, request, want, input.dedupTtlMs);
      // Nothing refused before: nothing was assumed wrongly, so the counter moved (and nothing
      // of the group was written, as in append-messages-n).
      if (outcome === null && !refused) return fenced();
      if (outcome !== null && outcome.kind !== "appended") refused = true;
      results.push(outcome ?? { kind: "not_run" });
      want += request.messages.length;
    }
    return results;
  }

  /** One append as append-messages-4 runs it; null when the counter is not `expectedLast`. */
  #appendOne(
    state: ThreadState,
    input: GroupedAppend,
    expectedLast: number,
    dedupTtlMs: number,
  ): AppendMessagesResult | null {
    const { messages } = input;
    if (input.requestId !== null) {
      const prior = this.#request(state, input.requestId);
      if (prior !== null) {
        const bar = prior.indexOf("|");
        if (prior.slice(0, bar) !== input.fingerprint) return { kind: "mismatch" };
        return {
          kind: "duplicate",
          seqs: prior
            .slice(bar + 1)
            .split(",")
            .map(Number),
        };
      }
    }
    const last = state.lastSeq ?? 0;
    if (input.ifLastSeq !== null && input.ifLastSeq !== last) {
      return { kind: "seq_conflict", lastSeq: last };
    }
    if (last !== expectedLast) return null;
    const seqs = messages.map((message, i) => {
      state.tail.set(last + i + 1, JSON.stringify(message));
      return last + i + 1;
    });
    state.lastSeq = last + messages.length;
    if (input.requestId !== null) {
      const value = `${input.fingerprint}|${seqs.join(",")}`;
      state.requests.set(input.requestId, { value, expiresAt: this.clock.now() + dedupTtlMs });
    }
    return { kind: "appended", seqs };
  }

  async findRequest(
    threadId: string,
    requestId: string,
  ): Promise<{ fingerprint: string; seqs: number[] } | null> {
    const state = this.#threads.get(threadId);
    const value = state ? this.#request(state, requestId) : null;
    if (value === null) return null;
    const bar = value.indexOf("|");
    return {
      fingerprint: value.slice(0, bar),
      seqs: value
        .slice(bar + 1)
        .split(",")
        .map(Number),
    };
  }

  async putMessage(threadId: string, epoch: number, record: MessageRecord): Promise<Fenced> {
    if (!this.#holds(threadId, epoch)) return FENCED;
    this.#state(threadId).tail.set(record.seq, JSON.stringify(record));
    return OK;
  }

  async readTail(threadId: string): Promise<MessageRecord[]> {
    const tail = this.#threads.get(threadId)?.tail ?? new Map<number, string>();
    return [...tail.values()]
      .map((json) => JSON.parse(json) as MessageRecord)
      .sort((a, b) => a.seq - b.seq);
  }

  async readTailMessage(threadId: string, seq: number): Promise<MessageRecord | null> {
    const json = this.#threads.get(threadId)?.tail.get(seq);
    return json === undefined ? null : (JSON.parse(json) as MessageRecord);
  }

  async readTailMessages(threadId: string, seqs: number[]): Promise<(MessageRecord | null)[]> {
    return Promise.all(seqs.map((seq) => this.readTailMessage(threadId, seq)));
  }

  async trimTail(threadId: string, entries: { seq: number; rev: number }[]): Promise<number> {
    const tail = this.#threads.get(threadId)?.tail;
    if (!tail) return 0;
    let removed = 0;
    for (const { seq, rev } of entries) {
      const json = tail.get(seq);
      if (json !== undefined && (JSON.parse(json) as MessageRecord).rev <= rev) {
        tail.delete(seq);
        removed++;
      }
    }
    return removed;
  }

  async appendEvents(threadId: string, epoch: number, batches: EventBatch[]): Promise<Fenced> {
    // Each batch is checked and written on its own, as each is one script call in Redis.
    for (const batch of batches) {
      if (!this.#holds(threadId, epoch)) return FENCED;
      const logs = this.#state(threadId).logs;
      const log = this.#log(threadId, batch.seq) ?? { events: [], expiresAt: null };
      if (log.events.length !== batch.firstOffset) {
        throw new MemoryEventLogConflictError(threadId, batch.seq, batch.firstOffset);
      }
      log.events.push(...batch.events);
      if (batch.expireAfterMs) log.expiresAt = this.clock.now() + batch.expireAfterMs;
      logs.set(batch.seq, log);
    }
    return OK;
  }

  async readEvents(
    threadId: string,
    seq: number,
    fromOffset: number,
    limit?: number,
  ): Promise<string[] | null> {
    const log = this.#log(threadId, seq);
    if (!log) return null;
    const end = limit === undefined ? undefined : fromOffset + limit;
    return log.events.slice(fromOffset, end);
  }

  async eventCount(threadId: string, seq: number): Promise<number> {
    return this.#log(threadId, seq)?.events.length ?? 0;
  }

  async expireEvents(threadId: string, seq: number, ttlMs: number): Promise<void> {
    const log = this.#log(threadId, seq);
    if (log) log.expiresAt = this.clock.now() + ttlMs;
  }

  async deleteEvents(threadId: string, seq: number): Promise<void> {
    this.#threads.get(threadId)?.logs.delete(seq);
  }

  async putSummaryDraft(threadId: string, draft: SummaryDraft, ttlMs: number): Promise<void> {
    this.#drafts.set(threadId, {
      json: JSON.stringify(draft),
      expiresAt: this.clock.now() + ttlMs,
    });
  }

  async readSummaryDraft(threadId: string): Promise<SummaryDraft | null> {
    const entry = this.#drafts.get(threadId);
    if (!entry || entry.expiresAt <= this.clock.now()) return null;
    return JSON.parse(entry.json) as SummaryDraft;
  }

  async deleteSummaryDraft(threadId: string, coversThroughSeq: number): Promise<void> {
    const draft = await this.readSummaryDraft(threadId);
    if (draft?.covers_through_seq === coversThroughSeq) this.#drafts.delete(threadId);
  }

  async deleteThread(threadId: string): Promise<void> {
    this.#threads.delete(threadId);
    this.#drafts.delete(threadId);
    this.leases.drop(threadId);
  }

  async trackInProgress(threadId: string, at = this.clock.now()): Promise<void> {
    this.#inProgress.set(threadId, at);
  }

  async listInProgress(
    before: number,
    limit: number,
  ): Promise<{ threadId: string; since: number }[]> {
    return [...this.#inProgress.entries()]
      .filter(([, since]) => since <= before)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([threadId, since]) => ({ threadId, since }));
  }

  async untrackInProgress(threadId: string, since: number): Promise<boolean> {
    if (this.#inProgress.get(threadId) !== since) return false;
    this.#inProgress.delete(threadId);
    return true;
  }

  #holds(threadId: string, epoch: number): boolean {
    return this.leases.currentEpoch(threadId) === epoch;
  }

  #state(threadId: string): ThreadState {
    let state = this.#threads.get(threadId);
    if (!state) {
      state = { lastSeq: null, tail: new Map(), requests: new Map(), logs: new Map() };
      this.#threads.set(threadId, state);
    }
    return state;
  }

  #request(state: ThreadState, requestId: string): string | null {
    const entry = state.requests.get(requestId);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now()) {
      state.requests.delete(requestId);
      return null;
    }
    return entry.value;
  }

  #log(threadId: string, seq: number): EventLog | null {
    const state = this.#threads.get(threadId);
    const log = state?.logs.get(seq);
    if (!state || !log) return null;
    if (log.expiresAt !== null && log.expiresAt <= this.clock.now()) {
      state.logs.delete(seq);
      return null;
    }
    return log;
  }
}
