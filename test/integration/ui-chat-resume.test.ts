// Resume as `useChat({resume: true})` does it, with the stock DefaultChatTransport: 204 when idle,
// a cut mid-answer or a reload ends with the full text once, a tool wait is replayed up to its
// calls, and a turn that went past a client tool call is replayed whole.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readUIMessageStream, type UIMessage } from "ai";
import { mappedThreadId } from "../../src/use-cases/chat-threads.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { stockTransport, TestChat, textOf } from "../support/ui-chat.ts";
import {
  auth,
  chunksOf,
  ECHO,
  metaOf,
  post,
  type Stored,
  stored,
  tenantOf,
  uiKit,
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

describe("a turn past its client tool call", () => {
  test("resume and a retried first POST replay the whole turn, not up to the answered wait", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const tools = { ...ECHO, tools: [WEATHER] };
    const first = {
      id,
      trigger: "submit-message",
      messages: [userMessage("u1", "[tool:get_weather {}]")],
      ...tools,
    };
    const sent = await chunksOf(await post(first));
    const start = sent.find((c) => c.type === "start") as { messageId: string };
    const call = sent.find((c) => c.type === "tool-input-available") as { toolCallId: string };
    const longOutput = Array.from({ length: 80 }, (_, i) => `o${i}`).join(" ");
    const cut = new AbortController();
    const continuing = await fetch(`${base}/v1/ui/chat`, {
      method: "POST",
      signal: cut.signal,
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({
        ...first,
        messageId: start.messageId,
        messages: [
          userMessage("u1", "[tool:get_weather {}]"),
          {
            id: start.messageId,
            role: "assistant",
            parts: [
              {
                type: "tool-get_weather",
                toolCallId: call.toolCallId,
                state: "output-available",
                input: {},
                output: longOutput,
              },
            ],
          },
        ],
      }),
    });
    const reader = continuing.body!.getReader();
    let seen = "";
    while (!seen.includes("text-delta"))
      seen += new TextDecoder().decode((await reader.read()).value);
    cut.abort();

    const resumed = await fetch(`${base}/v1/ui/chat/${id}/stream`, { headers: auth() });
    expect(resumed.status).toBe(200);
    const replay = await chunksOf(resumed);
    expect(replay[0]).toMatchObject({ type: "start", messageId: start.messageId });
    expect(replay).toContainEqual({
      type: "tool-output-available",
      toolCallId: call.toolCallId,
      output: longOutput,
    });
    expect(replay.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
    const text = replay.flatMap((c) => (c.type === "text-delta" ? [c.delta] : [])).join("");
    const thread = await stored(mappedThreadId(await tenantOf(), null, id));
    expect(thread.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(text).toBe(
      thread
        .filter((m) => m.role === "assistant")
        .flatMap((m) => m.content)
        .map((b) => b.text ?? "")
        .join(""),
    );

    const retried = await chunksOf(await post(first));
    expect(retried).toEqual(replay);
  });
});

describe("resume (useChat({resume: true}))", () => {
  test("204 when no turn runs, for a known and an unknown chat id", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const none = await fetch(`${base}/v1/ui/chat/${id}/stream`, { headers: auth() });
    expect(none.status).toBe(204);
    await chunksOf(
      await post({ id, trigger: "submit-message", messages: [userMessage("u1", "hi")], ...ECHO }),
    );
    const idle = await fetch(`${base}/v1/ui/chat/${id}/stream`, { headers: auth() });
    expect(idle.status).toBe(204);
    expect(idle.headers.get("spool-thread-id")).toBe(mappedThreadId(await tenantOf(), null, id));
    expect(idle.headers.get("spool-message-seq")).toBe("2");
    expect(
      await stockTransport(base, spool.secretKey).reconnectToStream({ chatId: id }),
    ).toBeNull();
  });

  test("after a cut mid-answer, reconnectToStream yields the full text once", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const cut = new AbortController();
    const response = await fetch(`${base}/v1/ui/chat`, {
      method: "POST",
      signal: cut.signal,
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({
        id,
        trigger: "submit-message",
        messages: [userMessage("u1", "[chunks=40] [delay_ms=20] long")],
        ...ECHO,
      }),
    });
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("text-delta"))
      seen += new TextDecoder().decode((await reader.read()).value);
    cut.abort(); // the tab reloads; a disconnect never cancels the turn

    const stream = await stockTransport(base, spool.secretKey).reconnectToStream({ chatId: id });
    expect(stream).not.toBeNull();
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream({ stream: stream! })) last = message;
    expect(textOf(last)).toBe(words(40)); // "w1 … w40 ", each once
    const [, answer] = await stored(metaOf(last).thread_id);
    expect(answer!.status).toBe("completed");
    expect(textOf(last)).toBe(answer!.content.map((b) => b.text ?? "").join(""));
  });

  test("a turn waiting for client tools is replayed up to its calls, then the resume ends", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const tools = { ...ECHO, tools: [WEATHER] };
    const body = {
      id,
      trigger: "submit-message",
      messages: [userMessage("u1", "[tool:get_weather {}]")],
      ...tools,
    };
    const sent = await chunksOf(await post(body));
    const resumed = await fetch(`${base}/v1/ui/chat/${id}/stream`, { headers: auth() });
    expect(resumed.status).toBe(200);
    expect(await chunksOf(resumed)).toEqual(sent);
  });

  test("a secret key's chat for an end user resumes with ?end_user_id=", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const body = {
      id,
      trigger: "submit-message",
      end_user_id: "frank",
      messages: [userMessage("u1", "[chunks=30] [delay_ms=20] x")],
      ...ECHO,
    };
    const response = await post(body);
    const threadId = response.headers.get("spool-thread-id")!;
    expect(threadId).toBe(mappedThreadId(await tenantOf(), "frank", id));
    const resumed = await fetch(`${base}/v1/ui/chat/${id}/stream?end_user_id=frank`, {
      headers: auth(),
    });
    expect(resumed.status).toBe(200);
    expect(await chunksOf(resumed)).toEqual(await chunksOf(response));
    const other = await fetch(`${base}/v1/ui/chat/${id}/stream`, { headers: auth() });
    expect(other.status).toBe(204); // without the end user it is another (empty) chat
  });

  test("a reloaded chat (history format=ui + resumeStream) ends with the answer once", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const first = new TestChat({ id, transport: stockTransport(base, spool.secretKey, ECHO) });
    await first.sendMessage({ text: "before" });
    const cut = new AbortController();
    void fetch(`${base}/v1/ui/chat`, {
      method: "POST",
      signal: cut.signal,
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({
        id,
        trigger: "submit-message",
        messages: [userMessage("u2", "[chunks=30] [delay_ms=20] more")],
        ...ECHO,
      }),
    }).then((r) =>
      r.body
        ?.getReader()
        .read()
        .then(() => cut.abort()),
    );
    const threadId = metaOf(first.messages[1]).thread_id;
    let running: Stored | undefined;
    for (let i = 0; i < 200 && !running?.content.some((b) => b.text); i++) {
      running = (await stored(threadId))[3];
      await Bun.sleep(20);
    }
    expect(running?.status).toBe("in_progress");
    const history = (await (
      await fetch(`${base}/v1/threads/${threadId}/messages?format=ui`, { headers: auth() })
    ).json()) as UIMessage[];
    const reloaded = new TestChat({
      id,
      messages: history,
      transport: stockTransport(base, spool.secretKey, ECHO),
    });
    await reloaded.resumeStream();
    expect(reloaded.status).toBe("ready");
    expect(reloaded.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    expect(textOf(reloaded.messages[3])).toBe(words(30));
  });
});
