// Issue 15's done-when: a 6,000-message thread on a model with an 8,000-token window (MODEL_LIMITS)
// answers 20 further turns; every request the fake upstream records is under the window, holds
// the newest messages and whole tool pairs; compaction writes a `summary` message (hidden from
// history unless include=summaries) and the model sees it. A second Spool with SUMMARY_MODEL=off
// drops the oldest messages instead, and its turns succeed too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/domain/records.ts";
import {
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream,
  stop,
  text,
  usage,
} from "../support/fake-upstream.ts";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

const WINDOW_TOKENS = 8000;
const MAX_TOKENS = 500;
const THREAD_MESSAGES = 6000;
const TURNS = 20;
const SUMMARY_TEXT = "SUMMARY: the user and the assistant talked about seeded topics.";
/** The estimator's rules (src/domain/tokens.ts, actors/turn-context.ts). */
const CHARS_PER_TOKEN = 4;
const OVERHEAD_TOKENS = 4;

interface WireMessage {
  role: string;
  content: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

function limits(env: Record<string, string>) {
  return {
    COMPAT_PROVIDERS: "local,summ",
    MODEL_LIMITS: JSON.stringify({
      "local/tiny": { context_window: WINDOW_TOKENS, max_output_tokens: 1000 },
    }),
    ...env,
  };
}

/** A message of the seeded history: every 25th exchange calls a tool. */
function seeded(tenantId: string, threadId: string, seq: number): MessageRecord {
  const phase = seq % 4;
  const exchange = Math.floor((seq - 1) / 4);
  const tools = exchange % 25 === 0;
  const id = `call_${exchange}`;
  const base = {
    id: `msg_seed_${seq}`,
    object: "message" as const,
    thread_id: threadId,
    seq,
    status: "completed" as const,
    model: null,
    request_id: null,
    end_user_id: "long",
    usage: null,
    stop_reason: null,
    error: null,
    created_at: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    completed_at: null,
    tenant_id: tenantId,
    epoch: 1,
    rev: 1,
    last_offset: 0,
    parent_seq: seq > 1 ? seq - 1 : null,
  };
  const words = `seeded ${seq} ${"word ".repeat(30)}`;
  if (phase === 1) return { ...base, role: "user", content: [{ type: "text", text: words }] };
  if (phase === 2 && tools)
    return {
      ...base,
      role: "assistant",
      content: [{ type: "tool_use", id, name: "lookup", input: { q: `seeded ${seq}` } }],
    };
  if (phase === 3 && tools)
    return {
      ...base,
      role: "tool",
      content: [{ type: "tool_result", tool_use_id: id, content: `found ${seq}`, is_error: false }],
    };
  return { ...base, role: "assistant", content: [{ type: "text", text: words }] };
}

async function seededThread(spool: TestSpool): Promise<string> {
  const tenants = (await spool.json("GET", "/v1/admin/tenants?limit=10", undefined, ADMIN_KEY))
    .body as { data: { id: string }[] };
  const tenantId = tenants.data[0]!.id;
  const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "long" })).body
    .id as string;
  const records = Array.from({ length: THREAD_MESSAGES }, (_, i) =>
    seeded(tenantId, thread, i + 1),
  );
  await spool.runtime.services.store.upsertMessages(records);
  return thread;
}

function estimate(messages: WireMessage[]): number {
  let chars = 0;
  for (const m of messages) {
    chars +=
      typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length;
    for (const call of m.tool_calls ?? [])
      chars += call.function.arguments.length + call.function.name.length;
  }
  return chars / CHARS_PER_TOKEN + OVERHEAD_TOKENS * messages.length;
}

