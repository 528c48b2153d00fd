/**
 * Builds what one model call of a turn sends (API.md "Long threads"): the system prompt with the
 * latest summary appended (labelled, domain/summary-prompt.ts), then the newest messages after it
 * that fit `context_window − max_tokens − system − tool definitions`; and asks for a compaction
 * when that context passes the threshold. A message's tokens are counted by the provider's
 * tokenizer where it is exact (OpenAI models, through the Tokenizer port: `prime` before `build`),
 * else estimated (on the safe side); either is cached per record version, so a warm build on a
 * long thread does not re-measure every message.
 */
import { buildContext, type ConversationRecord } from "../src/domain/context-build.ts";
import type { ModelMessage } from "../src/domain/model-context.ts";
import type { MessageRecord } from "../src/domain/records.ts";
import { systemWithSummary } from "../src/domain/summary-prompt.ts";
import { blockText, estimateTextTokens, estimateTokens } from "../src/domain/tokens.ts";
import type { ModelCatalog, ModelProvider } from "../src/ports/llm.ts";
import type { Tokenizer } from "../src/ports/tokenizer.ts";
import type { ToolDefinition } from "../src/protocol/requests.ts";
import type { ThreadCompaction } from "./compaction.ts";

/** What a provider's chat format adds per message around its content (OpenAI documents ~4). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** 500 records a turn: a cold actor's first turn counts at most this many; later turns the rest. */
const PRIME_MAX_RECORDS = 500;
/** Count as far back as 1.25 windows (by estimate): what any fit can reach, with margin. */
const PRIME_REACH_FRACTION = 1.25;
/** After this many inexact answers in a row, a model has no exact tokenizer here: stop asking. */
const INEXACT_STREAK_TO_GIVE_UP = 20;
/**
 * An image, whatever its size (Spool does not read its dimensions): the most either provider
 * charges for one at its default resolution — Anthropic ~1,600 (width × height / 750, scaled to
 * at most ~1.15 megapixels), OpenAI 765 for a 1024×1024 tile set at high detail.
 */
const IMAGE_TOKENS = 1600;

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
  /** Tokens of the whole request's input (system, tools, messages). */
  tokens: number;
  /** True when every message was counted by the provider's tokenizer (system and tools never are). */
  exactMessages: boolean;
}

export class TurnContextBuilder {
  /** Record versions are replaced, never mutated: a version's count holds for its life. */
  readonly #counts = new WeakMap<MessageRecord, number>();
  /** Exact counts by `provider/name`, per record version. */
  readonly #exact = new Map<string, WeakMap<MessageRecord, number>>();
  readonly #inexactStreak = new Map<string, number>();

  constructor(
    private readonly catalog: ModelCatalog,
    private readonly compaction: ThreadCompaction | null,
    private readonly tokenizer: Tokenizer | null = null,
  ) {}

  /** Counts, with the provider's tokenizer, the newest messages a context may hold (once each). */
  async prime(input: TurnContextInput): Promise<void> {
    const id = `${input.provider.name}/${input.model}`;
    const tokenizer = this.tokenizer;
    if (!tokenizer || (this.#inexactStreak.get(id) ?? 0) >= INEXACT_STREAK_TO_GIVE_UP) return;
    const exact = this.#exactFor(id);
    const window = this.catalog.contextWindow({ provider: input.provider, model: input.model });
    const wanted: MessageRecord[] = [];
    let reach = 0;
    for (let i = input.records.length - 1; i >= 0 && wanted.length < PRIME_MAX_RECORDS; i--) {
      const r = input.records[i]!;
      if (r.seq >= input.seq || r.role === "summary") continue;
      if (!exact.has(r)) wanted.push(r);
      reach += this.#estimate(r);
      if (reach > window * PRIME_REACH_FRACTION) break;
    }
    const counts = await Promise.all(
      wanted.map((r) => tokenizer.count(id, r.content.map(blockText))),
    );
    for (const [i, count] of counts.entries()) {
      const streak = count.exact ? 0 : (this.#inexactStreak.get(id) ?? 0) + 1;
      this.#inexactStreak.set(id, streak);
      // An inexact count is no better than the estimate: it stays estimated.
      if (count.exact)
        exact.set(
          wanted[i]!,
          count.tokens + IMAGE_TOKENS * imageCount(wanted[i]!) + MESSAGE_OVERHEAD_TOKENS,
        );
    }
  }

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
    const exact = this.#exactFor(`${input.provider.name}/${input.model}`);
    let exactMessages = true;
    const countTokens = (r: MessageRecord) => {
      const n = r.role === "summary" ? undefined : exact.get(r);
      if (n !== undefined) return n;
      if (r.role !== "summary") exactMessages = false;
      return this.#estimate(r);
    };
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
      exactMessages,
    };
  }

  #exactFor(id: string): WeakMap<MessageRecord, number> {
    let map = this.#exact.get(id);
    if (!map) {
      map = new WeakMap();
      this.#exact.set(id, map);
    }
    return map;
  }

  #estimate(record: MessageRecord): number {
    let n = this.#counts.get(record);
    if (n === undefined) {
      n =
        record.role === "summary"
          ? estimateTextTokens(systemWithSummary(null, summaryOf(record)) ?? "")
          : estimateTokens(record.content) +
            IMAGE_TOKENS * imageCount(record) +
            MESSAGE_OVERHEAD_TOKENS;
      this.#counts.set(record, n);
    }
    return n;
  }
}

/** Image blocks of a message, those inside tool results included. */
function imageCount(record: MessageRecord): number {
  let n = 0;
  for (const block of record.content) {
    if (block.type === "image") n++;
    else if (block.type === "tool_result" && Array.isArray(block.content))
      n += block.content.filter((b) => b.type === "image").length;
  }
  return n;
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
