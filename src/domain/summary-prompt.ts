/**
 * The compaction request and how a summary is shown to the model afterwards. The summarizer gets
 * the conversation as one plain-text transcript (any model can read it, and a tool_use cannot be
 * orphaned from its tool_result when both are text), bounded in tokens: past the bound the oldest
 * covered messages are left out, the previous summary stands for them. Pure.
 */
import { blockText, estimateTextTokens } from "./tokens.ts";

export const SUMMARY_SYSTEM_PROMPT =
  "You compress conversations. Write a faithful summary of the conversation you are given, for " +
  "the same assistant to continue it later: the user's goals, facts and decisions established, " +
  "names, numbers, code and file names that matter, open questions and unfinished tasks. Write " +
  "it as notes, in the conversation's language. Do not add anything that was not said.";

/** 32,000 tokens: a summarizer request stays small enough for any current model (and a job). */
export const SUMMARY_INPUT_MAX_TOKENS = 32_000;
/** 2,000 tokens: a summary is a small fraction of any window; it is sent with every turn. */
export const SUMMARY_MAX_OUTPUT_TOKENS = 2000;

export interface TranscriptMessage {
  seq: number;
  role: "user" | "assistant" | "tool";
  content: Parameters<typeof blockText>[0][];
}

/** The transcript the summarizer reads: the previous summary, then each covered message. */
export function summaryTranscript(
  previousSummary: string | null,
  covered: readonly TranscriptMessage[],
  maxTokens = SUMMARY_INPUT_MAX_TOKENS,
): string {
  const head = previousSummary
    ? `[summary of the conversation before]\n${previousSummary}\n\n`
    : "";
  let budget = maxTokens - estimateTextTokens(head);
  const lines: string[] = [];
  for (let i = covered.length - 1; i >= 0; i--) {
    const m = covered[i]!;
    const line = `[${m.role}]\n${m.content.map(blockText).join("\n")}\n`;
    const cost = estimateTextTokens(line);
    if (cost > budget) break;
    lines.unshift(line);
    budget -= cost;
  }
  const omitted = covered.length - lines.length;
  const gap = omitted > 0 ? `[${omitted} older messages omitted]\n\n` : "";
  return `${head}${gap}${lines.join("\n")}`;
}

/**
 * How the latest summary reaches the provider: appended to the system prompt, clearly labelled,
 * so it is neither a user turn (which would break role alternation) nor something the user said.
 */
export function systemWithSummary(
  system: string | null,
  summary: { text: string; coversThroughSeq: number } | null,
): string | null {
  if (!summary) return system;
  const block =
    `<conversation_summary covers_through_seq="${summary.coversThroughSeq}">\n` +
    "Earlier messages of this conversation are not shown; this summary stands for them.\n" +
    `${summary.text}\n</conversation_summary>`;
  return system ? `${system}\n\n${block}` : block;
}
