// A thread longer than the model's window still gets an answer: the turn sends the newest
// exchanges that fit `context_window − max_tokens` and leaves the oldest out (issue 15's fallback
// when no summary exists). A local OpenAI-compatible model has the small default window (32,768).
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  type FakeUpstream,
  startFakeUpstream,
  stop,
  text,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const WINDOW_TOKENS = 32_768;
const MAX_TOKENS = 1000;
/** The estimator's ratio (src/domain/tokens.ts); the upstream sees characters, not tokens. */
const CHARS_PER_TOKEN = 4;

let fake: FakeUpstream;
let spool: TestSpool;
beforeAll(async () => {
  fake = await startFakeUpstream();
  // No summarizer: this is the fallback (compaction.test.ts covers summaries).
  spool = await startSpool({
    COMPAT_PROVIDERS: "local",
    LOCAL_BASE_URL: fake.urls.openai,
    SUMMARY_MODEL: "off",
  });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

test("a thread of ~45k tokens gets an answer on a 32k-window model; the newest messages are kept", async () => {
  const models = (await spool.json("GET", "/v1/models")).body as {
    data: { id: string; context_window: number }[];
  };
  const listed = models.data.find((m) => m.id.startsWith("local/"));
  if (listed) expect(listed.context_window).toBe(WINDOW_TOKENS);
  const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "long" })).body
    .id as string;
  for (let i = 0; i < 60; i++) {
    const appended = await spool.json("POST", `/v1/threads/${thread}/messages`, {
      content: `message ${i} ${"lorem ipsum ".repeat(250)}`,
    });
    expect(appended.status).toBe(201);
  }
  fake.enqueue("openai", [text("an answer"), usage(9000, 3), stop()]);
  const turn = await spool.json("POST", `/v1/threads/${thread}/messages`, {
    content: "the newest question",
    model: "local/tiny",
    max_tokens: MAX_TOKENS,
  });
  expect(turn.status).toBe(200);
  const assistant = (turn.body as { assistant_message: Record<string, unknown> }).assistant_message;
  expect(assistant).toMatchObject({ status: "completed" });

  const sent = fake.requests("openai").at(-1)!.body as {
    messages: { role: string; content: unknown }[];
  };
  // Text as the estimator counts it, plus the chat format's ~4 tokens per message.
  const chars = sent.messages.reduce((n, m) => n + String(m.content).length, 0);
  expect(chars / CHARS_PER_TOKEN + 4 * sent.messages.length).toBeLessThan(
    WINDOW_TOKENS - MAX_TOKENS,
  );
  const texts = sent.messages.map((m) => JSON.stringify(m.content));
  expect(texts.at(-1)).toContain("the newest question");
  expect(texts.some((t) => t.includes("message 59 "))).toBe(true);
  expect(texts.some((t) => t.includes("message 0 "))).toBe(false);
  expect(sent.messages.filter((m) => m.role !== "system")[0]?.role).toBe("user");
});
