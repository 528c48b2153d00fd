// Anthropic prompt caching (API.md "Long threads"): requests carry cache breakpoints on the stable
// prefix, and the usage of a turn whose prefix the previous turn cached shows the cache reads. The
// fake upstream simulates Anthropic's cache: a prefix through a breakpoint it saw before is read.
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  type FakeUpstream,
  startFakeUpstream,
  stop,
  text,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

let fake: FakeUpstream;
let spool: TestSpool;
beforeAll(async () => {
  fake = await startFakeUpstream();
  fake.setDefault("anthropic", [text("noted"), usage(5000, 2), stop()]);
  spool = await startSpool({
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: fake.urls.anthropic,
  });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

interface Usage {
  input_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
}

async function turn(thread: string, content: string): Promise<Usage> {
  const response = await spool.json("POST", `/v1/threads/${thread}/messages`, {
    content,
    model: "anthropic/claude-sonnet-4-6",
    system: `You are a careful assistant. ${"Follow the house style. ".repeat(100)}`,
    max_tokens: 200,
  });
  expect(response.status).toBe(200);
  return (response.body as { assistant_message: { usage: Usage } }).assistant_message.usage;
}

test("the second turn reads the first turn's prefix from the cache; usage says how much", async () => {
  const thread = (await spool.json("POST", "/v1/threads", {})).body.id as string;
  const first = await turn(thread, `first question ${"context ".repeat(300)}`);
  const request = fake.requests("anthropic").at(-1)!.body as {
    system: { cache_control?: unknown }[];
    messages: { content: { cache_control?: unknown }[] }[];
  };
  expect(request.system[0]?.cache_control).toEqual({ type: "ephemeral" });
  expect(request.messages.at(-1)?.content.at(-1)?.cache_control).toEqual({ type: "ephemeral" });
  expect(first.cache_read_tokens).toBe(0);
  expect(first.cache_write_tokens).toBeGreaterThan(0);

  const second = await turn(thread, "second question");
  expect(second.cache_read_tokens).toBeGreaterThan(first.cache_write_tokens! / 2);
  expect(second.cache_read_tokens).toBeLessThanOrEqual(second.input_tokens);
  // Stored like that, not only answered.
  const stored = (await spool.json("GET", `/v1/threads/${thread}/messages?order=desc&limit=1`))
    .body as {
    data: { usage: Usage }[];
  };
  expect(stored.data[0]?.usage.cache_read_tokens).toBe(second.cache_read_tokens);
});