function checkRequest(request: RecordedRequest, question: string): WireMessage[] {
  const messages = (request.body as { messages: WireMessage[] }).messages;
  expect(estimate(messages)).toBeLessThan(WINDOW_TOKENS - MAX_TOKENS);
  const conversation = messages.filter((m) => m.role !== "system");
  expect(conversation[0]?.role).toBe("user");
  expect(JSON.stringify(conversation.at(-1)?.content)).toContain(question);
  // The newest seeded messages are there until later turns push them out (the 2nd-newest at least).
  const calls = new Set(conversation.flatMap((m) => (m.tool_calls ?? []).map((c) => c.id)));
  const results = new Set(conversation.flatMap((m) => (m.tool_call_id ? [m.tool_call_id] : [])));
  expect([...calls].sort()).toEqual([...results].sort());
  return messages;
}

async function turn(spool: TestSpool, thread: string, i: number) {
  const question = `question ${i} ${"detail ".repeat(60)}`;
  const response = await spool.json("POST", `/v1/threads/${thread}/messages`, {
    content: question,
    model: "local/tiny",
    max_tokens: MAX_TOKENS,
  });
  expect(response.status).toBe(200);
  const assistant = (response.body as { assistant_message: { status: string } }).assistant_message;
  expect(assistant.status).toBe("completed");
  return `question ${i} `;
}

async function until(
  check: () => boolean,
  timeoutMs: number,
  poll: () => Promise<void> = async () => undefined,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  await poll();
  while (!check() && Date.now() < end) {
    await Bun.sleep(20);
    await poll();
  }
}

describe("compaction with a summarizer", () => {
  let model: FakeUpstream;
  let summarizer: FakeUpstream;
  let spool: TestSpool;
  beforeAll(async () => {
    model = await startFakeUpstream();
    summarizer = await startFakeUpstream();
    model.setDefault("openai", [text("an answer"), usage(7000, 3), stop()]);
    summarizer.setDefault("openai", [text(SUMMARY_TEXT), usage(30_000, 20), stop()]);
    spool = await startSpool(
      limits({
        LOCAL_BASE_URL: model.urls.openai,
        SUMM_BASE_URL: summarizer.urls.openai,
        SUMMARY_MODEL: "summ/small",
      }),
    );
  });
  afterAll(async () => {
    await spool.close();
    await model.stop();
    await summarizer.stop();
  });

  test("20 turns on a 6,000-message thread and an 8,000-token window: every request fits, a summary is made and sent", async () => {
    const thread = await seededThread(spool);
    const first = await turn(spool, thread, 0);
    const sent = checkRequest(model.requests("openai").at(-1)!, first);
    expect(JSON.stringify(sent)).toContain(`seeded ${THREAD_MESSAGES} `);
    expect(JSON.stringify(sent)).not.toContain("seeded 1 ");
    // The seeded tool pair of exchange 1475 (seqs 5902/5903) is in the window, call and result.
    expect(sent.some((m) => m.tool_calls?.some((c) => c.id.length > 0))).toBe(true);
    // Compaction was started ahead of need by the first turn; the summarizer is called off the turn.
    await until(() => summarizer.requests("openai").length > 0, 10_000);
    const asked = summarizer.requests("openai")[0]!.body as { messages: WireMessage[] };
    const transcript = JSON.stringify(asked.messages);
    // Bounded (32k tokens): the newest covered messages, the oldest said to be omitted.
    expect(transcript.includes("seeded 5900 ")).toBe(true);
    expect(transcript.includes("seeded 100 ")).toBe(false);
    expect(/older messages omitted/.test(transcript)).toBe(true);
    await Bun.sleep(200);
    for (let i = 1; i <= TURNS - 1; i++) {
      const question = await turn(spool, thread, i);
      checkRequest(model.requests("openai").at(-1)!, question);
    }
    const withSummaries = (
      await spool.json(
        "GET",
        `/v1/threads/${thread}/messages?include=summaries&order=desc&limit=100`,
      )
    ).body as {
      data: {
        role: string;
        seq: number;
        covers_through_seq?: number;
        content: { text: string }[];
      }[];
    };
    const summary = withSummaries.data.find((m) => m.role === "summary")!;
    expect(summary).toBeDefined();
    expect(summary.content[0]!.text).toBe(SUMMARY_TEXT);
    expect(summary.covers_through_seq).toBeGreaterThan(5000);
    expect(summary.covers_through_seq).toBeLessThan(summary.seq);
    // What the model saw: the labelled summary in the system prompt, then only later messages.
    const last = (model.requests("openai").at(-1)!.body as { messages: WireMessage[] }).messages;
    const system = String(last[0]?.content);
    expect(last[0]?.role).toBe("system");
    expect(system).toContain(`covers_through_seq="${summary.covers_through_seq}"`);
    expect(system).toContain(SUMMARY_TEXT);
    const seen = JSON.stringify(last.slice(1));
    for (let seq = summary.covers_through_seq! - 3; seq <= summary.covers_through_seq!; seq++)
      expect(seen).not.toContain(`seeded ${seq} `);
    // The turns' own messages grew the context past the threshold again: a second summary folds
    // the first one in.
    const summaries = withSummaries.data.filter((m) => m.role === "summary");
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    const second = summarizer.requests("openai")[1]!.body as { messages: WireMessage[] };
    expect(String(second.messages.at(-1)?.content)).toStartWith(
      `[summary of the conversation before]\n${SUMMARY_TEXT}`,
    );
    // Hidden by default.
    const plain = (await spool.json("GET", `/v1/threads/${thread}/messages?order=desc&limit=100`))
      .body as { data: { role: string }[] };
    expect(plain.data.some((m) => m.role === "summary")).toBe(false);
    const bad = await spool.json("GET", `/v1/threads/${thread}/messages?include=everything`);
    expect(bad.status).toBe(400);
    // Persisted and searchable like any message (the persist job, then the embed job).
    let hits: { seq: number; role?: string }[] = [];
    await until(
      () => hits.length > 0,
      10_000,
      async () => {
        const found = await spool.json("GET", "/v1/search?q=talked%20about%20seeded%20topics");
        hits = (found.body as { data: { seq: number }[] }).data.filter(
          (h) => h.seq === summary.seq,
        );
      },
    );
    expect(hits.length).toBeGreaterThan(0);
    // The summarizer's calls are billed like any model call: in the usage ledger.
    const expected = TURNS * 7000 + summaries.length * 30_000;
    let billed = 0;
    await until(
      () => billed >= expected,
      10_000,
      async () => {
        billed = (
          (await spool.json("GET", "/v1/usage?end_user_id=long")).body as { input_tokens: number }
        ).input_tokens;
      },
    );
    expect(billed).toBe(expected);
  }, 60_000);
});

