/**
 * The compatibility translators are pure: protocol requests → Spool messages (and the history
 * fingerprint they share across protocols), Spool events → protocol events (resets turned into
 * the missing parts, Responses numbering reproducible, `starting_after` exact).
 */
import { describe, expect, test } from "bun:test";
import { conversationFingerprint } from "../../src/domain/history-fingerprint.ts";
import { parseMessagesRequest } from "../../src/http/compat/anthropic/messages-request.ts";
import { AnthropicEventMapper } from "../../src/http/compat/anthropic/messages-response.ts";
import { parseChatRequest } from "../../src/http/compat/openai/chat-request.ts";
import { ChatChunkMapper } from "../../src/http/compat/openai/chat-response.ts";
import { ResponsesMapper } from "../../src/http/compat/openai/responses-events.ts";
import { parseResponsesRequest } from "../../src/http/compat/openai/responses-request.ts";
import { TurnParts } from "../../src/http/compat/shared/turn-parts.ts";
import type { StreamEvent } from "../../src/protocol/events.ts";
import type { Message } from "../../src/protocol/objects.ts";

const message = (over: Partial<Message> = {}): Message => ({
  id: "msg_abc",
  object: "message",
  thread_id: "thr_1",
  seq: 2,
  parent_seq: null,
  children: [],
  role: "assistant",
  content: [],
  status: "in_progress",
  model: "spool/echo",
  request_id: null,
  end_user_id: null,
  usage: null,
  stop_reason: null,
  error: null,
  created_at: "2026-12-01T00:00:00.000Z",
  completed_at: null,
  ...over,
});

const base = { thread_id: "thr_1", cursor: "2:0" };
function events(): StreamEvent[] {
  const done = message({
    status: "completed",
    stop_reason: "end_turn",
    content: [{ type: "text", text: "Hello world" }],
    usage: { input_tokens: 3, output_tokens: 2, estimated: false },
  });
  return [
    { ...base, type: "message.created", message: message() },
    { ...base, type: "block.start", seq: 2, index: 0, block: { type: "text", text: "" } },
    {
      ...base,
      type: "block.delta",
      seq: 2,
      index: 0,
      delta: { type: "text_delta", text: "Hello" },
    },
    {
      ...base,
      type: "block.delta",
      seq: 2,
      index: 0,
      delta: { type: "text_delta", text: " world" },
    },
    { ...base, type: "block.stop", seq: 2, index: 0 },
    { ...base, type: "message.completed", message: done },
  ];
}

