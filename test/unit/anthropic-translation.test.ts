import { describe, expect, test } from "bun:test";
import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import { toAnthropicRequest } from "../../src/adapters/llm/anthropic/anthropic-request.ts";
import {
  AnthropicStreamTranslator,
  mapStopReason,
} from "../../src/adapters/llm/anthropic/anthropic-stream.ts";
import type { ModelMessage } from "../../src/domain/model-context.ts";
import type { ModelRequest, ModelStreamPart } from "../../src/ports/llm.ts";
import { drain } from "../support/fake-upstream.ts";

const base: Omit<ModelRequest, "signal"> = {
  model: "claude-sonnet-4-6",
  system: null,
  messages: [],
  tools: [],
  maxTokens: 1024,
  temperature: 0.3,
};

/** The request without its cache breakpoints (tested on their own below). */
function request(messages: ModelMessage[], extra: Partial<ModelRequest> = {}) {
  const body = toAnthropicRequest({ ...base, ...extra, messages }, "anthropic");
  for (const message of body.messages)
    if (Array.isArray(message.content))
      for (const block of message.content)
        delete (block as { cache_control?: unknown }).cache_control;
  return body;
}

describe("prompt-cache breakpoints", () => {
  test("the system prompt and the ends of the last two messages are marked; thinking never is", () => {
    const body = toAnthropicRequest(
      {
        ...base,
        system: "be brief",
        messages: [
          { role: "user", content: [{ type: "text", text: "one" }] },
          { role: "assistant", content: [{ type: "text", text: "two" }] },
          {
            role: "user",
            content: [
              { type: "text", text: "three" },
              { type: "text", text: "four" },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "text", text: "five" },
              { type: "thinking", thinking: "hm", signature: "sig", provider: "anthropic" },
            ],
          },
        ],
      },
      "anthropic",
    );
    expect(body.system).toEqual([
      { type: "text", text: "be brief", cache_control: { type: "ephemeral" } },
    ]);
    const marks = body.messages.map((m) =>
      (m.content as { cache_control?: unknown }[]).map((b) => Boolean(b.cache_control)),
    );
    expect(marks).toEqual([[false], [false], [false, true], [true, false]]);
  });
});

