// Correctness debts from review, each shown by a test that failed before its fix:
// - GET /v1/usage equals what a provider bills on a scripted thread with a plain turn, a client
//   tool turn and a cancelled turn: one entry per model call, whose input already holds the user
//   and tool messages it read (they used to be counted again), and a cancelled call's input is
//   estimated (it used to be 0);
// - a `stream:false` turn with tenant tools answers with the final assistant message, not the
//   first (tool-call) one;
// - the stored `model` is the canonical `provider/name`, however it was sent.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { toModelMessages } from "../../src/domain/model-context.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import { estimateTokens } from "../../src/domain/tokens.ts";
import {
  type FakeUpstream,
  startFakeUpstream,
  stop,
  text,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { SseReader } from "../support/sse-client.ts";

let spool: TestSpool;
let fake: FakeUpstream;
let toolServer: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  fake = await startFakeUpstream();
  toolServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => Response.json({ content: "sunny" }),
  });
  spool = await startSpool({
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.urls.openai,
    TOOL_URL_ALLOW: "127.0.0.1",
  });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
  await toolServer.stop(true);
});

type Wire = MessageRecord & {
  usage: { input_tokens: number; output_tokens: number; estimated: boolean };
};

async function newThread(): Promise<string> {
  return (await spool.json<{ id: string }>("POST", "/v1/threads", { end_user_id: "billing" })).body
    .id;
}

async function history(threadId: string): Promise<Wire[]> {
  const { body } = await spool.json<{ data: Wire[] }>(
    "GET",
    `/v1/threads/${threadId}/messages?include=tools&limit=200`,
  );
  return body.data;
}

async function until(what: string, probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(30);
  }
}

test("usage totals equal what the provider bills: tool turns and a cancelled turn", async () => {
  const thread = await newThread();
  const send = (body: Record<string, unknown>) =>
    spool.json("POST", `/v1/threads/${thread}/messages`, { model: "spool/echo", ...body });
  // 1. a plain turn
  expect((await send({ content: "hello there, how are you" })).status).toBe(200);
  // 2. a client tool turn: the call, the client's result, the answer
  const tools = [{ name: "lookup", description: "look up", input_schema: { type: "object" } }];
  const asked = await send({ content: 'weather? [tool:lookup {"city":"Oslo"}]', tools });
  expect(asked.status).toBe(200);
  const call = (asked.body as { assistant_message: Wire }).assistant_message;
  const toolUse = call.content.find((b) => b.type === "tool_use") as { id: string };
  const answered = await spool.json("POST", `/v1/threads/${thread}/tool_results`, {
    tool_use_id: toolUse.id,
    content: "it is sunny and mild in Oslo today",
  });
  expect(answered.status).toBeLessThan(300);
  await until("the tool turn's answer", async () => {
    const all = await history(thread);
    return all.length === 6 && all[5]!.status === "completed";
  });
  // 3. a cancelled turn
  const server = await spool.listen();
  const long = new SseReader(
    fetch(`http://127.0.0.1:${server.port}/v1/threads/${thread}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        content: "long [chunks=400] [delay_ms=10]",
        model: "spool/echo",
        stream: true,
      }),
    }),
  );
  expect(
    await long.until((events) => events.filter((e) => e.type === "block.delta").length >= 10),
  ).toBe(true);
  const cancelled = await spool.json("POST", `/v1/threads/${thread}/messages/8/cancel`, {});
  expect(cancelled.status).toBeLessThan(300);

  const all = await history(thread);
  const assistants = all.filter((m) => m.role === "assistant");
  expect(assistants.map((m) => m.status)).toEqual([
    "completed",
    "completed",
    "completed",
    "incomplete",
  ]);
  expect(assistants.at(-1)!.stop_reason).toBe("cancelled");
  // What the provider reads for each call: every settled message before it.
  let billedInput = 0;
  let billedOutput = 0;
  for (const message of assistants) {
    const prompt = toModelMessages(all.filter((m) => m.seq < message.seq));
    const expectedInput = prompt.reduce((n, m) => n + estimateTokens(m.content), 0);
    expect(`${message.seq} ${message.usage.input_tokens}`).toBe(`${message.seq} ${expectedInput}`);
    billedInput += expectedInput;
    billedOutput += message.usage.output_tokens;
  }
  expect(assistants.at(-1)!.usage.output_tokens).toBeGreaterThan(0);

  type Totals = { input_tokens: number; output_tokens: number; messages: number };
  let totals: Totals | null = null;
  await until("the usage ledger", async () => {
    totals = (await spool.json<Totals>("GET", "/v1/usage?end_user_id=billing")).body;
    return totals.messages >= assistants.length;
  });
  // The backfill recounted the cancelled message's output with the tokenizer: bill what is stored.
  const settledOutput = (await history(thread))
    .filter((m) => m.role === "assistant")
    .reduce((n, m) => n + m.usage.output_tokens, 0);
  expect(settledOutput).toBeGreaterThanOrEqual(billedOutput - 1);
  expect(totals!).toMatchObject({
    input_tokens: billedInput,
    output_tokens: settledOutput,
    messages: assistants.length,
  });
}, 60_000);

test("stream:false with tenant tools answers with the final assistant message", async () => {
  const registered = await spool.json("POST", "/v1/tools", {
    name: "weather",
    description: "the weather",
    input_schema: { type: "object", properties: { city: { type: "string" } } },
    url: `http://127.0.0.1:${toolServer.port}/weather`,
    secret: "whsec_test_0123456789abcdef",
  });
  expect(registered.status).toBe(200);
  const thread = await newThread();
  const sent = await spool.json<{ assistant_message: Wire }>(
    "POST",
    `/v1/threads/${thread}/messages`,
    {
      content: 'weather? [tool:weather {"city":"Oslo"}]',
      model: "spool/echo",
      tools_mode: "tenant",
      tools: [{ name: "weather" }],
    },
  );
  expect(sent.status).toBe(200);
  const answer = sent.body.assistant_message;
  const all = await history(thread);
  expect(all.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  expect(answer.seq).toBe(4);
  expect(answer.stop_reason).toBe("end_turn");
  expect(answer.content.some((b) => b.type === "tool_use")).toBe(false);
});

test("the stored model is the canonical provider/name", async () => {
  fake.enqueue("openai", [text("hi"), usage(3, 1), stop()]);
  const thread = await newThread();
  const sent = await spool.json<{ assistant_message: Wire }>(
    "POST",
    `/v1/threads/${thread}/messages`,
    { content: "hello", model: "gpt-5.1" },
  );
  expect(sent.status).toBe(200);
  expect(sent.body.assistant_message.model).toBe("openai/gpt-5.1");
  const stored = await spool.json<Wire>("GET", `/v1/threads/${thread}/messages/2`);
  expect(stored.body.model).toBe("openai/gpt-5.1");
});