describe("history fingerprints match across protocols", () => {
  const openai = parseChatRequest({
    model: "m",
    messages: [
      { role: "system", content: "sys" },
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "w", arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "sunny" },
      { role: "assistant", content: "It is  sunny." },
    ],
  });
  const anthropic = parseMessagesRequest({
    model: "m",
    max_tokens: 5,
    messages: [
      { role: "user", content: [{ type: "text", text: "weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "hmm", signature: "s" },
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "call_1", name: "w", input: { city: "Oslo" } },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1", content: "sunny" }] },
      { role: "assistant", content: "It is sunny.\n" },
    ],
  });
  const responses = parseResponsesRequest({
    model: "m",
    input: [
      { role: "user", content: "weather?" },
      { role: "assistant", content: [{ type: "output_text", text: "Let me check." }] },
      { type: "function_call", call_id: "call_1", name: "w", arguments: '{"city":"Oslo"}' },
      { type: "function_call_output", call_id: "call_1", output: "sunny" },
      { role: "assistant", content: "It is sunny." },
    ],
  });

  test("OpenAI chat, Anthropic and Responses give one fingerprint", () => {
    const fp = conversationFingerprint(openai.messages);
    expect(fp).not.toBeNull();
    expect(conversationFingerprint(anthropic.messages)).toBe(fp);
    expect(conversationFingerprint(responses.messages)).toBe(fp);
  });

  test("a different answer is a different fingerprint", () => {
    const changed = [
      ...openai.messages.slice(0, -1),
      { role: "assistant" as const, content: [{ type: "text" as const, text: "Rain." }] },
    ];
    expect(conversationFingerprint(changed)).not.toBe(conversationFingerprint(openai.messages));
  });

  test("system prompts are not history", () => {
    expect(openai.system).toBe("sys");
    expect(openai.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  });
});

describe("unsupported parameters name themselves", () => {
  const cases: [string, () => unknown, string][] = [
    [
      "chat",
      () =>
        parseChatRequest({
          model: "m",
          messages: [{ role: "user", content: "x" }],
          logit_bias: {},
        }),
      "logit_bias",
    ],
    [
      "chat tool_choice",
      () =>
        parseChatRequest({
          model: "m",
          messages: [{ role: "user", content: "x" }],
          tool_choice: "required",
        }),
      "tool_choice",
    ],
    [
      "responses",
      () => parseResponsesRequest({ model: "m", input: "x", background: true }),
      "background",
    ],
    [
      "anthropic",
      () =>
        parseMessagesRequest({
          model: "m",
          max_tokens: 1,
          messages: [{ role: "user", content: "x" }],
          top_p: 1,
        }),
      "top_p",
    ],
  ];
  for (const [name, run, param] of cases) {
    test(name, () => {
      expect(run).toThrow();
      try {
        run();
      } catch (error) {
        expect(error).toMatchObject({ code: "invalid_request", param });
      }
    });
  }
});

describe("turn parts", () => {
  test("a reset mid-block gives the rest of the text once, then the end", () => {
    const parts = new TurnParts();
    const [created, start, delta] = events();
    const out = [created!, start!, delta!].flatMap((e) => parts.push(e));
    const reset: StreamEvent = {
      ...base,
      type: "stream.reset",
      seq: 2,
      reason: "expired",
      message: message({
        status: "completed",
        stop_reason: "end_turn",
        content: [{ type: "text", text: "Hello world" }],
      }),
    };
    out.push(...parts.push(reset));
    const text = out
      .map((p) => (p.type === "block_delta" && p.delta.type === "text_delta" ? p.delta.text : ""))
      .join("");
    expect(text).toBe("Hello world");
    expect(out.filter((p) => p.type === "block_start")).toHaveLength(1);
    expect(out.at(-1)).toMatchObject({ type: "end", waiting: false });
  });

  test("a turn waiting on two tool calls ends at the second tool.waiting", () => {
    const parts = new TurnParts();
    const call = (index: number, id: string): StreamEvent[] => [
      {
        ...base,
        type: "block.start",
        seq: 2,
        index,
        block: { type: "tool_use", id, name: "f", input: {} },
      },
      {
        ...base,
        type: "block.delta",
        seq: 2,
        index,
        delta: { type: "input_json_delta", partial_json: '{"a":1}' },
      },
      { ...base, type: "block.stop", seq: 2, index },
    ];
    const tool = (id: string): StreamEvent => ({
      ...base,
      type: "tool.waiting",
      seq: 2,
      tool_use: { type: "tool_use", id, name: "f", input: { a: 1 } },
    });
    const all = [events()[0]!, ...call(0, "a"), ...call(1, "b"), tool("a")].flatMap((e) =>
      parts.push(e),
    );
    expect(all.some((p) => p.type === "end")).toBe(false);
    const end = parts.push(tool("b"));
    expect(end).toMatchObject([{ type: "end", waiting: true }]);
  });
});

describe("protocol mappers", () => {
  const meta = {
    id: "resp_x",
    model: "m",
    threadId: "thr_1",
    previousResponseId: null,
    instructions: null,
  };
  const render = (skip = -1) => {
    const mapper = new ResponsesMapper(meta, skip);
    return events()
      .map((e) => mapper.frames(e))
      .join("");
  };
  const numbers = (sse: string) =>
    [...sse.matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1]));

  test("Responses numbering is the same on every reading; starting_after skips exactly", () => {
    const full = render();
    expect(render()).toBe(full);
    const all = numbers(full);
    expect(all).toEqual(all.map((_, i) => i));
    expect(numbers(render(4))).toEqual(all.slice(5));
    expect(full).toContain("event: response.completed");
  });

  test("Chat chunks: role first, finish_reason stop, usage chunk when asked, [DONE]", () => {
    const mapper = new ChatChunkMapper("m", true);
    const sse =
      events()
        .map((e) => mapper.frames(e))
        .join("") + mapper.finish();
    const chunks = sse
      .split("\n\n")
      .filter(Boolean)
      .map((f) => f.slice(6));
    expect(chunks.at(-1)).toBe("[DONE]");
    const parsed = chunks.slice(0, -1).map((c) => JSON.parse(c));
    expect(parsed[0].choices[0].delta.role).toBe("assistant");
    expect(parsed.at(-2).choices[0].finish_reason).toBe("stop");
    expect(parsed.at(-1).usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
    });
  });

  test("Anthropic events carry their event: line and end with message_stop", () => {
    const mapper = new AnthropicEventMapper("m");
    const sse = events()
      .map((e) => mapper.frames(e))
      .join("");
    const names = [...sse.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });
});
