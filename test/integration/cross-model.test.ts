/**
 * One thread run through Anthropic → OpenAI → Mistral → Anthropic, a tool call in every turn, each
 * adapter with its real SDK against the fake upstream. Every request the fake receives is checked
 * against that provider's rules: tool id shape, each result answering a call of the message just
 * before, role order, system prompt placement, and no thinking made by another provider.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { AnthropicProvider } from "../../src/adapters/llm/anthropic/anthropic-provider.ts";
import { MistralProvider } from "../../src/adapters/llm/mistral/mistral-provider.ts";
import { OpenAIProvider } from "../../src/adapters/llm/openai/openai-provider.ts";
import type { ModelMessage } from "../../src/domain/model-context.ts";
import type { ModelProvider } from "../../src/ports/llm.ts";
import {
  drain,
  type FakeUpstream,
  type Step,
  startFakeUpstream,
  stop,
  text,
  thinking,
  toolCall,
  type UpstreamProvider,
  usage,
} from "../support/fake-upstream.ts";

const SYSTEM = "You are a weather assistant.";
const TOOLS = [
  {
    name: "get_weather",
    description: "Current weather for a city",
    input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
];
/** An id Anthropic's pattern refuses, as OpenAI-compatible servers sometimes produce. */
const ODD_OPENAI_ID = "call.Xk2lq0c9:aPq8Z7uB4Kf1";
const FOREIGN_SIGNED = "vertex thought it over";

type Wire = Record<string, unknown>;
type WireMessage = { role: string; content?: unknown; [key: string]: unknown };

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake.stop();
});

const thread: ModelMessage[] = [];
const thinkingTexts: Record<UpstreamProvider, string[]> = {
  anthropic: [],
  openai: [],
  mistral: [],
};

async function generate(
  upstream: UpstreamProvider,
  provider: ModelProvider,
  model: string,
  steps: Step[],
) {
  fake.enqueue(upstream, steps);
  const out = await drain(
    provider.stream({
      model,
      system: SYSTEM,
      messages: structuredClone(thread),
      tools: TOOLS,
      maxTokens: 400,
      temperature: 0.2,
      signal: new AbortController().signal,
    }),
  );
  expect(out.error).toBeNull();
  thread.push({ role: "assistant", content: out.blocks });
  VALIDATORS[upstream](fake.requests(upstream).at(-1)?.body ?? {});
  return out.blocks;
}

/** One turn: the user asks, the model thinks and calls the tool, the result is added, the model answers. */
async function turn(
  upstream: UpstreamProvider,
  provider: ModelProvider,
  model: string,
  city: string,
  id?: string,
) {
  thread.push({ role: "user", content: [{ type: "text", text: `Weather in ${city}?` }] });
  const thought = `${upstream} wonders about ${city}`;
  thinkingTexts[upstream].push(thought);
  const blocks = await generate(upstream, provider, model, [
    thinking(thought, `sig-${upstream}-${city}`),
    text("Let me check."),
    toolCall("get_weather", ['{"city": ', `"${city}"}`], id),
    usage(50, 10),
    stop("tool_use"),
  ]);
  const call = blocks.find((b) => b.type === "tool_use");
  expect(call).toMatchObject({ name: "get_weather", input: { city } });
  const callId = call?.type === "tool_use" ? call.id : "";
  thread.push({
    role: "tool",
    content: [{ type: "tool_result", tool_use_id: callId, content: `${city}: sunny, 21°C` }],
  });
  await generate(upstream, provider, model, [
    text(`It is sunny in ${city}.`),
    usage(80, 8),
    stop(),
  ]);
  return callId;
}

test("a thread moves across providers with tool calls and stays valid for each", async () => {
  const anthropic = new AnthropicProvider({ apiKey: "k", baseUrl: fake.urls.anthropic });
  const openai = new OpenAIProvider({ apiKey: "k", baseUrl: fake.urls.openai });
  const mistral = new MistralProvider({ apiKey: "k", baseUrl: fake.urls.mistral });

  // An earlier exchange with another Anthropic-protocol deployment: signed, but not Anthropic's own.
  thread.push(
    { role: "user", content: [{ type: "text", text: "Hi" }] },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: FOREIGN_SIGNED, signature: "sig-vertex", provider: "vertex" },
        { type: "text", text: "Hello!" },
      ],
    },
  );
  const anthropicId = await turn("anthropic", anthropic, "claude-sonnet-4-6", "Paris");
  const openaiId = await turn("openai", openai, "gpt-5.1", "Oslo", ODD_OPENAI_ID);
  const mistralId = await turn("mistral", mistral, "mistral-large-latest", "Rome");
  // Sent without a model (API.md allows it): two user messages in a row reach the next model.
  thread.push({ role: "user", content: [{ type: "text", text: "Thanks, one more." }] });
  await turn("anthropic", anthropic, "claude-sonnet-4-6", "Lima");
  expect(openaiId).toBe(ODD_OPENAI_ID);

  // Ids: a provider's own ids go back unchanged; others are rewritten consistently.
  const mistralBody = JSON.stringify(fake.requests("mistral").at(-1)?.body);
  expect(mistralBody).not.toContain(anthropicId);
  expect(mistralBody).not.toContain(ODD_OPENAI_ID);
  expect(mistralBody).toContain(mistralId);
  const last = fake.requests("anthropic").at(-1)?.body ?? {};
  const lastJson = JSON.stringify(last);
  expect(lastJson).toContain(anthropicId);
  expect(lastJson).toContain(mistralId);
  expect(lastJson).not.toContain(ODD_OPENAI_ID);

  // Thinking: Anthropic gets back exactly its own signed thinking, nobody else's.
  const sent = (last.messages as WireMessage[]).flatMap((m) =>
    blocksOf(m).filter((b) => b.type === "thinking"),
  );
  expect(sent.map((b) => b.thinking)).toEqual(thinkingTexts.anthropic);
  expect(sent.map((b) => b.signature)).toEqual(["sig-anthropic-Paris", "sig-anthropic-Lima"]);
  for (const foreign of [...thinkingTexts.openai, ...thinkingTexts.mistral])
    expect(lastJson).not.toContain(foreign);

  // Every upstream request of the run was checked; 2 per turn.
  expect(fake.requests("anthropic")).toHaveLength(4);
  expect(fake.requests("openai")).toHaveLength(2);
  expect(fake.requests("mistral")).toHaveLength(2);
});

