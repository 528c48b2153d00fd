/**
 * Compaction of one thread on its owner (API.md "Long threads"). Ahead of need: when a turn's
 * context passes COMPACT_AT_FRACTION of its budget, `request` queues a compact-thread job (the
 * turn goes on at once, fitted by leaving out the oldest exchanges); the worker leaves a summary
 * draft in the checkpoint, and `commitReady`, at the start of a later turn, appends it as the
 * `summary` message through the writer's fenced append — the actor stays the thread's only
 * writer, whichever node ran the job. A draft that is not newer than the summary in use (a job
 * run twice, a previous owner's) is dropped.
 */

import { branchOf, isOnChain } from "../src/domain/branches.ts";
import {
  type BuiltContext,
  compactionCut,
  latestSummary,
  needsCompaction,
} from "../src/domain/context-build.ts";
import type { MessageRecord, ThreadRecord } from "../src/domain/records.ts";
import { summaryTranscript } from "../src/domain/summary-prompt.ts";
import { blockText } from "../src/domain/tokens.ts";
import type { ActorDeps, CompactionSettings } from "./actor-deps.ts";
import type { MessageWriter } from "./message-writer.ts";

/** 60 s: a job that has not delivered by then (retries included) is asked for again. */
const REQUEST_AGAIN_AFTER_MS = 60_000;
const DEFAULT_SETTINGS: CompactionSettings = { enabled: true, summaryModel: null };

export interface CompactionInput {
  built: BuiltContext;
  branch: readonly MessageRecord[];
  summaries: readonly MessageRecord[];
  budgetTokens: number;
  countTokens: (record: MessageRecord) => number;
  /** The turn's model, `provider/name`. */
  model: string;
}

export class ThreadCompaction {
  #requestedAt: number | null = null;
  /** Whether a draft may be waiting (true after a request, and once after activation). */
  #mayHaveDraft = true;
  readonly #settings: CompactionSettings;

  constructor(
    private readonly deps: ActorDeps,
    private readonly thread: ThreadRecord,
    private readonly writer: MessageWriter,
  ) {
    this.#settings = deps.compaction ?? DEFAULT_SETTINGS;
  }

  /** The model that summarizes for a turn on `model`; null when none can (off, the demo model). */
  summarizer(model: string): string | null {
    if (!this.#settings.enabled) return null;
    const chosen = this.#settings.summaryModel ?? model;
    // spool/echo repeats its input: it cannot summarize, so its threads fall back to dropping.
    return chosen.startsWith("spool/") ? null : chosen;
  }

  /** Queues a summary job when the context passed the threshold (at most one outstanding). */
  request(input: CompactionInput): void {
    const model = this.summarizer(input.model);
    if (model === null || !needsCompaction(input.built, input.budgetTokens)) return;
    const now = this.deps.clock.now();
    if (this.#requestedAt !== null && now - this.#requestedAt < REQUEST_AGAIN_AFTER_MS) return;
    const cut = compactionCut(input.branch, input.summaries, input.budgetTokens, input.countTokens);
    if (!cut) return;
    const previous = cut.previous?.content.map(blockText).join("\n") ?? null;
    this.#requestedAt = now;
    this.#mayHaveDraft = true;
    const payload = {
      tenant_id: this.thread.tenant_id,
      thread_id: this.thread.id,
      covers_through_seq: cut.coversThroughSeq,
      model,
      transcript: summaryTranscript(previous, cut.covered),
    };
    this.deps.jobs.enqueueCompaction(payload).catch((error) => {
      // The turn does not depend on it: the next turn past the threshold asks again.
      this.#requestedAt = null;
      this.deps.logger.warn("compaction enqueue failed", { thread: this.thread.id, error });
    });
  }

  /** Appends a ready summary draft as the `summary` message; its seq, or null when none. */
  async commitReady(): Promise<number | null> {
    if (!this.#mayHaveDraft) return null;
    const draft = await this.deps.checkpoint.readSummaryDraft(this.thread.id);
    if (!draft) {
      if (this.#requestedAt === null) this.#mayHaveDraft = false;
      return null;
    }
    const records = await this.writer.context.records();
    // The active branch: a draft made for another branch (the head moved since) is stale.
    const branch = branchOf(records.filter(isOnChain), await this.writer.head());
    const current = latestSummary(
      branch,
      records.filter((r) => r.role === "summary"),
    );
    const position = (seq: number | undefined) => branch.findIndex((r) => r.seq === seq);
    const at = position(draft.covers_through_seq);
    const stale = at < 0 || (current !== null && at <= position(current.covers_through_seq));
    let seq: number | null = null;
    if (!stale) {
      const appended = await this.writer.append(
        [
          {
            role: "summary",
            content: [{ type: "text", text: draft.text }],
            status: "completed",
            model: draft.model,
            requestId: null,
            coversThroughSeq: draft.covers_through_seq,
            usage: {
              input_tokens: draft.input_tokens,
              output_tokens: draft.output_tokens,
              estimated: draft.input_tokens === 0,
            },
          },
        ],
        { requestId: null, fingerprint: "", ifLastSeq: null },
      );
      seq = appended.seqs[0] ?? null;
    }
    await this.deps.checkpoint.deleteSummaryDraft(this.thread.id, draft.covers_through_seq);
    this.#requestedAt = null;
    this.#mayHaveDraft = false;
    return seq;
  }
}
