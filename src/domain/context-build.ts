/**
 * What a turn sends of a long thread (API.md "Long threads"): the latest summary that covers a
 * message of the branch, then the branch's messages after that one, fitted into the budget by
 * leaving out the oldest exchanges (context-fit.ts). Also where the next compaction cuts. Pure and
 * positional: it takes the branch's records in order (which need not have contiguous seqs — a
 * branch skips the seqs of its siblings) plus the thread's summaries, and never does seq
 * arithmetic. Used by actors/turn-runner.ts (each model call) and actors/compaction.ts.
 */
import { type FittedContext, fitToBudget } from "./context-fit.ts";
import { isModelVisible } from "./model-context.ts";
import type { MessageRecord } from "./records.ts";

/** Compaction starts once the context passes 3/4 of the budget: ahead of need, turns go on. */
export const COMPACT_AT_FRACTION = 0.75;
/** A summary leaves the newest half of the budget as messages; the rest is summarized. */
export const KEEP_AFTER_COMPACTION_FRACTION = 0.5;

export type ConversationRole = "user" | "assistant" | "tool";
export type ConversationRecord = MessageRecord & { role: ConversationRole };

export interface BuiltContext {
  /** The summary sent before the messages (null: none covers a message of this branch). */
  summary: MessageRecord | null;
  fit: FittedContext<ConversationRecord>;
  /** Tokens of summary + every message after it, before fitting: what compaction watches. */
  fullTokens: number;
}

export interface ContextInput {
  /** The branch's messages, oldest first; summaries in it are ignored (they are off the chain). */
  branch: readonly MessageRecord[];
  /** The thread's summary messages, any order. */
  summaries: readonly MessageRecord[];
  budgetTokens: number;
  countTokens: (record: MessageRecord) => number;
}

/** The newest summary whose covered message is on this branch. */
export function latestSummary(
  branch: readonly MessageRecord[],
  summaries: readonly MessageRecord[],
): MessageRecord | null {
  const onBranch = new Set(branch.map((r) => r.seq));
  let best: MessageRecord | null = null;
  for (const s of summaries) {
    if (s.role !== "summary" || s.status !== "completed" || s.covers_through_seq === undefined)
      continue;
    if (!onBranch.has(s.covers_through_seq)) continue;
    if (!best || s.seq > best.seq) best = s;
  }
  return best;
}

/** The branch's model-visible messages after the one `summary` covers (all, without one). */
export function messagesAfter(
  branch: readonly MessageRecord[],
  summary: MessageRecord | null,
): ConversationRecord[] {
  const from = summary ? branch.findIndex((r) => r.seq === summary.covers_through_seq) + 1 : 0;
  const out: ConversationRecord[] = [];
  for (let i = from; i < branch.length; i++) {
    const r = branch[i]!;
    if (r.role !== "summary" && isModelVisible(r)) out.push(r as ConversationRecord);
  }
  return out;
}

export function buildContext(input: ContextInput): BuiltContext {
  const summary = latestSummary(input.branch, input.summaries);
  const after = messagesAfter(input.branch, summary);
  const summaryTokens = summary ? input.countTokens(summary) : 0;
  const fit = fitToBudget(after, input.budgetTokens - summaryTokens, input.countTokens);
  const afterTokens = after.reduce((n, r) => n + input.countTokens(r), 0);
  return { summary, fit, fullTokens: summaryTokens + afterTokens };
}

export function needsCompaction(built: BuiltContext, budgetTokens: number): boolean {
  return built.fullTokens > budgetTokens * COMPACT_AT_FRACTION;
}

export interface CompactionCut {
  /** The previous summary, folded into the new one. */
  previous: MessageRecord | null;
  /** The messages the new summary stands for (after the previous summary, through the cut). */
  covered: ConversationRecord[];
  /** The branch message the new summary covers through (its `covers_through_seq`). */
  coversThroughSeq: number;
}

/**
 * Where the next summary cuts: everything after the current summary but the newest exchanges
 * that fill `KEEP_AFTER_COMPACTION_FRACTION` of the budget. Null when there is nothing to cut
 * (one exchange fills the budget, or the context is short).
 */
export function compactionCut(
  branch: readonly MessageRecord[],
  summaries: readonly MessageRecord[],
  budgetTokens: number,
  countTokens: (record: MessageRecord) => number,
): CompactionCut | null {
  const previous = latestSummary(branch, summaries);
  const after = messagesAfter(branch, previous);
  const keep = fitToBudget(after, budgetTokens * KEEP_AFTER_COMPACTION_FRACTION, countTokens);
  const firstKept = keep.messages[0];
  if (!firstKept || keep.droppedThroughSeq === null) return null;
  const index = branch.findIndex((r) => r.seq === firstKept.seq);
  const coversThroughSeq = branch[index - 1]?.seq;
  if (coversThroughSeq === undefined) return null;
  const covered = after.slice(0, after.indexOf(firstKept));
  return { previous, covered, coversThroughSeq };
}
