import { describe, expect, test } from "bun:test";
import type { CompletionChunk } from "@mistralai/mistralai/models/components";
import {
  MISTRAL_BRIDGE_TEXT,
  type MistralMessage,
  toMistralRequest,
} from "../../src/adapters/llm/mistral/mistral-request.ts";
import { MistralStreamTranslator } from "../../src/adapters/llm/mistral/mistral-stream.ts";
import type { ModelMessage } from "../../src/domain/model-context.ts";
import type { ModelRequest, ModelStreamPart } from "../../src/ports/llm.ts";
import { drain } from "../support/fake-upstream.ts";

const base: Omit<ModelRequest, "signal"> = {
  model: "mistral-large-latest",
  system: "sys",
  messages: [],
  tools: [],
  maxTokens: 256,
  temperature: 0.5,
};

const request = (messages: ModelMessage[]) => toMistralRequest({ ...base, messages }, "mistral");
const roles = (messages: MistralMessage[]) => messages.map((m) => m.role);

describe("toMistralRequest", () => {
  test("camelCase fields, system first, 9-character ids alike in call and result", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "go" }] },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_01ABC", name: "f", input: { a: 1 } }],
      },
      {
        role: "tool",
        content: [{ type: "tool_result", tool_use_id: "toolu_01ABC", content: "done" }],
      },
    ]);
    expect(body.maxTokens).toBe(256);
    expect(body.temperature).toBe(0.5);
    expect(roles(body.messages)).toEqual(["system", "user", "assistant", "tool"]);
    const assistant = body.messages[2] as {
      toolCalls: Array<{ id: string; function: { arguments: string } }>;
    };
    const id = assistant.toolCalls[0]?.id ?? "";
    expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(JSON.parse(assistant.toolCalls[0]?.function.arguments ?? "")).toEqual({ a: 1 });
    expect(body.messages[3]).toEqual({ role: "tool", toolCallId: id, name: "f", content: "done" });
  });

  test("a user message never follows a tool message; same roles merge", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "a" }] },
      { role: "user", content: [{ type: "text", text: "b" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "abcdefghi", name: "f", input: {} }] },
      { role: "tool", content: [{ type: "tool_result", tool_use_id: "abcdefghi", content: "r" }] },
      { role: "user", content: [{ type: "text", text: "next" }] },
    ]);
    expect(roles(body.messages)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
    ]);
    expect(body.messages[1]).toEqual({ role: "user", content: "a\nb" });
    expect(body.messages[4]).toEqual({ role: "assistant", content: MISTRAL_BRIDGE_TEXT });
    expect((body.messages[2] as { toolCalls: Array<{ id: string }> }).toolCalls[0]?.id).toBe(
      "abcdefghi",
    );
  });

  test("own thinking goes back as thinking chunks, foreign thinking is dropped", () => {
    const body = request([
      { role: "user", content: [{ type: "text", text: "q" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "mine", provider: "mistral" },
          { type: "thinking", thinking: "theirs", signature: "s", provider: "anthropic" },
          { type: "text", text: "answer" },
        ],
      },
      { role: "user", content: [{ type: "text", text: "q2" }] },
    ]);
    expect(body.messages[2]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: [{ type: "text", text: "mine" }] },
        { type: "text", text: "answer" },
      ],
    });
    expect(JSON.stringify(body)).not.toContain("theirs");
  });

  test("images as image_url chunks (data URL for base64)", () => {
    const body = request([
      {
        role: "user",
        content: [
          { type: "text", text: "see" },
          { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/" } },
        ],
      },
    ]);
    expect(body.messages[1]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "see" },
        { type: "image_url", imageUrl: "data:image/jpeg;base64,/9j/" },
      ],
    });
  });
});

async function* from(chunks: object[]): AsyncIterable<ModelStreamPart> {
  const t = new MistralStreamTranslator("mistral");
  for (const c of chunks) yield* t.push(c as CompletionChunk);
  yield* t.end();
}

const chunk = (delta: object, finishReason: string | null = null, extra: object = {}) => ({
  id: "x",
  model: "m",
  choices: [{ index: 0, delta, finishReason }],
  ...extra,
});

describe("MistralStreamTranslator", () => {
  test("thinking chunks, text, a whole tool call (object arguments), usage", async () => {
    const out = await drain(
      from([
        chunk({ role: "assistant", content: "" }),
        chunk({ content: [{ type: "thinking", thinking: [{ type: "text", text: "hmm" }] }] }),
        chunk({ content: "Sure" }),
        chunk({
          content: "",
          toolCalls: [
            { id: "abcdefghi", function: { name: "f", arguments: { q: "x" } }, index: 0 },
          ],
        }),
        chunk({ content: "" }, "tool_calls", { usage: { promptTokens: 11, completionTokens: 4 } }),
      ]),
    );
    expect(out.error).toBeNull();
    expect(out.blocks).toEqual([
      { type: "thinking", thinking: "hmm", provider: "mistral" },
      { type: "text", text: "Sure" },
      { type: "tool_use", id: "abcdefghi", name: "f", input: { q: "x" } },
    ]);
    expect(out.usage).toEqual({ input_tokens: 11, output_tokens: 4 });
    expect(out.stop).toBe("tool_use");
  });

  test("two whole calls with the same index but different ids stay two calls", async () => {
    const out = await drain(
      from([
        chunk({
          toolCalls: [{ id: "aaaaaaaaa", function: { name: "f", arguments: "{}" }, index: 0 }],
        }),
        chunk({
          toolCalls: [{ id: "bbbbbbbbb", function: { name: "g", arguments: "{}" }, index: 0 }],
        }),
        chunk({}, "tool_calls"),
      ]),
    );
    expect(out.blocks.map((b) => (b.type === "tool_use" ? b.id : b.type))).toEqual([
      "aaaaaaaaa",
      "bbbbbbbbb",
    ]);
  });

  test("finish reason `error` throws unavailable", async () => {
    const out = await drain(from([chunk({ content: "a" }), chunk({}, "error")]));
    expect(out.error).toMatchObject({ kind: "unavailable" });
  });
});
