// The pure mappers of the AI SDK compatibility layer: Spool events → UI chunks (steps, parts,
// tool outputs, usage, errors, resets, continuations), stored messages → UIMessage[], and the
// shapes checked against the `ai` package's own types so they cannot drift.
import { describe, expect, test } from "bun:test";
import type { UIMessage, UIMessageChunk } from "ai";
import { toolOutputOf, toolResultContentOf } from "../../src/http/compat/ui/ui-content.ts";
import { toUiMessages } from "../../src/http/compat/ui/ui-history.ts";
import { UiStreamTranslator } from "../../src/http/compat/ui/ui-stream-translator.ts";
import type { UiChunk, UiMessage } from "../../src/http/compat/ui/ui-types.ts";
import type { Block } from "../../src/protocol/blocks.ts";
import type { StreamEvent } from "../../src/protocol/events.ts";
import type { Message } from "../../src/protocol/objects.ts";

// Compile-time: every chunk and message Spool produces is one the AI SDK accepts.
const _chunk: UIMessageChunk = {} as UiChunk;
const _message: UIMessage = {} as UiMessage;

const T = "thr_test";
const base = { thread_id: T, cursor: "0:0" };

function message(seq: number, role: Message["role"], extra: Partial<Message> = {}): Message {
  return {
    id: `msg_${seq}`,
    object: "message",
    thread_id: T,
    seq,
    parent_seq: null,
    children: [],
    role,
    content: [],
    status: role === "assistant" ? "in_progress" : "completed",
    model: role === "assistant" ? "spool/echo" : null,
    request_id: null,
    end_user_id: null,
    usage: null,
    stop_reason: null,
    error: null,
    created_at: "2026-12-01T00:00:00.000Z",
    completed_at: null,
    ...extra,
  };
}

const created = (m: Message): StreamEvent => ({ ...base, type: "message.created", message: m });
const start = (seq: number, index: number, block: Block): StreamEvent => ({
  ...base,
  type: "block.start",
  seq,
  index,
  block,
});
const textDelta = (seq: number, index: number, text: string): StreamEvent => ({
  ...base,
  type: "block.delta",
  seq,
  index,
  delta: { type: "text_delta", text },
});
const jsonDelta = (seq: number, index: number, partial_json: string): StreamEvent => ({
  ...base,
  type: "block.delta",
  seq,
  index,
  delta: { type: "input_json_delta", partial_json },
});
const stopBlock = (seq: number, index: number): StreamEvent => ({
  ...base,
  type: "block.stop",
  seq,
  index,
});
const completed = (m: Message): StreamEvent => ({ ...base, type: "message.completed", message: m });
const usage = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  estimated: false,
});

function run(
  events: StreamEvent[],
  options: Partial<ConstructorParameters<typeof UiStreamTranslator>[0]> = {},
) {
  const translator = new UiStreamTranslator({ threadId: T, messageId: null, ...options });
  const out: UiChunk[] = [...translator.begin()];
  for (const event of events) out.push(...translator.translate(event));
  return { out, translator };
}

