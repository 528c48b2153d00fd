/**
 * Each model adapter, with its real SDK, against the fake upstream: the same behaviour is required
 * of all three (streamed text, a tool call with streamed arguments, usage, a mid-stream failure,
 * HTTP errors before the first chunk, abort). Known differences are data in `cases`, not ifs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AnthropicProvider } from "../../src/adapters/llm/anthropic/anthropic-provider.ts";
import { MistralProvider } from "../../src/adapters/llm/mistral/mistral-provider.ts";
import { OpenAIProvider } from "../../src/adapters/llm/openai/openai-provider.ts";
import type { ModelMessage } from "../../src/domain/model-context.ts";
import type { ModelProvider, ModelRequest } from "../../src/ports/llm.ts";
import {
  disconnect,
  drain,
  type FakeUpstream,
  httpError,
  stall,
  startFakeUpstream,
  stop,
  streamError,
  text,
  textReply,
  toolCall,
  type UpstreamProvider,
  usage,
} from "../support/fake-upstream.ts";

interface Case {
  upstream: UpstreamProvider;
  model: string;
  make(fake: FakeUpstream): ModelProvider;
  /** A model of this provider that takes no images, if there is one to test. */
  textOnlyModel: string | null;
  /** Where the wire body carries the output token limit. */
  maxTokensField: string;
}

const cases: Case[] = [
  {
    upstream: "anthropic",
    model: "claude-sonnet-4-6",
    make: (f) => new AnthropicProvider({ apiKey: "sk-ant-test", baseUrl: f.urls.anthropic }),
    textOnlyModel: null,
    maxTokensField: "max_tokens",
  },
  {
    upstream: "openai",
    model: "gpt-5.1",
    make: (f) => new OpenAIProvider({ apiKey: "sk-test", baseUrl: f.urls.openai }),
    textOnlyModel: "gpt-3.5-turbo",
    maxTokensField: "max_completion_tokens",
  },
  {
    // An OpenAI-compatible endpoint (Ollama, vLLM): the same class under another name.
    upstream: "openai",
    model: "llama3.3",
    make: (f) =>
      new OpenAIProvider({
        name: "ollama",
        apiKey: "none",
        baseUrl: f.urls.openai,
        models: ["llama3.3"],
      }),
    textOnlyModel: null,
    maxTokensField: "max_tokens",
  },
  {
    upstream: "mistral",
    model: "mistral-large-latest",
    make: (f) => new MistralProvider({ apiKey: "mistral-test", baseUrl: f.urls.mistral }),
    textOnlyModel: "codestral-latest",
    maxTokensField: "max_tokens",
  },
];

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake.stop();
});

const hello: ModelMessage[] = [{ role: "user", content: [{ type: "text", text: "hello" }] }];

function request(model: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model,
    system: "You are terse.",
    messages: hello,
    tools: [],
    maxTokens: 100,
    temperature: null,
    signal: new AbortController().signal,
    ...extra,
  };
}

