// Reading the AI SDK chat request (chat-request.ts) and the chat-thread rules (chat-threads.ts):
// only the last message is news, tool outputs are read from the assistant message's tool parts,
// refusals carry a param; the mapped thread id is stable and scoped; the running turn is found.
import { describe, expect, test } from "bun:test";
import type { MessageRecord } from "../../src/domain/records.ts";
import { parseChatRequest } from "../../src/http/compat/ui/chat-request.ts";
import {
  lastAssistantOfTurn,
  mappedThreadId,
  runningTurnOf,
} from "../../src/use-cases/chat-threads.ts";

const request = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
  id: "chat-1",
  trigger: "submit-message",
  model: "spool/echo",
  messages,
  ...extra,
});

function refusal(raw: unknown): { code: string; param: string | undefined } {
  try {
    parseChatRequest(raw);
  } catch (error) {
    const e = error as { code: string; param?: string };
    return { code: e.code, param: e.param };
  }
  throw new Error("accepted");
}

describe("parseChatRequest", () => {
  test("only the last user message is sent, with the send fields; history is not read", () => {
    const parsed = parseChatRequest(
      request(
        [
          { id: "old", role: "user", parts: [{ type: "whatever-this-was" }] },
          { id: "a1", role: "assistant", parts: [] },
          {
            id: "u2",
            role: "user",
            parts: [
              { type: "text", text: "look" },
              { type: "file", mediaType: "image/png", url: "data:image/png;base64,iVBORw0KGgo=" },
              { type: "file", mediaType: "image/jpeg", url: "https://x.test/p.jpg" },
            ],
          },
        ],
        { max_tokens: 100, tools: [{ name: "t" }] },
      ),
    );
    expect(parsed.input).toEqual({
      kind: "user",
      messageId: "u2",
      edits: null,
      content: [
        { type: "text", text: "look" },
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        },
        { type: "image", source: { type: "url", url: "https://x.test/p.jpg" } },
      ],
    });
    expect(parsed.body).toMatchObject({
      model: "spool/echo",
      max_tokens: 100,
      stream: true,
      tools: [{ name: "t" }],
    });
    expect(parsed.chatId).toBe("chat-1");
  });

  test("an assistant last message carries tool outputs: values, errors, and no-output parts", () => {
    const parsed = parseChatRequest(
      request([
        { id: "u1", role: "user", parts: [{ type: "text", text: "q" }] },
        {
          id: "a1",
          role: "assistant",
          parts: [
            { type: "step-start" },
            { type: "text", text: "calling" },
            {
              type: "tool-get_weather",
              toolCallId: "c1",
              state: "output-available",
              input: {},
              output: { t: 1 },
            },
            {
              type: "dynamic-tool",
              toolName: "x",
              toolCallId: "c2",
              state: "output-error",
              input: {},
              errorText: "denied",
            },
            { type: "tool-other", toolCallId: "c3", state: "input-available", input: {} },
          ],
        },
      ]),
    );
    expect(parsed.input.kind).toBe("tool_outputs");
    if (parsed.input.kind !== "tool_outputs") return;
    expect(parsed.input.messageId).toBe("a1");
    expect([...parsed.input.outputs]).toEqual([
      ["c1", { content: '{"t":1}', isError: false }],
      ["c2", { content: "denied", isError: true }],
    ]);
  });

  test("regenerate and edit are read as such", () => {
    const u = { id: "u", role: "user", parts: [{ type: "text", text: "x" }] };
    expect(parseChatRequest(request([u], { trigger: "regenerate-message" })).input).toEqual({
      kind: "regenerate",
      messageId: null,
    });
    expect(
      parseChatRequest(request([u], { trigger: "regenerate-message", messageId: "a1" })).input,
    ).toEqual({ kind: "regenerate", messageId: "a1" });
    expect(parseChatRequest(request([u], { messageId: "u" })).input).toMatchObject({
      kind: "user",
      edits: "u",
    });
  });

  test("refusals name what was wrong", () => {
    const u = { id: "u", role: "user", parts: [{ type: "text", text: "x" }] };
    expect(refusal(null)).toEqual({ code: "invalid_request", param: undefined });
    expect(refusal(request([u], { trigger: "regenerate-message", stream: false }))).toEqual({
      code: "invalid_request",
      param: "stream",
    });
    expect(refusal(request([u], { model: undefined }))).toEqual({
      code: "validation_failed",
      param: "model",
    });
    expect(refusal(request([u], { temperature: 9 }))).toMatchObject({
      code: "invalid_request",
      param: "temperature",
    });
    expect(refusal(request([u], { seed: 1 }))).toEqual({ code: "invalid_request", param: "seed" });
    expect(refusal(request([{ ...u, parts: [] }]))).toEqual({
      code: "invalid_request",
      param: "messages.0.parts",
    });
    const bad = {
      id: "a",
      role: "assistant",
      parts: [{ type: "tool-x", state: "output-available" }],
    };
    expect(refusal(request([u, bad]))).toEqual({
      code: "invalid_request",
      param: "messages.1.parts.0.toolCallId",
    });
  });
});

describe("chat threads", () => {
  test("the mapped id is stable, looks like a thread id, and differs per tenant and end user", () => {
    const id = mappedThreadId("ten_a", null, "chat");
    expect(id).toMatch(/^thr_[0-9A-Za-z]{22}$/);
    expect(mappedThreadId("ten_a", null, "chat")).toBe(id);
    const others = [
      mappedThreadId("ten_b", null, "chat"),
      mappedThreadId("ten_a", "alice", "chat"),
      mappedThreadId("ten_a", "", "chat"),
      mappedThreadId("ten_a", null, "chat2"),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  const record = (seq: number, role: string, status = "completed") =>
    ({ seq, role, status, id: `msg_${seq}` }) as unknown as MessageRecord;

  test("the running turn is found from the tail, through tool messages, back to its user message", () => {
    const tail = [
      record(6, "assistant", "in_progress"),
      record(5, "tool"),
      record(4, "assistant"),
      record(3, "user"),
      record(2, "assistant"),
    ];
    const turn = runningTurnOf(tail);
    expect(turn?.userSeq).toBe(3);
    expect(turn?.first.seq).toBe(4);
    expect(turn?.current.seq).toBe(6);
    expect(runningTurnOf([record(4, "assistant"), record(3, "user")])).toBeNull();
    expect(runningTurnOf([])).toBeNull();
    expect(runningTurnOf([record(9, "assistant", "in_progress"), record(8, "tool")])).toBeNull();
  });

  test("the last assistant message of a turn stops at the next user message", () => {
    const tail = [
      record(7, "assistant"),
      record(6, "user"),
      record(5, "assistant"),
      record(4, "tool"),
      record(3, "assistant"),
      record(2, "user"),
    ];
    expect(lastAssistantOfTurn(tail, 2)).toBe(5);
    expect(lastAssistantOfTurn(tail, 6)).toBe(7);
    expect(lastAssistantOfTurn(tail, 9)).toBeNull();
  });
});
