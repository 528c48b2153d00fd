import { describe, expect, test } from "bun:test";
import {
  collectToolIds,
  flattenToolResult,
  MISSING_TOOL_RESULT,
  mergeSameRole,
  pairToolResults,
  prepareThread,
  type ThreadMessage,
} from "../../src/domain/provider-thread.ts";
import type { Block } from "../../src/protocol/blocks.ts";

const text = (t: string): Block => ({ type: "text", text: t });
const call = (id: string, name = "lookup"): Block => ({ type: "tool_use", id, name, input: {} });
const result = (id: string, content = `result ${id}`): Block => ({
  type: "tool_result",
  tool_use_id: id,
  content,
});
const user = (...content: Block[]): ThreadMessage => ({ role: "user", content });
const assistant = (...content: Block[]): ThreadMessage => ({ role: "assistant", content });
const tool = (...content: Block[]): ThreadMessage => ({ role: "tool", content });

describe("pairToolResults", () => {
  test("a well-formed thread is unchanged", () => {
    const thread = [
      user(text("hi")),
      assistant(call("a")),
      tool(result("a")),
      assistant(text("ok")),
    ];
    expect(pairToolResults(thread)).toEqual(thread);
  });

  test("results are put right after the calls, in call order", () => {
    const thread = [
      user(text("hi")),
      assistant(call("a"), call("b")),
      user(text("are you there?")),
      tool(result("b")),
      tool(result("a")),
    ];
    expect(pairToolResults(thread)).toEqual([
      user(text("hi")),
      assistant(call("a"), call("b")),
      tool(result("a"), result("b")),
      user(text("are you there?")),
    ]);
  });

  test("a call without a result gets an error result", () => {
    const out = pairToolResults([user(text("hi")), assistant(call("a")), user(text("next"))]);
    expect(out[2]).toEqual(
      tool({ type: "tool_result", tool_use_id: "a", content: MISSING_TOOL_RESULT, is_error: true }),
    );
    expect(out[3]).toEqual(user(text("next")));
  });

  test("a result that answers no earlier call is dropped", () => {
    const out = pairToolResults([user(text("hi")), tool(result("ghost")), assistant(text("ok"))]);
    expect(out).toEqual([user(text("hi")), assistant(text("ok"))]);
  });

  test("a result before its call does not answer it", () => {
    const out = pairToolResults([tool(result("a")), assistant(call("a"))]);
    expect(out).toHaveLength(2);
    expect(out[1]?.content[0]).toMatchObject({ tool_use_id: "a", is_error: true });
  });

  test("a reused id is answered by the next result after each call", () => {
    const thread = [
      assistant(call("a")),
      tool(result("a", "first")),
      assistant(call("a")),
      tool(result("a", "second")),
    ];
    expect(pairToolResults(thread)).toEqual(thread);
  });

  test("other blocks of a tool message are kept as a user message", () => {
    const out = pairToolResults([assistant(call("a")), tool(result("a"), text("note"))]);
    expect(out).toEqual([assistant(call("a")), tool(result("a")), user(text("note"))]);
  });
});

describe("prepareThread", () => {
  test("keeps only the thinking the provider may see, and drops empty text", () => {
    const thread: ThreadMessage[] = [
      user(text("hi"), text("")),
      assistant(
        { type: "thinking", thinking: "mine", signature: "sig", provider: "anthropic" },
        { type: "thinking", thinking: "theirs", provider: "openai" },
        text("answer"),
      ),
    ];
    const out = prepareThread(thread, { keepThinking: (b) => b.provider === "anthropic" });
    expect(out).toEqual([
      user(text("hi")),
      assistant(
        { type: "thinking", thinking: "mine", signature: "sig", provider: "anthropic" },
        text("answer"),
      ),
    ]);
  });

  test("a message left empty is dropped", () => {
    const thread: ThreadMessage[] = [
      user(text("hi")),
      assistant({ type: "thinking", thinking: "theirs", provider: "mistral" }),
      user(text("again")),
    ];
    expect(prepareThread(thread, { keepThinking: () => false })).toEqual([
      user(text("hi")),
      user(text("again")),
    ]);
  });
});

describe("helpers", () => {
  test("collectToolIds lists calls and results in order", () => {
    expect(collectToolIds([assistant(call("a"), call("b")), tool(result("b"))])).toEqual([
      "a",
      "b",
      "b",
    ]);
  });

  test("flattenToolResult splits text and images", () => {
    const image: Block = { type: "image", source: { type: "url", url: "https://x.test/a.png" } };
    const flat = flattenToolResult({
      type: "tool_result",
      tool_use_id: "a",
      content: [{ type: "text", text: "one" }, image, { type: "text", text: "two" }],
    });
    expect(flat.text).toBe("one\ntwo");
    expect(flat.images).toEqual([image]);
  });

  test("mergeSameRole joins adjacent messages of one role only", () => {
    const out = mergeSameRole([
      user(text("a")),
      user(text("b")),
      assistant(text("c")),
      user(text("d")),
    ]);
    expect(out).toEqual([user(text("a"), text("b")), assistant(text("c")), user(text("d"))]);
  });
});