describe("UiStreamTranslator", () => {
  test("a text answer: start with the message id, a step, a text part, finish with usage", () => {
    const done = message(2, "assistant", {
      status: "completed",
      stop_reason: "end_turn",
      usage: usage(7, 2),
      content: [{ type: "text", text: "Hi there" }],
    });
    const { out, translator } = run([
      created(message(1, "user")),
      created(message(2, "assistant")),
      start(2, 0, { type: "text", text: "" }),
      textDelta(2, 0, "Hi "),
      textDelta(2, 0, "there"),
      stopBlock(2, 0),
      completed(done),
    ]);
    out.push(...translator.end(false));
    expect(out).toEqual([
      { type: "start", messageId: "msg_2", messageMetadata: { thread_id: T } },
      { type: "start-step" },
      { type: "text-start", id: "2:0" },
      { type: "text-delta", id: "2:0", delta: "Hi " },
      { type: "text-delta", id: "2:0", delta: "there" },
      { type: "text-end", id: "2:0" },
      { type: "finish-step" },
      {
        type: "finish",
        finishReason: "stop",
        messageMetadata: {
          thread_id: T,
          seq: 2,
          model: "spool/echo",
          stop_reason: "end_turn",
          usage: { input_tokens: 7, output_tokens: 2, estimated: false },
          totalUsage: { inputTokens: 7, outputTokens: 2, totalTokens: 9 },
        },
      },
    ]);
  });

  test("thinking is reasoning; a tool call streams its input; the wait ends with tool-calls", () => {
    const { out, translator } = run([
      created(message(2, "assistant")),
      start(2, 0, { type: "thinking", thinking: "" }),
      {
        ...base,
        type: "block.delta",
        seq: 2,
        index: 0,
        delta: { type: "thinking_delta", thinking: "hmm" },
      },
      { ...base, type: "block.stop", seq: 2, index: 0, signature: "sig" },
      start(2, 1, { type: "tool_use", id: "call_1", name: "get_weather", input: {} }),
      jsonDelta(2, 1, '{"city":'),
      jsonDelta(2, 1, '"Oslo"}'),
      stopBlock(2, 1),
      {
        ...base,
        type: "tool.waiting",
        seq: 2,
        tool_use: { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
      },
    ]);
    expect(translator.lastToolUseId(2)).toBe("call_1");
    out.push(...translator.end(true));
    expect(out.map((c) => c.type)).toEqual([
      "start",
      "start-step",
      "reasoning-start",
      "reasoning-delta",
      "reasoning-end",
      "tool-input-start",
      "tool-input-delta",
      "tool-input-delta",
      "tool-input-available",
      "finish-step",
      "finish",
    ]);
    expect(out[8]).toEqual({
      type: "tool-input-available",
      toolCallId: "call_1",
      toolName: "get_weather",
      input: { city: "Oslo" },
    });
    expect(out.at(-1)).toEqual({
      type: "finish",
      finishReason: "tool-calls",
      messageMetadata: { thread_id: T },
    });
  });

  test("a continuation: the known message is silent but counted; results, then the next step", () => {
    const a1 = message(2, "assistant", {
      status: "completed",
      stop_reason: "tool_use",
      usage: usage(10, 1),
    });
    const a2 = message(4, "assistant", {
      status: "completed",
      stop_reason: "end_turn",
      usage: usage(20, 3),
    });
    const { out, translator } = run(
      [
        created(message(2, "assistant")),
        start(2, 0, { type: "tool_use", id: "call_1", name: "t", input: {} }),
        stopBlock(2, 0),
        {
          ...base,
          type: "tool.waiting",
          seq: 2,
          tool_use: { type: "tool_use", id: "call_1", name: "t", input: {} },
        },
        completed(a1),
        created(
          message(3, "tool", {
            content: [
              { type: "tool_result", tool_use_id: "call_1", content: '{"ok":true}' },
              { type: "tool_result", tool_use_id: "call_2", content: "boom", is_error: true },
            ],
          }),
        ),
        created(message(4, "assistant")),
        start(4, 0, { type: "text", text: "Done" }),
        stopBlock(4, 0),
        completed(a2),
      ],
      { messageId: "client-id", knownSeq: 2 },
    );
    expect(translator.isKnown(2)).toBe(true);
    out.push(...translator.end(false));
    expect(out).toEqual([
      { type: "start", messageId: "client-id", messageMetadata: { thread_id: T } },
      { type: "tool-output-available", toolCallId: "call_1", output: { ok: true } },
      { type: "tool-output-error", toolCallId: "call_2", errorText: "boom" },
      { type: "start-step" },
      { type: "text-start", id: "4:0" },
      { type: "text-delta", id: "4:0", delta: "Done" },
      { type: "text-end", id: "4:0" },
      { type: "finish-step" },
      expect.objectContaining({
        type: "finish",
        finishReason: "stop",
        messageMetadata: expect.objectContaining({
          seq: 4,
          usage: { input_tokens: 30, output_tokens: 4, estimated: false },
        }),
      }),
    ]);
  });

  test("a failed message closes its open parts and sends an error chunk", () => {
    const failed = message(2, "assistant", {
      status: "failed",
      error: { code: "unavailable", message: "upstream down" },
    });
    const { out, translator } = run([
      created(message(2, "assistant")),
      start(2, 0, { type: "text", text: "" }),
      textDelta(2, 0, "par"),
      { ...base, type: "message.failed", message: failed },
    ]);
    out.push(...translator.end(false));
    expect(out.slice(4).map((c) => c.type)).toEqual(["text-end", "finish-step", "error", "finish"]);
    expect(out[6]).toEqual({ type: "error", errorText: "upstream down" });
    expect(out.at(-1)).toMatchObject({ finishReason: "error" });
  });

  test("a stream.reset rebuilds the current step from the full message", () => {
    const now = message(2, "assistant", { content: [{ type: "text", text: "Hello wor" }] });
    const { out } = run([
      created(message(2, "assistant")),
      start(2, 0, { type: "text", text: "" }),
      textDelta(2, 0, "Hel"),
      { ...base, type: "stream.reset", seq: 2, message: now, reason: "lost" },
      textDelta(2, 0, "ld"),
    ]);
    expect(out.slice(4)).toEqual([
      { type: "reset-step" },
      { type: "start-step" },
      { type: "text-start", id: "2:0" },
      { type: "text-delta", id: "2:0", delta: "Hello wor" },
      { type: "text-delta", id: "2:0", delta: "ld" },
    ]);
  });

  test("a user message and deltas of blocks never opened produce nothing", () => {
    const { out } = run([created(message(1, "user")), textDelta(9, 0, "stray"), stopBlock(9, 0)]);
    expect(out).toEqual([]);
  });
});

describe("toUiMessages (format=ui)", () => {
  test("a turn with a client tool is one assistant message with two steps; a running turn is left out", () => {
    const ui = toUiMessages(T, [
      message(1, "user", {
        content: [
          { type: "text", text: "weather?" },
          { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
        ],
      }),
      message(2, "assistant", {
        status: "completed",
        stop_reason: "tool_use",
        usage: usage(5, 1),
        content: [
          { type: "thinking", thinking: "hm" },
          { type: "tool_use", id: "c1", name: "get_weather", input: { city: "Oslo" } },
        ],
      }),
      message(3, "tool", {
        content: [{ type: "tool_result", tool_use_id: "c1", content: "[1,2]" }],
      }),
      message(4, "assistant", {
        status: "completed",
        stop_reason: "end_turn",
        usage: usage(9, 2),
        content: [{ type: "text", text: "Sunny" }],
      }),
      message(5, "user", { content: [{ type: "text", text: "and now?" }] }),
      message(6, "assistant", { content: [{ type: "text", text: "Half an ans" }] }),
    ]);
    expect(ui).toEqual([
      {
        id: "msg_1",
        role: "user",
        parts: [
          { type: "text", text: "weather?" },
          { type: "file", url: "https://x.test/a.png", mediaType: "image/png" },
        ],
      },
      {
        id: "msg_2",
        role: "assistant",
        metadata: {
          thread_id: T,
          seq: 4,
          model: "spool/echo",
          stop_reason: "end_turn",
          usage: { input_tokens: 14, output_tokens: 3, estimated: false },
          totalUsage: { inputTokens: 14, outputTokens: 3, totalTokens: 17 },
        },
        parts: [
          { type: "step-start" },
          { type: "reasoning", text: "hm", state: "done" },
          {
            type: "tool-get_weather",
            toolCallId: "c1",
            state: "output-available",
            input: { city: "Oslo" },
            output: [1, 2],
          },
          { type: "step-start" },
          { type: "text", text: "Sunny", state: "done" },
        ],
      },
      { id: "msg_5", role: "user", parts: [{ type: "text", text: "and now?" }] },
    ]);
  });

  test("an unanswered call stays input-available; an error result is output-error", () => {
    const [, answer] = toUiMessages(T, [
      message(1, "user"),
      message(2, "assistant", {
        status: "completed",
        stop_reason: "tool_use",
        content: [
          { type: "tool_use", id: "a", name: "x", input: {} },
          { type: "tool_use", id: "b", name: "y", input: {} },
        ],
      }),
      message(3, "tool", {
        content: [{ type: "tool_result", tool_use_id: "a", content: "nope", is_error: true }],
      }),
    ]);
    expect(answer!.parts.slice(1)).toEqual([
      { type: "tool-x", toolCallId: "a", state: "output-error", input: {}, errorText: "nope" },
      { type: "tool-y", toolCallId: "b", state: "input-available", input: {} },
    ]);
  });
});

test("tool outputs round-trip: strings as written, JSON values as JSON", () => {
  for (const value of ["plain", { a: [1, { b: null }] }, [1, 2], 42, true, null]) {
    const back = toolOutputOf(toolResultContentOf(value));
    expect(back).toEqual(
      typeof value === "object" && value !== null
        ? value
        : typeof value === "string"
          ? value
          : JSON.stringify(value),
    );
  }
  expect(toolOutputOf("{not json")).toBe("{not json");
});
