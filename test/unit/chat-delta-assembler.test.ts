import { describe, expect, test } from "bun:test";
import { ChatDeltaAssembler } from "../../src/adapters/llm/shared/chat-delta-assembler.ts";
import type { ModelStreamPart } from "../../src/ports/llm.ts";
import { drain } from "../support/fake-upstream.ts";

async function* run(steps: Array<(a: ChatDeltaAssembler) => ModelStreamPart[] | undefined>) {
  const a = new ChatDeltaAssembler("compat");
  for (const step of steps) yield* step(a) ?? [];
  yield* a.end();
}

describe("ChatDeltaAssembler", () => {
  test("a tool call starts once its name is known; earlier argument pieces are kept", async () => {
    const out = await drain(
      run([
        (a) => a.text("hi"),
        (a) => a.toolCall({ index: 0, id: "c1", arguments: '{"a"' }),
        (a) => a.toolCall({ index: 0, name: "f", arguments: ":1}" }),
        (a) => void a.finish("tool_use"),
      ]),
    );
    expect(out.error).toBeNull();
    expect(out.blocks).toEqual([
      { type: "text", text: "hi" },
      { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
    ]);
    // The text block is closed before the call's block starts; buffered pieces go out as one.
    const kinds = out.parts.map((p) => p.type);
    expect(kinds).toEqual([
      "block_start",
      "block_delta",
      "block_stop",
      "block_start",
      "block_delta",
      "block_stop",
      "stop",
    ]);
  });

  test("a call without an id gets one", async () => {
    const out = await drain(
      run([
        (a) => a.toolCall({ index: 0, name: "f", arguments: "{}" }),
        (a) => void a.finish("tool_use"),
      ]),
    );
    const block = out.blocks[0];
    expect(block?.type === "tool_use" && block.id.length > 0).toBe(true);
  });

  test("arguments for a call that was already closed are an error, not silently merged", async () => {
    const out = await drain(
      run([
        (a) => a.toolCall({ index: 0, id: "c1", name: "f", arguments: "{}" }),
        (a) => a.toolCall({ index: 1, id: "c2", name: "g", arguments: "{}" }),
        (a) => a.toolCall({ index: 0, arguments: " " }),
      ]),
    );
    expect(out.error).toMatchObject({ kind: "unavailable" });
  });

  test("usage without numbers emits nothing; partial usage emits what it has", () => {
    const a = new ChatDeltaAssembler("compat");
    expect(a.usage(undefined, null)).toEqual([]);
    expect(a.usage(5, undefined)).toEqual([{ type: "usage", input_tokens: 5 }]);
  });
});
