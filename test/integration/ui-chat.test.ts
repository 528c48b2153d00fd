// The AI SDK's own client code against /v1/ui/chat, with `spool/echo`: `AbstractChat` (the core of
// `useChat`) over the stock `DefaultChatTransport`, and `readUIMessageStream`. Streaming text and
// reasoning, usage in metadata, an error, idempotent retries, the thread holding each turn once,
// client tools through `addToolOutput`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  lastAssistantMessageIsCompleteWithToolCalls,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { mappedThreadId } from "../../src/use-cases/chat-threads.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { stockTransport, TestChat, textOf } from "../support/ui-chat.ts";
import {
  auth,
  chunksOf,
  ECHO,
  metaOf,
  post,
  shape,
  stored,
  tenantOf,
  uiKit,
  until,
  userMessage,
  WEATHER,
  words,
} from "../support/ui-chat-kit.ts";

let spool: TestSpool;
let base: string;
beforeAll(async () => {
  spool = await startSpool();
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
  uiKit.use(spool, base);
});
afterAll(() => spool.close());

describe("send with the stock DefaultChatTransport", () => {
  test("streams reasoning and text, usage in metadata, each turn stored once", async () => {
    const chat = new TestChat({
      id: `c-${crypto.randomUUID()}`,
      transport: stockTransport(base, spool.secretKey, ECHO),
    });
    await chat.sendMessage({ text: "[think] hello there" });
    expect(chat.status).toBe("ready");
    const answer = chat.messages[1]!;
    expect(answer.role).toBe("assistant");
    expect(answer.id).toStartWith("msg_");
    expect(answer.parts.map((p) => p.type)).toEqual(["step-start", "reasoning", "text"]);
    expect(textOf(answer)).toBe("Echo: hello there");
    const meta = metaOf(answer);
    expect(meta.usage?.input_tokens).toBeGreaterThan(0);
    expect(meta.totalUsage).toMatchObject({ inputTokens: meta.usage?.input_tokens });

    // The transport re-sends the whole history each time; Spool appends only the new message.
    await chat.sendMessage({ text: "second" });
    await chat.sendMessage({ text: "third" });
    expect(textOf(chat.messages[5])).toBe("Echo: third");
    const thread = await stored(meta.thread_id);
    expect(
      thread.map((m) => `${m.role}:${m.content.find((b) => b.type === "text")?.text}`),
    ).toEqual([
      "user:[think] hello there",
      "assistant:Echo: hello there",
      "user:second",
      "assistant:Echo: second",
      "user:third",
      "assistant:Echo: third",
    ]);
  });

  test("the response is a v1 UI message stream with Spool's headers, ending [DONE]", async () => {
    const response = await post({
      id: `c-${crypto.randomUUID()}`,
      trigger: "submit-message",
      messages: [userMessage("u1", "hi")],
      ...ECHO,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const threadId = response.headers.get("spool-thread-id")!;
    expect(threadId).toStartWith("thr_");
    expect(response.headers.get("spool-message-seq")).toBe("2");
    const chunks = await chunksOf(response);
    expect(chunks[0]).toMatchObject({ type: "start", messageMetadata: { thread_id: threadId } });
    expect(chunks.map((c) => c.type)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(chunks.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
  });

  test("readUIMessageStream builds the same message the thread stores", async () => {
    const response = await post({
      id: `c-${crypto.randomUUID()}`,
      trigger: "submit-message",
      messages: [userMessage("u1", "[chunks=12] go")],
      ...ECHO,
    });
    const stream = new ReadableStream<UIMessageChunk>({
      async start(controller) {
        for (const chunk of await chunksOf(response)) controller.enqueue(chunk);
        controller.close();
      },
    });
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream({ stream })) last = message;
    const [, answer] = await stored(metaOf(last).thread_id);
    expect(textOf(last)).toBe(answer!.content.map((b) => b.text ?? "").join(""));
    expect(textOf(last)).toBe(words(12));
  });

  test("an error fails the chat with the provider's message; the stored message is failed", async () => {
    const errors: Error[] = [];
    const chat = new TestChat({
      id: `c-${crypto.randomUUID()}`,
      transport: stockTransport(base, spool.secretKey, ECHO),
      onError: (error) => errors.push(error),
    });
    await chat.sendMessage({ text: "[chunks=6] [fail_after=2] go" });
    expect(chat.status).toBe("error");
    expect(errors[0]?.message).toBeTruthy();
    const partial = chat.messages[1]!;
    expect(textOf(partial).length).toBeGreaterThan(0);
    const [, answer] = await stored(metaOf(partial).thread_id);
    expect(answer!.status).toBe("failed");
  });
});

describe("idempotency", () => {
  test("the same Idempotency-Key returns the same answer and one turn", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const body = {
      id,
      trigger: "submit-message",
      messages: [userMessage("u1", "[chunks=5] once")],
      ...ECHO,
    };
    const first = await chunksOf(await post(body, { "idempotency-key": "key-1" }));
    const again = await chunksOf(
      await post(
        { ...body, messages: [userMessage("u2", "[chunks=5] once")] },
        { "idempotency-key": "key-1" },
      ),
    );
    expect(again).toEqual(first);
    expect(await stored(mappedThreadId(await tenantOf(), null, id))).toHaveLength(2);
  });

  test("re-posting the same user message (same id) is a retry, not a second turn", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const body = {
      id,
      trigger: "submit-message",
      messages: [userMessage("same-id", "[chunks=4] hi")],
      ...ECHO,
    };
    const first = await chunksOf(await post(body));
    const again = await chunksOf(await post(body));
    expect(again).toEqual(first);
    const changed = await post({ ...body, messages: [userMessage("same-id", "something else")] });
    expect(changed.status).toBe(422);
    expect(((await changed.json()) as { error: { code: string } }).error.code).toBe(
      "idempotency_key_mismatch",
    );
  });
});

describe("client tools through addToolOutput", () => {
  test("the stream stops at the call; the output continues the same turn and message", async () => {
    let chat: TestChat | null = null;
    const calls: string[] = [];
    chat = new TestChat({
      id: `c-${crypto.randomUUID()}`,
      transport: stockTransport(base, spool.secretKey, { ...ECHO, tools: [WEATHER] }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
      onToolCall: ({ toolCall }) => {
        calls.push(toolCall.toolName);
        void chat!.addToolOutput({
          tool: toolCall.toolName,
          toolCallId: toolCall.toolCallId,
          output: { temp: 21 },
        });
      },
    });
    await chat.sendMessage({ text: 'weather? [tool:get_weather {"city":"Oslo"}]' });
    await until(
      () => chat!.status === "ready" && textOf(chat!.messages[1]).includes("Tool returned"),
      "the continued turn",
    );
    expect(calls).toEqual(["get_weather"]);
    expect(chat.messages).toHaveLength(2);
    const answer = chat.messages[1]!;
    const tool = answer.parts.find((p) => p.type === "tool-get_weather") as {
      state: string;
      input: unknown;
      output: unknown;
    };
    expect(tool).toMatchObject({
      state: "output-available",
      input: { city: "Oslo" },
      output: { temp: 21 },
    });
    expect(answer.parts.filter((p) => p.type === "step-start")).toHaveLength(2);
    expect(textOf(answer)).toBe('Echo: weather?Tool returned: {"temp":21}');
    const meta = metaOf(answer);
    expect(meta.seq).toBe(4);
    const thread = await stored(meta.thread_id);
    expect(thread.map((m) => `${m.seq}:${m.role}:${m.status}`)).toEqual([
      "1:user:completed",
      "2:assistant:completed",
      "3:tool:completed",
      "4:assistant:completed",
    ]);

    // The history view is what the stream built, so a reload shows the same conversation.
    const history = await fetch(`${base}/v1/threads/${meta.thread_id}/messages?format=ui`, {
      headers: auth(),
    });
    const ui = (await history.json()) as UIMessage[];
    expect(ui.map((m) => m.id)).toEqual([expect.any(String), answer.id]);
    expect(shape(ui[1]!.parts)).toEqual(shape(answer.parts));
    expect(ui[1]!.metadata).toEqual(answer.metadata);
  });

  test("a retried continuation replays the same chunks; outputs for no call are refused", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const tools = { ...ECHO, tools: [WEATHER] };
    const first = await chunksOf(
      await post({
        id,
        trigger: "submit-message",
        messages: [userMessage("u1", "[tool:get_weather {}]")],
        ...tools,
      }),
    );
    const start = first.find((c) => c.type === "start") as { messageId: string };
    const call = first.find((c) => c.type === "tool-input-available") as { toolCallId: string };
    expect(first.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
    const answered = (toolCallId: string) => ({
      id,
      trigger: "submit-message",
      messageId: start.messageId,
      ...tools,
      messages: [
        userMessage("u1", "[tool:get_weather {}]"),
        {
          id: start.messageId,
          role: "assistant",
          parts: [
            { type: "step-start" },
            {
              type: "tool-get_weather",
              toolCallId,
              state: "output-available",
              input: {},
              output: "sunny",
            },
          ],
        },
      ],
    });
    const continued = await chunksOf(await post(answered(call.toolCallId)));
    expect(continued[0]).toMatchObject({ type: "start", messageId: start.messageId });
    expect(continued[1]).toEqual({
      type: "tool-output-available",
      toolCallId: call.toolCallId,
      output: "sunny",
    });
    expect(continued.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
    expect(await chunksOf(await post(answered(call.toolCallId)))).toEqual(continued);
    const stray = await post(answered("toolu_nobody"));
    expect(stray.status).toBe(400);
    expect(await stored(mappedThreadId(await tenantOf(), null, id))).toHaveLength(4);
  });
});
