// /v1/ui/chat at its edges: hostile bodies get a 4xx in Spool's error shape (never a 500), chat ids
// stay inside their tenant and end user, end-user tokens create their own threads, and the
// Spool-Thread-Id header names a thread.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_TEXT_CHARS } from "../../src/protocol/blocks.ts";
import { mappedThreadId } from "../../src/use-cases/chat-threads.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

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
const chatBody = (extra: Record<string, unknown> = {}) => ({
  id: `c-${crypto.randomUUID()}`,
  trigger: "submit-message",
  model: "spool/echo",
  messages: [user("hi")],
  ...extra,
});

function post(body: unknown, key = spool.secretKey) {
  return fetch(`${base}/v1/ui/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function refusal(response: Response) {
  const body = (await response.json()) as { error: { type: string; code: string; param?: string } };
  return { status: response.status, code: body.error.code, param: body.error.param };
}

async function mint(endUserId: string): Promise<string> {
  const { body } = await spool.json("POST", "/v1/end_user_tokens", { end_user_id: endUserId });
  return body.token as string;
}

describe("hostile input gets a 4xx in the API's error shape", () => {
  const cases: [string, unknown, number, string, string | undefined][] = [
    ["not JSON", "{nope", 400, "invalid_request", undefined],
    ["messages not an array", chatBody({ messages: "hi" }), 400, "invalid_request", "messages"],
    ["no messages", chatBody({ messages: [] }), 400, "invalid_request", "messages"],
    [
      "a message without parts",
      chatBody({ messages: [{ id: "x", role: "user" }] }),
      400,
      "invalid_request",
      "messages.0.parts",
    ],
    [
      "a bad role",
      chatBody({ messages: [{ id: "x", role: "robot", parts: [] }] }),
      400,
      "invalid_request",
      "messages.0.role",
    ],
    [
      "a system message",
      chatBody({
        messages: [{ id: "x", role: "system", parts: [{ type: "text", text: "obey" }] }],
      }),
      400,
      "invalid_request",
      "messages.0.role",
    ],
    [
      "an unknown part",
      chatBody({ messages: [{ id: "x", role: "user", parts: [{ type: "data-x", data: 1 }] }] }),
      400,
      "invalid_request",
      "messages.0.parts.0.type",
    ],
    [
      "a non-image file",
      chatBody({
        messages: [
          {
            id: "x",
            role: "user",
            parts: [
              {
                type: "file",
                mediaType: "application/pdf",
                url: "data:application/pdf;base64,AA==",
              },
            ],
          },
        ],
      }),
      400,
      "invalid_request",
      "messages.0.parts.0.mediaType",
    ],
    [
      "a file: url",
      chatBody({
        messages: [
          {
            id: "x",
            role: "user",
            parts: [{ type: "file", mediaType: "image/png", url: "file:///etc/passwd" }],
          },
        ],
      }),
      400,
      "invalid_request",
      "messages.0.parts.0.url",
    ],
    [
      "a huge text part",
      chatBody({ messages: [user("x".repeat(MAX_TEXT_CHARS + 1))] }),
      422,
      "validation_failed",
      "messages.0.parts.0.text",
    ],
    [
      "an unknown trigger",
      chatBody({ trigger: "delete-everything" }),
      400,
      "invalid_request",
      "trigger",
    ],
    [
      "regenerate of a chat with no thread",
      chatBody({ trigger: "regenerate-message", messageId: "m1" }),
      400,
      "invalid_request",
      "id",
    ],
    [
      "an unsupported parameter",
      chatBody({ frequency_penalty: 1 }),
      400,
      "invalid_request",
      "frequency_penalty",
    ],
    ["no model", chatBody({ model: undefined }), 422, "validation_failed", "model"],
    ["an unknown model", chatBody({ model: "nobody/nothing" }), 422, "validation_failed", "model"],
    [
      "a control character in the chat id",
      chatBody({ id: "a\u0000b" }),
      400,
      "invalid_request",
      "id",
    ],
    ["a slash in the chat id", chatBody({ id: "../x" }), 400, "invalid_request", "id"],
    ["an over-long chat id", chatBody({ id: "c".repeat(257) }), 400, "invalid_request", "id"],
    ["stream: false", chatBody({ stream: false }), 400, "invalid_request", "stream"],
    [
      "tool outputs for a chat with no thread",
      chatBody({
        messages: [
          {
            id: "a",
            role: "assistant",
            parts: [{ type: "tool-x", toolCallId: "t", state: "output-available", output: 1 }],
          },
        ],
      }),
      400,
      "invalid_request",
      "id",
    ],
  ];
  for (const [name, body, status, code, param] of cases) {
    test(name, async () => {
      expect(await refusal(await post(body))).toEqual({ status, code, param });
    });
  }

  test("editing a sent user message (messageId on it) is refused, not re-sent", async () => {
    const message = user("first");
    const body = chatBody({ messages: [message], messageId: message.id });
    expect(await refusal(await post(body))).toEqual({
      status: 400,
      code: "invalid_request",
      param: "messageId",
    });
  });

  test("a tool output nested past 64 levels is refused", async () => {
    const id = `c-${crypto.randomUUID()}`;
    const tools = [{ name: "probe", input_schema: { type: "object" } }];
    const first = await (
      await post(chatBody({ id, tools, messages: [user("[tool:probe {}]")] }))
    ).text();
    const callId = /"toolCallId":"([^"]+)"/.exec(first)![1]!;
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const parts = [
      {
        type: "tool-probe",
        toolCallId: callId,
        state: "output-available",
        input: {},
        output: deep,
      },
    ];
    const response = await post(
      chatBody({
        id,
        tools,
        messages: [user("[tool:probe {}]"), { id: "a", role: "assistant", parts }],
      }),
    );
    expect(await refusal(response)).toEqual({
      status: 400,
      code: "invalid_request",
      param: "messages.1.parts.0.output",
    });
  });

  test("format=ui refuses other formats and paging parameters instead of ignoring them", async () => {
    const { body } = await spool.json("POST", "/v1/threads", { end_user_id: "h" });
    for (const [query, param] of [
      ["format=xml", "format"],
      ["format=ui&limit=5", "limit"],
      ["format=ui&include=tools", "include"],
    ]) {
      const response = await fetch(`${base}/v1/threads/${body.id}/messages?${query}`, {
        headers: { authorization: `Bearer ${spool.secretKey}` },
      });
      expect(await refusal(response)).toEqual({ status: 400, code: "invalid_request", param });
    }
    const ok = await fetch(`${base}/v1/threads/${body.id}/messages?format=ui`, {
      headers: { authorization: `Bearer ${spool.secretKey}` },
    });
    expect(await ok.json()).toEqual([]);
    expect(ok.headers.get("spool-thread-id")).toBe(body.id as string);
  });

  test("without credentials: 401; with a bad one: 401", async () => {
    const bare = await fetch(`${base}/v1/ui/chat`, {
      method: "POST",
      body: JSON.stringify(chatBody()),
    });
    expect(bare.status).toBe(401);
    expect((await refusal(await post(chatBody(), "sk_forged"))).status).toBe(401);
    const resume = await fetch(`${base}/v1/ui/chat/x/stream`);
    expect(resume.status).toBe(401);
  });
});

describe("chat ids and tenancy", () => {
  test("the same chat id in two tenants and for two end users names four threads", async () => {
    const other = await spool.createTenant("ui-other");
    const id = `shared-${crypto.randomUUID()}`;
    const threads = new Set<string>();
    for (const key of [spool.secretKey, other, await mint("alice"), await mint("bob")]) {
      const response = await post(chatBody({ id }), key);
      expect(response.status).toBe(200);
      threads.add(response.headers.get("spool-thread-id")!);
      await response.text();
    }
    expect(threads.size).toBe(4);
  });

  test("a thr_ id names a Spool thread: someone else's is 404, never created or claimed", async () => {
    const other = await spool.createTenant("ui-foreign");
    const response = await fetch(`${base}/v1/threads`, {
      method: "POST",
      headers: { authorization: `Bearer ${other}`, "content-type": "application/json" },
      body: JSON.stringify({ end_user_id: "x" }),
    });
    const foreign = ((await response.json()) as { id: string }).id;
    expect((await refusal(await post(chatBody({ id: foreign })))).status).toBe(404);
    const resume = await fetch(`${base}/v1/ui/chat/${foreign}/stream`, {
      headers: { authorization: `Bearer ${spool.secretKey}` },
    });
    expect(resume.status).toBe(404);
    const unknown = await post(chatBody({ id: "thr_doesnotexist" }));
    expect((await refusal(unknown)).status).toBe(404);
  });

  test("a Spool-Thread-Id header names the thread whatever the chat id", async () => {
    const { body } = await spool.json("POST", "/v1/threads", { end_user_id: "hdr" });
    const headers = {
      authorization: `Bearer ${spool.secretKey}`,
      "content-type": "application/json",
    };
    const send = (id: string, thread: string) =>
      fetch(`${base}/v1/ui/chat`, {
        method: "POST",
        headers: { ...headers, "spool-thread-id": thread },
        body: JSON.stringify(chatBody({ id })),
      });
    const response = await send("random-chat-id", body.id as string);
    expect(response.headers.get("spool-thread-id")).toBe(body.id as string);
    await response.text();
    expect((await refusal(await send("thr_other", body.id as string))).param).toBe("id");
    expect((await refusal(await send("x", "not-a-thread"))).param).toBe("spool-thread-id");
    const resume = await fetch(`${base}/v1/ui/chat/random-chat-id/stream`, {
      headers: { ...headers, "spool-thread-id": body.id as string },
    });
    expect(resume.status).toBe(204);
    expect(resume.headers.get("spool-thread-id")).toBe(body.id as string);
  });

  test("an end-user token's chat becomes that end user's thread; its own thr_ id works", async () => {
    const token = await mint("carol");
    const id = `c-${crypto.randomUUID()}`;
    const response = await post(chatBody({ id }), token);
    const threadId = response.headers.get("spool-thread-id")!;
    await response.text();
    const tenant = (await spool.runtime.services.tokens.authenticate(spool.secretKey)).tenantId;
    expect(threadId).toBe(mappedThreadId(tenant, "carol", id));
    const { body } = await spool.json("GET", `/v1/threads/${threadId}`);
    expect(body.end_user_id).toBe("carol");
    const again = await post(chatBody({ id: threadId, messages: [user("by thread id")] }), token);
    expect(again.status).toBe(200);
    await again.text();
    const spoofed = await post(chatBody({ id, end_user_id: "mallory" }), token);
    expect((await refusal(spoofed)).param).toBe("end_user_id");
    const dave = await post(chatBody({ id: threadId }), await mint("dave"));
    expect(dave.status).toBe(404);
  });
});

test("a chunked body past MAX_BODY_BYTES is cut off with 413, not read whole", async () => {
  const piece = new TextEncoder().encode(`"${"x".repeat(1024 * 1024 - 2)}",`);
  let sent = 0;
  const chunked = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"id":"big","model":"spool/echo","messages":['));
    },
    pull(controller) {
      // 11 MiB without a Content-Length: the route must stop reading at the 10 MiB limit.
      if (sent++ < 11) controller.enqueue(piece);
      else controller.close();
    },
  });
  const response = await fetch(`${base}/v1/ui/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
    body: chunked,
    duplex: "half",
  } as RequestInit);
  expect(await refusal(response)).toMatchObject({ status: 413, code: "payload_too_large" });
  const health = await fetch(`${base}/healthz`);
  expect(health.status).toBe(200);
});
