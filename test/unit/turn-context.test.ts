// The turn's context builder with a token counter: exact counts (the provider's tokenizer, through
// the Tokenizer port) are used where they exist and cached per record version; an inexact answer
// leaves the estimate; a model with no exact tokenizer stops being asked.
import { expect, test } from "bun:test";
import { TurnContextBuilder } from "../../actors/turn-context.ts";
import type { MessageRecord } from "../../src/domain/records.ts";
import type { ModelCatalog, ModelProvider } from "../../src/ports/llm.ts";
import type { TokenCount, Tokenizer } from "../../src/ports/tokenizer.ts";

const provider = { name: "openai" } as ModelProvider;
const catalog = { contextWindow: () => 10_000 } as unknown as ModelCatalog;

function rec(seq: number, text: string): MessageRecord {
  return {
    seq,
    role: seq % 2 ? "user" : "assistant",
    status: "completed",
    content: [{ type: "text", text }],
  } as MessageRecord;
}

class CountingTokenizer implements Tokenizer {
  calls: string[] = [];
  constructor(private readonly exact: boolean) {}
  async count(model: string | null, texts: string[]): Promise<TokenCount> {
    this.calls.push(`${model}:${texts.join("")}`);
    return { tokens: 1, exact: this.exact };
  }
}

const input = (records: MessageRecord[]) => ({
  provider,
  model: "gpt-5",
  canonicalModel: null,
  system: null,
  tools: [],
  maxTokens: 100,
  records,
  seq: 1000,
});

test("exact counts replace estimates, once per record version", async () => {
  const tokenizer = new CountingTokenizer(true);
  const builder = new TurnContextBuilder(catalog, null, tokenizer);
  const records = [rec(1, "x".repeat(400)), rec(2, "y".repeat(400))];
  const estimated = new TurnContextBuilder(catalog, null).build(input(records));
  expect(estimated.exactMessages).toBe(false);
  await builder.prime(input(records));
  const exact = builder.build(input(records));
  expect(exact.exactMessages).toBe(true);
  // 1 token each + 4 of chat overhead, instead of 100 + 4 by estimate.
  expect(estimated.tokens - exact.tokens).toBe(2 * 99);
  await builder.prime(input(records));
  expect(tokenizer.calls).toHaveLength(2);
  expect(tokenizer.calls[0]).toStartWith("openai/gpt-5:");
  // A new version of a record is counted again.
  const edited = [records[0]!, { ...records[1]!, rev: 2 }];
  await builder.prime(input(edited));
  expect(tokenizer.calls).toHaveLength(3);
});

test("inexact counts are not used, and a model that never counts exactly stops being asked", async () => {
  const tokenizer = new CountingTokenizer(false);
  const builder = new TurnContextBuilder(catalog, null, tokenizer);
  const records = Array.from({ length: 30 }, (_, i) => rec(i + 1, `m${i}`));
  await builder.prime(input(records));
  expect(builder.build(input(records)).exactMessages).toBe(false);
  const asked = tokenizer.calls.length;
  await builder.prime(input(records));
  expect(tokenizer.calls.length).toBe(asked);
});

test("an image counts as 1,600 tokens, in a message or a tool result", () => {
  const builder = new TurnContextBuilder(catalog, null);
  const text = [rec(1, "hi")];
  const image = {
    type: "image",
    source: { type: "url", url: "https://example.com/a.png" },
  } as const;
  const withImages = [
    { ...rec(1, "hi"), content: [{ type: "text", text: "hi" }, image] },
    {
      ...rec(2, ""),
      role: "tool",
      content: [{ type: "tool_result", tool_use_id: "t", content: [image], is_error: false }],
    },
  ] as MessageRecord[];
  const base = builder.build(input(text)).tokens;
  // Message 2 adds its 4 tokens of overhead and its image; message 1 its image.
  expect(builder.build(input(withImages)).tokens - base).toBe(2 * 1600 + 4);
});
