/**
 * Each compatibility protocol over each real provider adapter (Anthropic, OpenAI, Mistral SDKs
 * against the fake upstream), with the real `openai` and `@anthropic-ai/sdk` packages as
 * clients: streamed text with usage, a tool call answered by the client and continued, a
 * provider error in the protocol's shape, and Anthropic thinking with its signature.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic, { APIError as AnthropicError } from "@anthropic-ai/sdk";
import OpenAI, { APIError as OpenAIError } from "openai";
import {
  type FakeUpstream,
  httpError,
  startFakeUpstream,
  stop,
  text,
  thinking,
  toolCall,
  type UpstreamProvider,
  usage,
} from "../../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../../support/spool.ts";

let fake: FakeUpstream;
let spool: TestSpool;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(async () => {
  fake = await startFakeUpstream();
  spool = await startSpool({
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: fake.urls.anthropic,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.urls.openai,
    MISTRAL_API_KEY: "mistral-test",
    MISTRAL_BASE_URL: fake.urls.mistral,
  });
  const server = await spool.listen();
  const root = `http://127.0.0.1:${server.port}/compat`;
  openai = new OpenAI({ apiKey: spool.secretKey, baseURL: `${root}/openai/v1`, maxRetries: 0 });
  anthropic = new Anthropic({
    apiKey: spool.secretKey,
    baseURL: `${root}/anthropic`,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

const MODELS: Record<UpstreamProvider, string> = {
  anthropic: "anthropic/claude-sonnet-4-6",
  openai: "openai/gpt-5.1",
  mistral: "mistral/mistral-large-latest",
};
const TOOL = {
  name: "get_weather",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } } },
};

for (const provider of ["anthropic", "openai", "mistral"] as const) {
  const model = MODELS[provider];
  describe(`over ${provider}`, () => {
    test("Chat Completions: streamed text and usage", async () => {
      fake.enqueue(provider, [text("Hel"), text("lo"), usage(11, 2), stop()]);
      const stream = await openai.chat.completions.create({
        model,
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let out = "";
      let tokens: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        out += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) tokens = chunk.usage;
      }
      expect(out).toBe("Hello");
      expect(tokens).toMatchObject({ prompt_tokens: 11, completion_tokens: 2 });
    });

    test("Anthropic Messages: a tool call answered and continued", async () => {
      fake.enqueue(
        provider,
        [toolCall("get_weather", ['{"city":', '"Oslo"}']), usage(5, 3), stop("tool_use")],
        [text("It is sunny."), usage(9, 4), stop()],
      );
      const messages: Anthropic.MessageParam[] = [{ role: "user", content: "weather in Oslo?" }];
      const first = await anthropic.messages.create({
        model,
        max_tokens: 100,
        messages,
        tools: [TOOL],
      });
      expect(first.stop_reason).toBe("tool_use");
      const call = first.content.find((b) => b.type === "tool_use");
      expect(call?.type === "tool_use" && call.input).toEqual({ city: "Oslo" });
      messages.push(
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: call?.type === "tool_use" ? call.id : "",
              content: "sunny",
            },
          ],
        },
      );
      const second = await anthropic.messages
        .stream({ model, max_tokens: 100, messages, tools: [TOOL] })
        .finalMessage();
      expect(second.content).toMatchObject([{ type: "text", text: "It is sunny." }]);
      expect(second.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
      // The upstream saw the tool result answering the call, in its own format.
      const last = fake.requests(provider).at(-1)!.body;
      expect(JSON.stringify(last)).toContain("sunny");
    });

    test("Responses: streamed text", async () => {
      fake.enqueue(provider, [text("a"), text("b"), usage(3, 2), stop()]);
      const stream = await openai.responses.create({ model, input: "go", stream: true });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const done = events.at(-1)!;
      expect(done.type).toBe("response.completed");
      expect(done.type === "response.completed" && done.response.usage?.output_tokens).toBe(2);
      expect(
        events.map((e) => (e.type === "response.output_text.delta" ? e.delta : "")).join(""),
      ).toBe("ab");
    });

    test("Responses: a stream cut after N events resumes with starting_after=N", async () => {
      const pieces = Array.from({ length: 12 }, (_, i) => text(`p${i} `));
      fake.enqueue(provider, { steps: [...pieces, usage(2, 12), stop()], paceMs: 15 });
      const stream = await openai.responses.create({ model, input: "long", stream: true });
      const first: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) {
        first.push(event);
        if (first.length === 6) break;
      }
      const id = first[0]!.type === "response.created" ? first[0]!.response.id : "";
      const rest: OpenAI.Responses.ResponseStreamEvent[] = [];
      const resumed = await openai.responses.retrieve(id, { stream: true, starting_after: 5 });
      for await (const event of resumed) rest.push(event);
      const all = [...first, ...rest];
      expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
      const deltas = all
        .map((e) => (e.type === "response.output_text.delta" ? e.delta : ""))
        .join("");
      expect(deltas).toBe(pieces.map((p) => (p.kind === "text" ? p.text : "")).join(""));
      expect(all.at(-1)!.type).toBe("response.completed");
    });

    test("a provider error is the protocol's error", async () => {
      fake.enqueue(provider, [httpError(400)], [httpError(400)]);
      const chat = await openai.chat.completions
        .create({ model, messages: [{ role: "user", content: "boom" }] })
        .catch((e) => e);
      expect(chat).toBeInstanceOf(OpenAIError);
      expect((chat as OpenAIError).status).toBe(502);
      const streamed = await anthropic.messages
        .stream({ model, max_tokens: 10, messages: [{ role: "user", content: "boom again" }] })
        .finalMessage()
        .catch((e) => e);
      expect(streamed).toBeInstanceOf(AnthropicError);
    });
  });
}

test("Anthropic thinking keeps its signature through the Anthropic protocol", async () => {
  fake.enqueue("anthropic", [
    thinking("Let me think.", "sig-abc"),
    text("Done."),
    usage(4, 6),
    stop(),
  ]);
  const message = await anthropic.messages
    .stream({
      model: MODELS.anthropic,
      max_tokens: 100,
      messages: [{ role: "user", content: "think" }],
    })
    .finalMessage();
  expect(message.content[0]).toEqual({
    type: "thinking",
    thinking: "Let me think.",
    signature: "sig-abc",
  });
  expect(message.content[1]).toMatchObject({ type: "text", text: "Done." });
});