describe("toAnthropicRequest", () => {
  test("system prompt is top level; no temperature (removed in API 2026-10-21)", () => {
    const body = request([{ role: "user", content: [{ type: "text", text: "hi" }] }], {
      system: "be brief",
    });
    expect(body.system).toEqual([
      { type: "text", text: "be brief", cache_control: { type: "ephemeral" } },
    ]);
    expect(body.stream).toBe(true);
    expect(body.max_tokens).toBe(1024);
    expect("temperature" in body).toBe(false);
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  });

  test("tool results go first in a user message right after the calls", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "weather?" }] },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "call_abc", name: "weather", input: { city: "Paris" } }],
      },
      {
        role: "tool",
        content: [{ type: "tool_result", tool_use_id: "call_abc", content: "sunny" }],
      },
      { role: "user", content: [{ type: "text", text: "thanks" }] },
    ]);
    expect(body.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(body.messages[2]?.content).toEqual([
      { type: "tool_result", tool_use_id: "call_abc", content: "sunny" },
      { type: "text", text: "thanks" },
    ]);
  });

  test("a user message sent while a call was pending comes after the results", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "weather?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "weather", input: {} }] },
      { role: "user", content: [{ type: "text", text: "still there?" }] },
      { role: "tool", content: [{ type: "tool_result", tool_use_id: "t1", content: "rain" }] },
    ]);
    expect(body.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(body.messages[2]?.content).toEqual([
      { type: "tool_result", tool_use_id: "t1", content: "rain" },
      { type: "text", text: "still there?" },
    ]);
  });

  test("foreign ids are rewritten the same way in tool_use and tool_result", () => {
    const foreign = "call.with:chars/anthropic-refuses";
    const body = request([
      { role: "user", content: [{ type: "text", text: "go" }] },
      { role: "assistant", content: [{ type: "tool_use", id: foreign, name: "t", input: {} }] },
      {
        role: "tool",
        content: [{ type: "tool_result", tool_use_id: foreign, content: "x", is_error: true }],
      },
    ]);
    const use = body.messages[1]?.content[0] as { id: string };
    const result = body.messages[2]?.content[0] as { tool_use_id: string; is_error?: boolean };
    expect(use.id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(result.tool_use_id).toBe(use.id);
    expect(result.is_error).toBe(true);
  });

  test("thinking goes back only to its maker, with its signature", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "q" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "mine", signature: "sig-1", provider: "anthropic" },
          { type: "thinking", thinking: "unsigned", provider: "anthropic" },
          { type: "thinking", thinking: "theirs", provider: "openai" },
          { type: "text", text: "a" },
        ],
      },
      { role: "user", content: [{ type: "text", text: "q2" }] },
    ]);
    expect(body.messages[1]?.content).toEqual([
      { type: "thinking", thinking: "mine", signature: "sig-1" },
      { type: "text", text: "a" },
    ]);
  });

  test("consecutive same-role messages are merged; images keep their source", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "one" }] },
      {
        role: "user",
        content: [
          { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
          {
            type: "image",
            source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
          },
        ],
      },
    ]);
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]?.content).toEqual([
      { type: "text", text: "one" },
      { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
    ]);
  });

  test("history with tool blocks but no tools offered: tools declared, calling them forbidden", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "q" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "weather", input: {} }] },
      { role: "tool", content: [{ type: "tool_result", tool_use_id: "t1", content: "sun" }] },
    ]);
    expect(body.tools).toEqual([{ name: "weather", input_schema: { type: "object" } }]);
    expect(body.tool_choice).toEqual({ type: "none" });
    const plain = request([{ role: "user", content: [{ type: "text", text: "q" }] }]);
    expect(plain.tools).toBeUndefined();
    expect(plain.tool_choice).toBeUndefined();
  });

  test("tools keep their JSON Schema as input_schema", () => {
    const schema = {
      type: "object" as const,
      properties: { city: { type: "string" } },
      required: ["city"],
    };
    const body = request([{ role: "user", content: [{ type: "text", text: "q" }] }], {
      tools: [{ name: "weather", description: "Weather now", input_schema: schema }],
    });
    expect(body.tools).toEqual([
      { name: "weather", description: "Weather now", input_schema: schema },
    ]);
  });
});

async function* from(events: RawMessageStreamEvent[]): AsyncIterable<ModelStreamPart> {
  const t = new AnthropicStreamTranslator("anthropic");
  for (const e of events) yield* t.push(e);
  yield* t.end();
}

const start = (input = 10): RawMessageStreamEvent =>
  ({
    type: "message_start",
    message: { usage: { input_tokens: input, output_tokens: 1, cache_read_input_tokens: 5 } },
  }) as RawMessageStreamEvent;
const ev = (e: object) => e as RawMessageStreamEvent;