describe.each(cases)("$upstream wire, model $model, via the SDK", (c) => {
  test("streams text, usage and end_turn", async () => {
    fake.enqueue(c.upstream, [text("Hel"), text("lo, "), text("world"), usage(12, 3), stop()]);
    const provider = c.make(fake);
    const out = await drain(provider.stream(request(c.model)));
    expect(out.error).toBeNull();
    expect(out.blocks).toEqual([{ type: "text", text: "Hello, world" }]);
    expect(out.parts.filter((p) => p.type === "block_delta")).toHaveLength(3);
    expect(out.usage).toEqual({ input_tokens: 12, output_tokens: 3 });
    expect(out.stop).toBe("end_turn");
    const sent = fake.requests(c.upstream).at(-1)?.body;
    expect(sent?.model).toBe(c.model);
    expect(sent?.stream).toBe(true);
    expect(sent?.[c.maxTokensField]).toBe(100);
  });

  test("a long reply arrives whole, across many network reads", async () => {
    fake.enqueue(c.upstream, textReply(400, "ab "));
    const out = await drain(c.make(fake).stream(request(c.model)));
    expect(out.error).toBeNull();
    expect(out.blocks).toEqual([{ type: "text", text: "ab ".repeat(400) }]);
    expect(out.stop).toBe("end_turn");
  });

  test("assembles a tool call from streamed arguments", async () => {
    fake.enqueue(c.upstream, [
      text("Checking."),
      toolCall("get_weather", ['{"ci', 'ty": "Pa', 'ris", "days": [1, ', "2]}"]),
      usage(30, 20),
      stop("tool_use"),
    ]);
    const tools = [
      {
        name: "get_weather",
        description: "Weather for a city",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      },
    ];
    const out = await drain(c.make(fake).stream(request(c.model, { tools })));
    expect(out.error).toBeNull();
    expect(out.blocks).toHaveLength(2);
    expect(out.blocks[0]).toEqual({ type: "text", text: "Checking." });
    expect(out.blocks[1]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { city: "Paris", days: [1, 2] },
    });
    expect(out.stop).toBe("tool_use");
    expect(JSON.stringify(fake.requests(c.upstream).at(-1)?.body.tools)).toContain("get_weather");
  });

  test("a mid-stream disconnect throws unavailable after the parts already read", async () => {
    fake.enqueue(c.upstream, [text("one "), text("two "), text("three"), disconnect()]);
    const out = await drain(c.make(fake).stream(request(c.model)));
    expect(out.parts.filter((p) => p.type === "block_delta").length).toBe(3);
    expect(out.error).toMatchObject({ name: "ModelProviderError", kind: "unavailable" });
    expect(out.stop).toBeNull();
  });

  test("an error inside the open stream throws a provider error", async () => {
    fake.enqueue(c.upstream, [text("par"), streamError("overloaded_error")]);
    const out = await drain(c.make(fake).stream(request(c.model)));
    expect(out.parts.length).toBeGreaterThan(0);
    expect(out.error).toMatchObject({ name: "ModelProviderError", kind: "unavailable" });
  });

  test("a 429 before the first chunk throws rate_limited with retryAfterMs, and is not retried", async () => {
    const before = fake.requests(c.upstream).length;
    fake.enqueue(c.upstream, [httpError(429, "2")]);
    const out = await drain(c.make(fake).stream(request(c.model)));
    expect(out.parts).toEqual([]);
    expect(out.error).toMatchObject({ kind: "rate_limited", retryAfterMs: 2000 });
    expect(fake.requests(c.upstream).length).toBe(before + 1);
  });

  test.each([
    [529, "unavailable"],
    [503, "unavailable"],
    [500, "unavailable"],
    [401, "auth"],
    [403, "auth"],
    [400, "rejected"],
  ])("HTTP %i before the first chunk is %s", async (status, kind) => {
    const before = fake.requests(c.upstream).length;
    fake.enqueue(c.upstream, [httpError(status)]);
    const out = await drain(c.make(fake).stream(request(c.model)));
    expect(out.error).toMatchObject({ kind, retryAfterMs: null });
    expect(fake.requests(c.upstream).length).toBe(before + 1);
  });

  test("aborting the signal ends a stalled stream promptly", async () => {
    fake.enqueue(c.upstream, [text("first"), stall(5000), text("late"), stop()]);
    const controller = new AbortController();
    const started = performance.now();
    const out = await drain(
      (async function* () {
        for await (const part of c
          .make(fake)
          .stream(request(c.model, { signal: controller.signal }))) {
          yield part;
          if (part.type === "block_delta") controller.abort();
        }
      })(),
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(out.stop).toBeNull();
    expect(out.error).toMatchObject({ name: "AbortError" });
  });

  test.if(c.textOnlyModel !== null)(
    "images for a text-only model are rejected before calling",
    async () => {
      const before = fake.requests(c.upstream).length;
      const messages: ModelMessage[] = [
        {
          role: "user",
          content: [{ type: "image", source: { type: "url", url: "https://x.test/cat.png" } }],
        },
      ];
      const out = await drain(c.make(fake).stream(request(c.textOnlyModel ?? "", { messages })));
      expect(out.error).toMatchObject({ kind: "rejected" });
      expect(fake.requests(c.upstream).length).toBe(before);
    },
  );
});