function blocksOf(m: WireMessage): Array<Record<string, unknown>> {
  return Array.isArray(m.content) ? (m.content as Array<Record<string, unknown>>) : [];
}

function validateAnthropic(body: Wire): void {
  const messages = body.messages as WireMessage[];
  // The system prompt is one text block marked for prompt caching (the stable prefix).
  expect(body.system).toEqual([
    { type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } },
  ]);
  expect("temperature" in body).toBe(false);
  expect(messages[0]?.role).toBe("user");
  messages.forEach((m, i) => {
    expect(["user", "assistant"]).toContain(m.role);
    if (i > 0) expect(m.role).not.toBe(messages[i - 1]?.role);
    const blocks = blocksOf(m);
    for (const b of blocks) {
      if (b.type === "tool_use") expect(b.id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      if (b.type === "thinking") expect(thinkingTexts.anthropic).toContain(b.thinking as string);
    }
    const results = blocks.filter((b) => b.type === "tool_result");
    if (results.length === 0) return;
    expect(blocks.slice(0, results.length)).toEqual(results); // results open the message
    const calls = blocksOf(messages[i - 1] ?? { role: "" }).filter((b) => b.type === "tool_use");
    expect(results.map((r) => r.tool_use_id).sort()).toEqual(calls.map((c) => c.id).sort());
  });
}

/** Chat-completions shape, shared by OpenAI and Mistral (their wire bodies are both snake_case). */
function validateChat(body: Wire, idPattern: RegExp, own: UpstreamProvider): WireMessage[] {
  const messages = body.messages as WireMessage[];
  expect(messages[0]).toEqual({ role: "system", content: SYSTEM });
  expect(messages.filter((m) => m.role === "system")).toHaveLength(1);
  messages.forEach((m, i) => {
    const calls = (m.tool_calls ?? []) as Array<{ id: string }>;
    for (const c of calls) expect(c.id).toMatch(idPattern);
    if (calls.length > 0) {
      const answers = messages.slice(i + 1, i + 1 + calls.length);
      expect(answers.map((a) => a.role)).toEqual(calls.map(() => "tool"));
      expect(answers.map((a) => a.tool_call_id).sort()).toEqual(calls.map((c) => c.id).sort());
    }
    if (m.role === "tool") {
      let j = i - 1;
      while (messages[j]?.role === "tool") j--;
      const owner = (messages[j]?.tool_calls ?? []) as Array<{ id: string }>;
      expect(messages[j]?.role).toBe("assistant");
      expect(owner.map((c) => c.id)).toContain(m.tool_call_id as string);
    }
  });
  const json = JSON.stringify(body);
  for (const [maker, texts] of Object.entries(thinkingTexts)) {
    if (maker !== own) for (const t of texts) expect(json).not.toContain(t);
  }
  return messages;
}

const VALIDATORS: Record<UpstreamProvider, (body: Wire) => void> = {
  anthropic: validateAnthropic,
  openai: (body) => {
    validateChat(body, /^[\x21-\x7e]{1,40}$/, "openai");
    expect(body.stream_options).toEqual({ include_usage: true });
    // Chat Completions takes no reasoning back, even the model's own.
    for (const t of thinkingTexts.openai) expect(JSON.stringify(body)).not.toContain(t);
  },
  mistral: (body) => {
    const messages = validateChat(body, /^[a-zA-Z0-9]{9}$/, "mistral");
    messages.forEach((m, i) => {
      const prev = messages[i - 1]?.role;
      if (m.role === "user") expect(prev).not.toBe("tool");
      if (i > 1 && m.role !== "tool") expect(m.role).not.toBe(prev);
    });
  },
};
