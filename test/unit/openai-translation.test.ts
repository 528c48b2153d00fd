import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import {
  TOOL_ERROR_PREFIX,
  toOpenAIRequest,
} from "../../src/adapters/llm/openai/openai-request.ts";
import { OpenAIStreamTranslator } from "../../src/adapters/llm/openai/openai-stream.ts";
import type { ModelMessage } from "../../src/domain/model-context.ts";
import type { ModelRequest, ModelStreamPart } from "../../src/ports/llm.ts";
import { drain } from "../support/fake-upstream.ts";

const base: Omit<ModelRequest, "signal"> = {
  model: "gpt-5.1",
  system: null,
  messages: [],
  tools: [],
  maxTokens: 512,
  temperature: null,
};

function request(messages: ModelMessage[], extra: Partial<ModelRequest> = {}) {
  return toOpenAIRequest(
    { ...base, ...extra, messages },
    { maxTokensField: "max_completion_tokens" },
  );
}

describe("toOpenAIRequest", () => {
  test("system first, usage asked for, max tokens in the field given", () => {
    const body = request([{ role: "user", content: [{ type: "text", text: "hi" }] }], {
      system: "be brief",
      temperature: 0.2,
    });
    expect(body.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ]);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.max_completion_tokens).toBe(512);
    expect(body.temperature).toBe(0.2);
    const compat = toOpenAIRequest(
      { ...base, messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] },
      { maxTokensField: "max_tokens" },
    );
    expect(compat.max_tokens).toBe(512);
    expect("max_completion_tokens" in compat).toBe(false);
    expect("temperature" in compat).toBe(false);
  });

  test("tool calls and one tool message per result, ids mapped alike", () => {
    const longId = `toolu_${"x".repeat(50)}`;
    const body = request([
      { role: "user", content: [{ type: "text", text: "weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "private", signature: "s", provider: "openai" },
          { type: "text", text: "Checking." },
          { type: "tool_use", id: longId, name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "call_2", name: "time", input: {} },
        ],
      },
      {
        role: "tool",
        content: [
          { type: "tool_result", tool_use_id: "call_2", content: "noon", is_error: true },
          { type: "tool_result", tool_use_id: longId, content: [{ type: "text", text: "sunny" }] },
        ],
      },
    ]);
    const [, assistant, first, second] = body.messages as unknown as Array<Record<string, unknown>>;
    const calls = assistant?.tool_calls as Array<{ id: string; function: { arguments: string } }>;
    expect(assistant?.content).toBe("Checking.");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.id.length).toBeLessThanOrEqual(40);
    expect(calls[0]?.id).not.toBe(longId);
    expect(JSON.parse(calls[0]?.function.arguments ?? "")).toEqual({ city: "Paris" });
    expect(first).toEqual({ role: "tool", tool_call_id: calls[0]?.id, content: "sunny" });
    expect(second).toEqual({
      role: "tool",
      tool_call_id: "call_2",
      content: `${TOOL_ERROR_PREFIX}noon`,
    });
    expect(JSON.stringify(body)).not.toContain("private");
  });

  test("images: user parts, and a tool result's images in a user message after the tools", () => {
    const body = request([
      {
        role: "user",
        content: [
          { type: "text", text: "see" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
        ],
      },
      { role: "assistant", content: [{ type: "tool_use", id: "c1", name: "shot", input: {} }] },
      {
        role: "tool",
        content: [
          {
            type: "tool_result",
            tool_use_id: "c1",
            content: [{ type: "image", source: { type: "url", url: "https://x.test/s.png" } }],
          },
        ],
      },
    ]);
    expect(body.messages[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "see" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      ],
    });
    expect(body.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect(body.messages[3]).toEqual({
      role: "user",
      content: [{ type: "image_url", image_url: { url: "https://x.test/s.png" } }],
    });
  });

  test("tools become functions", () => {
    const schema = { type: "object", properties: {} };
    const body = request([{ role: "user", content: [{ type: "text", text: "q" }] }], {
      tools: [{ name: "noop", input_schema: schema }],
    });
    expect(body.tools).toEqual([
      { type: "function", function: { name: "noop", parameters: schema } },
    ]);
  });
});

async function* from(chunks: Array<Partial<ChatCompletionChunk>>): AsyncIterable<ModelStreamPart> {
  const t = new OpenAIStreamTranslator("openai");
  for (const c of chunks) yield* t.push(c as ChatCompletionChunk);
  yield* t.end();
}

const delta = (d: object, finish: string | null = null): Partial<ChatCompletionChunk> =>
  ({ choices: [{ index: 0, delta: d, finish_reason: finish }] }) as Partial<ChatCompletionChunk>;

describe("OpenAIStreamTranslator", () => {
  test("text, reasoning, streamed tool calls, usage after finish", async () => {
    const out = await drain(
      from([
        delta({ role: "assistant", content: "" }),
        delta({ reasoning_content: "think" }),
        delta({ content: "On it" }),
        delta({
          tool_calls: [
            { index: 0, id: "call_a", type: "function", function: { name: "f", arguments: "" } },
          ],
        }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
        delta({
          tool_calls: [
            { index: 1, id: "call_b", type: "function", function: { name: "g", arguments: "{}" } },
          ],
        }),
        delta({}, "tool_calls"),
        { choices: [], usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 } },
      ]),
    );
    expect(out.error).toBeNull();
    expect(out.blocks).toEqual([
      { type: "thinking", thinking: "think", provider: "openai" },
      { type: "text", text: "On it" },
      { type: "tool_use", id: "call_a", name: "f", input: { x: 1 } },
      { type: "tool_use", id: "call_b", name: "g", input: {} },
    ]);
    expect(out.usage).toEqual({ input_tokens: 7, output_tokens: 9 });
    expect(out.stop).toBe("tool_use");
  });

  test("cached prompt tokens (prompt_tokens_details.cached_tokens) are reported as cache reads", async () => {
    const out = await drain(
      from([
        delta({ content: "a" }),
        delta({}, "stop"),
        {
          choices: [],
          usage: {
            prompt_tokens: 2048,
            completion_tokens: 3,
            total_tokens: 2051,
            prompt_tokens_details: { cached_tokens: 1920 },
          },
        },
      ]),
    );
    expect(out.parts.find((p) => p.type === "usage")).toEqual({
      type: "usage",
      input_tokens: 2048,
      output_tokens: 3,
      cache_read_tokens: 1920,
    });
  });

  test("finish reasons; `stop` with tool calls still means tool_use", async () => {
    const lengthOut = await drain(from([delta({ content: "a" }), delta({}, "length")]));
    expect(lengthOut.stop).toBe("max_tokens");
    const stopWithTools = await drain(
      from([
        delta({ tool_calls: [{ index: 0, id: "c", function: { name: "f", arguments: "{}" } }] }),
        delta({}, "stop"),
      ]),
    );
    expect(stopWithTools.stop).toBe("tool_use");
  });

  test("a stream without a finish reason throws unavailable", async () => {
    const out = await drain(from([delta({ content: "par" })]));
    expect(out.parts).toHaveLength(2);
    expect(out.error).toMatchObject({ kind: "unavailable" });
  });
});
