/**
 * Builds what one model call of a turn sends (API.md "Long threads"): the system prompt with the
 * latest summary appended (labelled, domain/summary-prompt.ts), then the newest messages after it
 * that fit `context_window − max_tokens − system − tool definitions`; and asks for a compaction
 * when that context passes the threshold. Token counts are estimates (on the safe side), cached
 * per record version so a warm build on a long thread does not re-measure every message.
 */
import { buildContext, type ConversationRecord } from "../src/domain/context-build.ts";
import type { ModelMessage } from "../src/domain/model-context.ts";
import type { MessageRecord } from "../src/domain/records.ts";
import { systemWithSummary } from "../src/domain/summary-prompt.ts";
import { blockText, estimateTextTokens, estimateTokens } from "../src/domain/tokens.ts";
import type { ModelCatalog, ModelProvider } from "../src/ports/llm.ts";
import type { ToolDefinition } from "../src/protocol/requests.ts";
import type { ThreadCompaction } from "./compaction.ts";

/** What a provider's chat format adds per message around its content (OpenAI documents ~4). */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export interface TurnContextInput {
  provider: ModelProvider;
  /** The provider's model name, and the turn's `provider/name` (for the summarizer). */
  model: string;
  canonicalModel: string | null;
  system: string | null;
  tools: ToolDefinition[];
  maxTokens: number;
  /** The thread as the actor holds it, seq order, summaries included. */
  records: readonly MessageRecord[];
  /** The message being generated: only what precedes it is context. */
  seq: number;
}

export interface TurnContext {
  system: string | null;
  messages: ModelMessage[];
  /** Seq of the newest message left out (dropped or summarized), null when all fit. */
  droppedThroughSeq: number | null;
  summarySeq: number | null;
  /** Estimated tokens of the whole request's input (system, tools, messages). */
  tokens: number;
}

export class TurnContextBuilder {
  /** Record versions are replaced, never mutated: a version's count holds for its life. */
  readonly #counts = new WeakMap<MessageRecord, number>();

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly compaction: ThreadCompaction | null,
  ) {}

  build(input: TurnContextInput): TurnContext {
    const window = this.catalog.contextWindow({ provider: input.provider, model: input.model });
    const fixed =
      estimateTextTokens(input.system ?? "") +
      estimateTextTokens(JSON.stringify(input.tools)) +
      MESSAGE_OVERHEAD_TOKENS;
    const budgetTokens = window - input.maxTokens - fixed;
    const branch: MessageRecord[] = [];
    const summaries: MessageRecord[] = [];
    for (const r of input.records) {
      if (r.seq >= input.seq) continue;
      (r.role === "summary" ? summaries : branch).push(r);
    }
    const countTokens = (r: MessageRecord) => this.#count(r);
    const built = buildContext({ branch, summaries, budgetTokens, countTokens });
    if (input.canonicalModel)
      this.compaction?.request({
        built,
        branch,
        summaries,
        budgetTokens,
        countTokens,
        model: input.canonicalModel,
      });
    const summary = built.summary;
    return {
      system: systemWithSummary(input.system, summary ? summaryOf(summary) : null),
      messages: built.fit.messages.map(toModelMessage),
      droppedThroughSeq: built.fit.droppedThroughSeq ?? summary?.covers_through_seq ?? null,
      summarySeq: summary?.seq ?? null,
      tokens: fixed + built.fit.tokens + (summary ? countTokens(summary) : 0),
    };
  }

  #count(record: MessageRecord): number {
    let n = this.#counts.get(record);
    if (n === undefined) {
      n =
        record.role === "summary"
          ? estimateTextTokens(systemWithSummary(null, summaryOf(record)) ?? "")
          : estimateTokens(record.content) + MESSAGE_OVERHEAD_TOKENS;
      this.#counts.set(record, n);
    }
    return n;
  }
}

function summaryOf(record: MessageRecord): { text: string; coversThroughSeq: number } {
  return {
    text: record.content.map(blockText).join("\n"),
    coversThroughSeq: record.covers_through_seq ?? 0,
  };
}

function toModelMessage(record: ConversationRecord): ModelMessage {
  return { role: record.role, content: record.content };
}
