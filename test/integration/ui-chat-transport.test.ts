// SpoolChatTransport (spool/client/ai-sdk) driven by the AI SDK's AbstractChat: a cut connection
// becomes an exact continuation (each chunk once, no error), only the new message is sent, a
// token function is called per request, errors carry Spool's code, and cancelOnStop.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { UIMessage } from "ai";
import { SpoolChatTransport } from "../../src/client/ai-sdk.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { TestChat, textOf } from "../support/ui-chat.ts";

let spool: TestSpool;
let base: string;
beforeAll(async () => {
  spool = await startSpool();
  base = `http://127.0.0.1:${(await spool.listen()).port}`;
});
afterAll(() => spool.close());

const user = (text: string, id = crypto.randomUUID()) => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});
const _chatBody = (extra: Record<string, unknown> = {}) => ({
  id: `c-${crypto.randomUUID()}`,
  trigger: "submit-message",
  model: "spool/echo",
  messages: [user("hi")],
  ...extra,
});

function _post(body: unknown, key = spool.secretKey) {
  return fetch(`${base}/v1/ui/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function _refusal(response: Response) {
  const body = (await response.json()) as { error: { type: string; code: string; param?: string } };
  return { status: response.status, code: body.error.code, param: body.error.param };
}

async function mint(endUserId: string): Promise<string> {
  const { body } = await spool.json("POST", "/v1/end_user_tokens", { end_user_id: endUserId });
  return body.token as string;
}

describe("SpoolChatTransport", () => {
  /** A fetch whose first streamed response is cut after `bytes` bytes (a dropped connection). */
  function cuttingFetch(bytes: number, calls: string[]): typeof fetch {
    let cut = false;
    const wrapped = async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(init?.method ?? "GET");
      const response = await fetch(input, init);
      if (cut || !response.body || response.status !== 200) return response;
      cut = true;
      const reader = response.body.getReader();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          if (sent + value.length > bytes) {
            controller.enqueue(value.slice(0, bytes - sent));
            await reader.cancel();
            return controller.error(new TypeError("network connection lost"));
          }
          sent += value.length;
          controller.enqueue(value);
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    return wrapped as typeof fetch;
  }

  test("a stream cut mid-answer continues exactly: the chat sees the text once, no error", async () => {
    const calls: string[] = [];
    const transport = new SpoolChatTransport({
      baseUrl: base,
      apiKey: spool.secretKey,
      body: { model: "spool/echo" },
      fetch: cuttingFetch(700, calls),
    });
    const chat = new TestChat({ id: `c-${crypto.randomUUID()}`, transport });
    await chat.sendMessage({ text: "[chunks=25] [delay_ms=10] go" });
    expect(chat.error).toBeUndefined();
    expect(chat.status).toBe("ready");
    expect(calls).toEqual(["POST", "POST"]); // the cut request, re-issued once
    const answer = chat.messages[1]!;
    expect(textOf(answer)).toBe(Array.from({ length: 25 }, (_, i) => `w${i + 1} `).join(""));
    const threadId = (answer.metadata as { thread_id: string }).thread_id;
    const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages`);
    expect((body as { data: unknown[] }).data).toHaveLength(2);
  });

  test("sends only the new message; a token function; 204 resume is null; errors carry the code", async () => {
    const seen: unknown[] = [];
    const spy = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.body) seen.push(JSON.parse(String(init.body)));
      return fetch(input, init);
    }) as typeof fetch;
    const token = await mint("erin");
    const transport = new SpoolChatTransport({
      baseUrl: `${base}/`,
      token: async () => token,
      body: { model: "spool/echo" },
      fetch: spy,
    });
    const chat = new TestChat({ id: `c-${crypto.randomUUID()}`, transport });
    await chat.sendMessage({ text: "one" });
    await chat.sendMessage({ text: "two" });
    expect(seen.map((b) => (b as { messages: UIMessage[] }).messages.length)).toEqual([1, 1]);
    expect(textOf(chat.messages[3])).toBe("Echo: two");
    expect(await transport.reconnectToStream({ chatId: chat.id })).toBeNull();
    const failing = new SpoolChatTransport({ baseUrl: base, token, body: { model: "nobody/x" } });
    const errors: Error[] = [];
    const broken = new TestChat({
      id: "c-broken",
      transport: failing,
      onError: (e) => errors.push(e),
    });
    await broken.sendMessage({ text: "x" });
    expect(errors[0]).toMatchObject({
      name: "SpoolChatError",
      status: 422,
      code: "validation_failed",
    });
  });

  test("cancelOnStop: useChat's stop() cancels the generation; without it the turn goes on", async () => {
    for (const cancelOnStop of [true, false]) {
      const transport = new SpoolChatTransport({
        baseUrl: base,
        apiKey: spool.secretKey,
        body: { model: "spool/echo" },
        cancelOnStop,
      });
      const chat = new TestChat({ id: `c-${crypto.randomUUID()}`, transport });
      const sending = chat.sendMessage({ text: "[chunks=400] [delay_ms=20] long" });
      while (textOf(chat.messages[1]).length === 0) await Bun.sleep(10);
      const threadId = (chat.messages[1]!.metadata as { thread_id: string }).thread_id;
      await chat.stop();
      await sending;
      let answer: { status: string; stop_reason: string | null } | undefined;
      for (let i = 0; i < 100; i++) {
        answer = (await spool.json("GET", `/v1/threads/${threadId}/messages/2`))
          .body as typeof answer;
        if (answer?.status !== "in_progress") break;
        await Bun.sleep(20);
      }
      if (cancelOnStop)
        expect(answer).toMatchObject({ status: "incomplete", stop_reason: "cancelled" });
      else expect(answer?.status).toBe("in_progress"); // 400 × 20 ms: still going after 2 s
    }
  });
});
