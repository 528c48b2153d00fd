// Long-threads benchmark (issue 15): for threads of 100 / 1,000 / 6,000 messages, what one model
// call's context costs with a warm actor — build time p50/p99, the actor's memory for the thread
// and the tokens sent — for the whole-thread baseline (before compaction: every message kept and
// sent), for compaction (summaries as the compact-thread job writes them; the actor keeps the
// newest summary and what follows) and for the fallback without a summarizer (oldest dropped).
// The model has a 32,768-token window (a compatible model's default) and answers in 1,000 tokens.
// Goal: build p99 < 5 ms at 6,000 messages, memory bounded independent of thread length.
// Run: bun test/bench/context-bench.ts
import { ThreadContext } from "../../actors/thread-context.ts";
import { MESSAGE_OVERHEAD_TOKENS, TurnContextBuilder } from "../../actors/turn-context.ts";
import { branchContext } from "../../src/domain/branches.ts";
import { buildContext, compactionCut, needsCompaction } from "../../src/domain/context-build.ts";
import { toModelMessages } from "../../src/domain/model-context.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import { estimateTextTokens, estimateTokens } from "../../src/domain/tokens.ts";
import type { ModelCatalog, ModelProvider } from "../../src/ports/llm.ts";
import { messageRecord } from "../support/records.ts";

const SIZES = [100, 1000, 6000];
const WINDOW_TOKENS = 32_768;
const MAX_TOKENS = 1000;
const BUILDS = 2000;
/** A summary as a summarizer writes one: ~500 tokens. */
const SUMMARY_TEXT = "The user and the assistant discussed the project plan. ".repeat(36);

const provider = { name: "local", capabilities: { images: false, tools: true } } as ModelProvider;
const catalog = {
  contextWindow: () => WINDOW_TOKENS,
  maxOutputTokens: () => MAX_TOKENS,
} as unknown as ModelCatalog;

const THREAD = { id: "thr_bench", tenant_id: "ten_bench" };

function record(seq: number, role: MessageRecord["role"], text: string, extra = {}): MessageRecord {
  return messageRecord(THREAD, seq, {
    // Short fixed ids, so the memory figures stay comparable with earlier runs.
    id: `msg_${seq}`,
    role,
    content: [{ type: "text", text }],
    model: role === "assistant" ? "local/tiny" : null,
    completed_at: "2026-01-01T00:00:01.000Z",
    last_offset: 0,
    ...extra,
  });
}

/** ~60 tokens a message, alternating user / assistant. */
function conversational(seq: number): MessageRecord {
  const text = `message ${seq}: ${"a sentence of an ordinary chat turn. ".repeat(6)}`;
  return record(seq, seq % 2 === 1 ? "user" : "assistant", text);
}

const count = (r: MessageRecord) => estimateTokens(r.content) + MESSAGE_OVERHEAD_TOKENS;
const budget = WINDOW_TOKENS - MAX_TOKENS - MESSAGE_OVERHEAD_TOKENS - estimateTextTokens("[]");

/** A thread grown message by message; with `summarize`, compaction cuts as the actor would. */
async function grow(messages: number, summarize: boolean): Promise<ThreadContext> {
  const context = new ThreadContext(async () => []);
  await context.records();
  let seq = 0;
  for (let i = 0; i < messages; i++) {
    context.put(conversational(++seq));
    if (!summarize || i % 2 === 0) continue;
    const records = await context.records();
    const branch = records.filter((r) => r.role !== "summary");
    const summaries = records.filter((r) => r.role === "summary");
    const built = buildContext({ branch, summaries, budgetTokens: budget, countTokens: count });
    if (!needsCompaction(built, budget)) continue;
    const cut = compactionCut(branch, summaries, budget, count);
    if (cut)
      context.put(
        record(++seq, "summary", SUMMARY_TEXT, { covers_through_seq: cut.coversThroughSeq }),
      );
  }
  return context;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  messages: number;
  mode: string;
  p50: number;
  p99: number;
  bytes: number;
  tokens: number;
}

async function measure(messages: number, mode: "baseline" | "compacted" | "dropped") {
  const context = await grow(messages, mode === "compacted");
  const builder = new TurnContextBuilder(catalog, null);
  const times: number[] = [];
  let tokens = 0;
  let bytes = 0;
  for (let i = 0; i < BUILDS; i++) {
    const started = performance.now();
    const records = await context.records();
    if (mode === "baseline") {
      // Before issue 15: the whole thread, every message, sent as it is.
      const sent = toModelMessages([...records]);
      tokens = sent.reduce((n, m) => n + estimateTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0);
    } else {
      // As a turn does: the answer being generated follows the newest message, and its context
      // is that branch with its summaries (domain/branches.ts), then fitted.
      const newest = records.findLast((r) => r.role !== "summary")!;
      const own = { ...newest, seq: records.at(-1)!.seq + 1, parent_seq: newest.seq };
      const built = builder.build({
        provider,
        model: "tiny",
        canonicalModel: null,
        system: null,
        tools: [],
        maxTokens: MAX_TOKENS,
        records: branchContext([...records, own], own.seq).records,
        seq: own.seq,
      });
      tokens = built.tokens;
    }
    times.push(performance.now() - started);
  }
  // Baseline memory is the whole thread (the old ThreadContext kept it all).
  bytes =
    mode === "baseline"
      ? (await context.records()).reduce((n, r) => n + JSON.stringify(r).length, 0)
      : context.bytes;
  times.sort((a, b) => a - b);
  return { messages, mode, p50: percentile(times, 50), p99: percentile(times, 99), bytes, tokens };
}

const rows: Row[] = [];
for (const size of SIZES)
  for (const mode of ["baseline", "compacted", "dropped"] as const)
    rows.push(await measure(size, mode));

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
console.log(
  `window ${WINDOW_TOKENS} tokens, max_tokens ${MAX_TOKENS}, ~60 tokens a message, ${BUILDS} warm builds\n`,
);
console.log("messages  mode        build p50   build p99   actor memory  tokens sent/turn");
for (const r of rows)
  console.log(
    `${String(r.messages).padStart(8)}  ${r.mode.padEnd(10)}  ${`${(r.p50 * 1000).toFixed(0)} µs`.padStart(9)}   ${`${(r.p99 * 1000).toFixed(0)} µs`.padStart(9)}   ${kib(r.bytes).padStart(12)}  ${String(r.tokens).padStart(16)}`,
  );
const at6000 = rows.filter((r) => r.messages === 6000 && r.mode === "compacted")[0]!;
console.log(
  `\ngoal: compacted build p99 < 5 ms at 6,000 messages: ${(at6000.p99 * 1000).toFixed(0)} µs (${at6000.p99 < 5 ? "met" : "NOT met"})`,
);
