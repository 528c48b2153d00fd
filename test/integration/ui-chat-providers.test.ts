// /v1/ui/chat with each real provider adapter (Anthropic, OpenAI, Mistral SDKs) against the fake
// upstream, driven by the AI SDK's AbstractChat over the stock DefaultChatTransport: streamed
// reasoning and text with usage in metadata, a client tool answered with addToolOutput and
// continued, a mid-stream error, and an Idempotency-Key retry that reaches the provider once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from "ai";
import {
  type FakeUpstream,
  startFakeUpstream,
  stop,
  streamError,
  text,
  thinking,
  toolCall,
  type UpstreamProvider,
  usage,
} from "../support/fake-upstream.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { stockTransport, TestChat, textOf } from "../support/ui-chat.ts";

let fake: FakeUpstream;
let spool: TestSpool;
let base: string;
beforeAll(async () => {
  fake = await startFakeUpstream();
  spool = await startSpool({
    ANTHROPIC_API_KEY: "sk-ant-test",
    ANTHROPIC_BASE_URL: fake.urls.anthropic,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.urls.openai,
    MISTRAL_API_KEY: "mistral-test",
    MISTRAL_BASE_URL: fake.urls.mistral,
  });
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
});
afterAll(async () => {
  await spool.close();
  await fake.stop();
});

const MODELS: Record<UpstreamProvider, string> = {
  anthropic: "anthropic/claude-sonnet-4-6",
  openai: "openai/gpt-5.1",
  mistral: "mistral/mistral-large-latest",
};
const WEATHER = {
  name: "get_weather",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};
type Meta = { thread_id: string; usage: { input_tokens: number; output_tokens: number } };

async function storedRoles(threadId: string): Promise<string[]> {
  const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages?include=tools`);
  return (body as { data: { role: string; status: string }[] }).data.map(
    (m) => `${m.role}:${m.status}`,
  );
}

describe.each(Object.keys(MODELS) as UpstreamProvider[])("%s through /v1/ui/chat", (provider) => {
  const model = MODELS[provider];

  test("reasoning and text stream; usage lands in message metadata", async () => {
    fake.enqueue(provider, [
      thinking("Hmm.", "sig-1"),
      text("Hel"),
      text("lo"),
      usage(12, 3),
      stop(),
    ]);
    const chat = new TestChat({
      id: `c-${crypto.randomUUID()}`,
      transport: stockTransport(base, spool.secretKey, { model }),
    });
    await chat.sendMessage({ text: "hello" });
    expect(chat.status).toBe("ready");
    const answer = chat.messages[1]!;
    expect(textOf(answer)).toBe("Hello");
    expect(answer.parts.some((p) => p.type === "reasoning" && p.text === "Hmm.")).toBe(true);
    const meta = answer.metadata as Meta;
    expect(meta.usage).toMatchObject({ input_tokens: 12, output_tokens: 3 });
    expect(await storedRoles(meta.thread_id)).toEqual(["user:completed", "assistant:completed"]);
  });

  test("a client tool call is answered with addToolOutput and the turn continues", async () => {
    fake.enqueue(
      provider,
      [toolCall("get_weather", ['{"city":', '"Oslo"}']), usage(20, 5), stop("tool_use")],
      [text("It is sunny in Oslo."), usage(30, 6), stop()],
    );
    let chat: TestChat | null = null;
    chat = new TestChat({
      id: `c-${crypto.randomUUID()}`,
      transport: stockTransport(base, spool.secretKey, { model, tools: [WEATHER] }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
      onToolCall: ({ toolCall: call }) => {
        expect(call.input).toEqual({ city: "Oslo" });
        void chat!.addToolOutput({
          tool: call.toolName,
          toolCallId: call.toolCallId,
          output: { sky: "clear" },
        });
      },
    });
    await chat.sendMessage({ text: "weather in Oslo?" });
    for (
      let i = 0;
      i < 200 && !(chat.status === "ready" && textOf(chat.messages[1]).includes("sunny"));
      i++
    )
      await Bun.sleep(25);
    const answer = chat.messages[1] as UIMessage;
    expect(textOf(answer)).toBe("It is sunny in Oslo.");
    expect(chat.messages).toHaveLength(2);
    const meta = answer.metadata as Meta;
    expect(meta.usage).toMatchObject({ input_tokens: 50, output_tokens: 11 });
    expect(await storedRoles(meta.thread_id)).toEqual([
      "user:completed",
      "assistant:completed",
      "tool:completed",
      "assistant:completed",
    ]);
    // The provider got the client's output as the tool result, and the user message once.
    const sent = JSON.stringify(fake.requests(provider).at(-1)!.body);
    expect(sent).toContain("clear");
    expect(sent.split("weather in Oslo?").length - 1).toBe(1);
  });

  test("a failure mid-stream is an error chunk: the chat errors, the message is failed", async () => {
    fake.enqueue(provider, [text("partial "), streamError("server_error")]);
    const errors: Error[] = [];
    const chat = new TestChat({
      id: `c-${crypto.randomUUID()}`,
      transport: stockTransport(base, spool.secretKey, { model }),
      onError: (error) => errors.push(error),
    });
    await chat.sendMessage({ text: "hi" });
    expect(chat.status).toBe("error");
    expect(errors).toHaveLength(1);
    expect(textOf(chat.messages[1])).toBe("partial ");
    const threadId = (chat.messages[1]!.metadata as Meta).thread_id;
    expect(await storedRoles(threadId)).toEqual(["user:completed", "assistant:failed"]);
  });

  test("an Idempotency-Key retry gets the same answer; the provider is called once", async () => {
    fake.enqueue(provider, [text("only once"), usage(4, 2), stop()]);
    const before = fake.requests(provider).length;
    const id = `c-${crypto.randomUUID()}`;
    const headers = { "idempotency-key": `k-${id}` };
    const first = new TestChat({
      id,
      transport: stockTransport(base, spool.secretKey, { model }, headers),
    });
    await first.sendMessage({ text: "hi" });
    const retry = new TestChat({
      id,
      transport: stockTransport(base, spool.secretKey, { model }, headers),
    });
    await retry.sendMessage({ text: "hi" });
    expect(textOf(retry.messages[1])).toBe("only once");
    expect(retry.messages[1]!.id).toBe(first.messages[1]!.id);
    expect(fake.requests(provider).length - before).toBe(1);
    const threadId = (retry.messages[1]!.metadata as Meta).thread_id;
    expect(await storedRoles(threadId)).toEqual(["user:completed", "assistant:completed"]);
  });
});
