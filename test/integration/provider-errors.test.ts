// Provider errors through the actor: real SDK adapters (Anthropic, OpenAI) registered from config
// keys pointing at the fake upstream. A 429 before the first chunk is retried with nothing
// duplicated; a persistent one fails the message with a clear code; a failure mid-stream fails the
// message and keeps what was produced (the stored message and the stream agree).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  disconnect,
  type FakeUpstream,
  httpError,
  type Step,
  startFakeUpstream,
  stop,
  streamError,
  text,
  type UpstreamProvider,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { readSse, type SseEvent } from "../support/sse.ts";

let fake: FakeUpstream;
let spool: TestSpool;
beforeAll(async () => {
  fake = await startFakeUpstream();
  spool = await startSpool({
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: fake.urls.anthropic,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.urls.openai,
  });
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

const MODELS: Record<"anthropic" | "openai", string> = {
  anthropic: "anthropic/claude-sonnet-4-6",
  openai: "openai/gpt-4.1-mini",
};

type Msg = {
  seq: number;
  status: string;
  content: { type: string; text?: string }[];
  error: { code: string; message: string } | null;
  usage: { input_tokens: number; output_tokens: number } | null;
};

async function streamTurn(
  provider: "anthropic" | "openai",
): Promise<{ events: SseEvent[]; stored: Msg }> {
  const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
  const response = await spool.call("POST", `/v1/threads/${thread.id}/messages`, {
    content: "hello",
    model: MODELS[provider],
    stream: true,
  });
  expect(response.status).toBe(200);
  const events = await readSse(response);
  const { body } = await spool.json("GET", `/v1/threads/${thread.id}/messages/2`);
  return { events, stored: body as unknown as Msg };
}

const deltas = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === "block.delta")
    .map((e) => (e.data.delta as { text?: string }).text ?? "");
const finalOf = (events: SseEvent[]) => events.at(-1)!;
const textOf = (m: Msg) => m.content.map((b) => b.text ?? "").join("");

for (const provider of ["anthropic", "openai"] as const satisfies UpstreamProvider[]) {
  describe(`provider errors through the actor: ${provider}`, () => {
    test("a 429 before the first chunk is retried; no chunk is duplicated", async () => {
      const before = fake.requests(provider).length;
      const reply: Step[] = [text("Hello"), text(" world"), usage(12, 2), stop()];
      fake.enqueue(provider, [httpError(429, "0")], reply);
      const { events, stored } = await streamTurn(provider);
      expect(fake.requests(provider).length - before).toBe(2);
      expect(deltas(events)).toEqual(["Hello", " world"]);
      const created = events.filter((e) => e.event === "message.created");
      expect(created.map((e) => (e.data.message as Msg).seq)).toEqual([1, 2]);
      expect(finalOf(events).event).toBe("message.completed");
      expect(stored).toMatchObject({ status: "completed", error: null });
      expect(stored.usage).toMatchObject({ input_tokens: 12, output_tokens: 2 });
      expect(textOf(stored)).toBe("Hello world");
    });

    test("a 429 that persists fails the message with provider_rate_limited", async () => {
      const before = fake.requests(provider).length;
      fake.enqueue(provider, [httpError(429, "0")], [httpError(429, "0")], [httpError(429, "0")]);
      const { events, stored } = await streamTurn(provider);
      expect(fake.requests(provider).length - before).toBe(3);
      expect(finalOf(events).event).toBe("message.failed");
      expect(stored.status).toBe("failed");
      expect(stored.error?.code).toBe("provider_rate_limited");
      expect(stored.error?.message).toContain("429");
    });

    test("an auth error is not retried: provider_auth", async () => {
      const before = fake.requests(provider).length;
      fake.enqueue(provider, [httpError(401)]);
      const { stored } = await streamTurn(provider);
      expect(fake.requests(provider).length - before).toBe(1);
      expect(stored.error?.code).toBe("provider_auth");
    });

    test("a failure mid-stream fails the message and keeps what was produced", async () => {
      const before = fake.requests(provider).length;
      fake.enqueue(provider, [text("partial "), text("answer"), streamError("overloaded_error")]);
      const { events, stored } = await streamTurn(provider);
      expect(fake.requests(provider).length - before).toBe(1);
      expect(finalOf(events).event).toBe("message.failed");
      expect(stored.status).toBe("failed");
      expect(stored.error?.code).toBe("provider_unavailable");
      expect(textOf(stored)).toBe("partial answer");
      expect(textOf(finalOf(events).data.message as Msg)).toBe("partial answer");
    });

    test("a dropped connection mid-stream is not retried (no double charge)", async () => {
      const before = fake.requests(provider).length;
      fake.enqueue(provider, [text("cut "), text("here"), disconnect()]);
      const { stored } = await streamTurn(provider);
      expect(fake.requests(provider).length - before).toBe(1);
      expect(stored.status).toBe("failed");
      expect(textOf(stored)).toBe("cut here");
    });
  });
}