describe("compaction without a summarizer", () => {
  let model: FakeUpstream;
  let spool: TestSpool;
  beforeAll(async () => {
    model = await startFakeUpstream();
    model.setDefault("openai", [text("an answer"), usage(7000, 3), stop()]);
    spool = await startSpool(
      limits({
        LOCAL_BASE_URL: model.urls.openai,
        SUMM_BASE_URL: model.urls.openai,
        SUMMARY_MODEL: "off",
      }),
    );
  });
  afterAll(async () => {
    await spool.close();
    await model.stop();
  });

  test("the oldest messages are dropped and every turn succeeds; no summary is written", async () => {
    const thread = await seededThread(spool);
    for (let i = 0; i < 3; i++) {
      const question = await turn(spool, thread, i);
      const sent = checkRequest(model.requests("openai").at(-1)!, question);
      expect(JSON.stringify(sent)).not.toContain("seeded 1 ");
      expect(String(sent[0]?.content ?? "")).not.toContain("conversation_summary");
    }
    const all = (
      await spool.json(
        "GET",
        `/v1/threads/${thread}/messages?include=summaries&order=desc&limit=20`,
      )
    ).body as { data: { role: string }[] };
    expect(all.data.some((m) => m.role === "summary")).toBe(false);
    expect(model.requests("openai")).toHaveLength(3);
  }, 60_000);
});