describe("AnthropicStreamTranslator", () => {
  test("cache reads and writes are reported beside the total input", () => {
    const t = new AnthropicStreamTranslator("anthropic");
    const parts = t.push(
      ev({
        type: "message_start",
        message: {
          usage: {
            input_tokens: 10,
            output_tokens: 1,
            cache_read_input_tokens: 900,
            cache_creation_input_tokens: 40,
          },
        },
      }),
    );
    expect(parts).toEqual([
      {
        type: "usage",
        input_tokens: 950,
        output_tokens: 1,
        cache_read_tokens: 900,
        cache_write_tokens: 40,
      },
    ]);
  });

  test("text, tool call, usage and stop", async () => {
    const out = await drain(
      from([
        start(),
        ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
        ev({
          type: "content_block_delta",
          index: 0,
          delta: { type: "text_delta", text: "Let me " },
        }),
        ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "look." } }),
        ev({ type: "content_block_stop", index: 0 }),
        ev({
          type: "content_block_start",
          index: 1,
          content_block: { type: "tool_use", id: "toolu_1", name: "weather", input: {} },
        }),
        ev({
          type: "content_block_delta",
          index: 1,
          delta: { type: "input_json_delta", partial_json: "" },
        }),
        ev({
          type: "content_block_delta",
          index: 1,
          delta: { type: "input_json_delta", partial_json: '{"ci' },
        }),
        ev({
          type: "content_block_delta",
          index: 1,
          delta: { type: "input_json_delta", partial_json: 'ty":"Oslo"}' },
        }),
        ev({ type: "content_block_stop", index: 1 }),
        ev({
          type: "message_delta",
          delta: { stop_reason: "tool_use" },
          usage: { output_tokens: 42 },
        }),
        ev({ type: "message_stop" }),
      ]),
    );
    expect(out.error).toBeNull();
    expect(out.blocks).toEqual([
      { type: "text", text: "Let me look." },
      { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Oslo" } },
    ]);
    expect(out.usage).toEqual({ input_tokens: 15, output_tokens: 42 });
    expect(out.stop).toBe("tool_use");
  });

  test("a thinking block streams live; its signature comes with its block_stop", async () => {
    const out = await drain(
      from([
        start(),
        ev({
          type: "content_block_start",
          index: 0,
          content_block: { type: "thinking", thinking: "", signature: "" },
        }),
        ev({
          type: "content_block_delta",
          index: 0,
          delta: { type: "thinking_delta", thinking: "hmm " },
        }),
        ev({
          type: "content_block_delta",
          index: 0,
          delta: { type: "thinking_delta", thinking: "ok" },
        }),
        ev({
          type: "content_block_delta",
          index: 0,
          delta: { type: "signature_delta", signature: "SIG" },
        }),
        ev({ type: "content_block_stop", index: 0 }),
        ev({ type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
        ev({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "hi" } }),
        ev({ type: "content_block_stop", index: 1 }),
        ev({
          type: "message_delta",
          delta: { stop_reason: "end_turn" },
          usage: { output_tokens: 3 },
        }),
        ev({ type: "message_stop" }),
      ]),
    );
    expect(out.blocks).toEqual([
      { type: "thinking", thinking: "hmm ok", signature: "SIG", provider: "anthropic" },
      { type: "text", text: "hi" },
    ]);
    expect(out.parts.slice(1, 5)).toEqual([
      {
        type: "block_start",
        index: 0,
        block: { type: "thinking", thinking: "", provider: "anthropic" },
      },
      { type: "block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm " } },
      { type: "block_delta", index: 0, delta: { type: "thinking_delta", thinking: "ok" } },
      { type: "block_stop", index: 0, signature: "SIG" },
    ]);
  });

  test("blocks Spool does not keep leave no gap in the indexes", async () => {
    const out = await drain(
      from([
        start(),
        ev({
          type: "content_block_start",
          index: 0,
          content_block: { type: "redacted_thinking", data: "x" },
        }),
        ev({ type: "content_block_stop", index: 0 }),
        ev({ type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
        ev({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "a" } }),
        ev({ type: "content_block_stop", index: 1 }),
        ev({ type: "message_stop" }),
      ]),
    );
    expect(out.parts.find((p) => p.type === "block_start")).toMatchObject({ index: 0 });
    expect(out.blocks).toEqual([{ type: "text", text: "a" }]);
    expect(out.stop).toBe("end_turn");
  });

  test("a stream cut before message_stop throws unavailable", async () => {
    const out = await drain(
      from([
        start(),
        ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
        ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "par" } }),
      ]),
    );
    expect(out.parts.length).toBeGreaterThan(1);
    expect(out.error).toMatchObject({ name: "ModelProviderError", kind: "unavailable" });
  });

  test("stop reasons", () => {
    expect(mapStopReason("tool_use")).toBe("tool_use");
    expect(mapStopReason("max_tokens")).toBe("max_tokens");
    expect(mapStopReason("model_context_window_exceeded")).toBe("max_tokens");
    expect(mapStopReason("end_turn")).toBe("end_turn");
    expect(mapStopReason("stop_sequence")).toBe("end_turn");
    expect(mapStopReason("refusal")).toBe("end_turn");
  });
});
