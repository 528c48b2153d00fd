/**
 * The real `openai` SDK against Spool's Chat Completions endpoint with `spool/echo`: streamed and
 * waited text, usage, a client tool call answered and continued, an Idempotency-Key retry, a
 * stateless client re-sending the whole history (one thread, each message once), and hostile
 * input answered 4xx in OpenAI's error shape.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import { startSpool, type TestSpool } from "../../support/spool.ts";

let spool: TestSpool;
let client: OpenAI;
let base: string;
beforeAll(async () => {
  spool = await startSpool();
  const server = await spool.listen();
  base = `http://127.0.0.1:${server.port}/compat/openai/v1`;
  client = new OpenAI({ apiKey: spool.secretKey, baseURL: base, maxRetries: 0 });
});
afterAll(() => spool.close());

type Msg = {
  seq: number;
  role: string;
  status: string;
  content: { type: string; text?: string }[];
};

async function thread(threadId: string): Promise<Msg[]> {
  const { body } = await spool.json(
    "GET",
    `/v1/threads/${threadId}/messages?include=tools&limit=200`,
  );
  return (body as { data: Msg[] }).data;
}

const WEATHER: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

describe("chat completions", () => {
  test("non-streaming text with usage and Spool headers", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "spool/echo", messages: [{ role: "user", content: "hello there" }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]!.message.content).toBe("Echo: hello there");
    expect(data.choices[0]!.finish_reason).toBe("stop");
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    const threadId = response.headers.get("spool-thread-id")!;
    expect(threadId).toMatch(/^thr_/);
    expect(response.headers.get("spool-message-seq")).toBe("2");
    const stored = await thread(threadId);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  test("streaming text with include_usage", async () => {
    const stream = await client.chat.completions.create({
      model: "spool/echo",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "stream me" },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Echo: stream me");
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("a stateless client re-sending the whole history keeps one thread, each message once", async () => {
    const history: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [];
    let threadId: string | null = null;
    for (const said of ["one", "two", "three"]) {
      history.push({ role: "user", content: said });
      const { data, response } = await client.chat.completions
        .create({ model: "spool/echo", messages: history })
        .withResponse();
      threadId ??= response.headers.get("spool-thread-id");
      expect(response.headers.get("spool-thread-id")).toBe(threadId);
      history.push({ role: "assistant", content: data.choices[0]!.message.content });
    }
    const stored = await thread(threadId!);
    expect(stored.map((m) => `${m.role}:${m.content[0]?.text}`)).toEqual([
      "user:one",
      "assistant:Echo: one",
      "user:two",
      "assistant:Echo: two",
      "user:three",
      "assistant:Echo: three",
    ]);
  });

  test("a history Spool never saw becomes a new thread holding it, then the answer", async () => {
    const { response } = await client.chat.completions
      .create({
        model: "spool/echo",
        messages: [
          { role: "user", content: "earlier" },
          { role: "assistant", content: "an answer from elsewhere" },
          { role: "user", content: "now" },
        ],
      })
      .withResponse();
    const stored = await thread(response.headers.get("spool-thread-id")!);
    expect(stored.map((m) => `${m.role}:${m.content[0]?.text}`)).toEqual([
      "user:earlier",
      "assistant:an answer from elsewhere",
      "user:now",
      "assistant:Echo: now",
    ]);
  });

  test("a client tool call answered by the client continues the same turn", async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: "user", content: 'weather? [tool:get_weather {"city":"Oslo"}]' },
    ];
    const first = await client.chat.completions
      .create({ model: "spool/echo", messages, tools: [WEATHER] })
      .withResponse();
    const choice = first.data.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({
      city: "Oslo",
    });
    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: "sunny, 21C" });
    const stream = await client.chat.completions.create({
      model: "spool/echo",
      messages,
      tools: [WEATHER],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Tool returned: sunny, 21C");
    const threadId = first.response.headers.get("spool-thread-id")!;
    const stored = await thread(threadId);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(stored.map((m) => m.status)).toEqual([
      "completed",
      "completed",
      "completed",
      "completed",
    ]);
  });

  test("an Idempotency-Key retry returns the same answer and adds nothing", async () => {
    const body = {
      model: "spool/echo",
      messages: [{ role: "user" as const, content: "once only" }],
    };
    const options = { headers: { "Idempotency-Key": `idem-${crypto.randomUUID()}` } };
    const a = await client.chat.completions.create(body, options).withResponse();
    const b = await client.chat.completions.create({ ...body, stream: true }, options);
    let text = "";
    for await (const chunk of b) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(a.data.choices[0]!.message.content!);
    const c = await client.chat.completions.create(body, options).withResponse();
    expect(c.data.id).toBe(a.data.id);
    expect(c.response.headers.get("spool-thread-id")).toBe(
      a.response.headers.get("spool-thread-id"),
    );
    expect(await thread(a.response.headers.get("spool-thread-id")!)).toHaveLength(2);
    const other = await client.chat.completions
      .create({ ...body, messages: [{ role: "user", content: "something else" }] }, options)
      .catch((e) => e);
    expect(other).toBeInstanceOf(APIError);
    expect((other as APIError).status).toBe(422);
  });

  test("a generation that breaks off is an error: in the stream, and as a 502 that says do not retry", async () => {
    const messages = [{ role: "user" as const, content: "[chunks=5][fail_after=2]" }];
    const stream = await client.chat.completions.create({
      model: "spool/echo",
      messages,
      stream: true,
    });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(APIError);
    expect(text).toBe("w1 w2 ");
    const response = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "spool/echo", messages }),
    });
    expect(response.status).toBe(502);
    expect(response.headers.get("x-should-retry")).toBe("false");
    const body = (await response.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: "server_error", code: "unavailable" });
  });

  test("models lists spool/echo", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("spool/echo");
  });
});

describe("threads, end users and disconnects", () => {
  test("an end-user token is the API key; the same history from another end user is another thread", async () => {
    const mint = async (endUser: string) =>
      (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: endUser })).body
        .token as string;
    const alice = new OpenAI({ apiKey: await mint("alice"), baseURL: base, maxRetries: 0 });
    const bob = new OpenAI({ apiKey: await mint("bob"), baseURL: base, maxRetries: 0 });
    const first = await alice.chat.completions
      .create({ model: "spool/echo", messages: [{ role: "user", content: "shared words" }] })
      .withResponse();
    const history: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: "user", content: "shared words" },
      { role: "assistant", content: first.data.choices[0]!.message.content },
      { role: "user", content: "more" },
    ];
    const fromBob = await bob.chat.completions
      .create({ model: "spool/echo", messages: history })
      .withResponse();
    const fromAlice = await alice.chat.completions
      .create({ model: "spool/echo", messages: history })
      .withResponse();
    const aliceThread = first.response.headers.get("spool-thread-id");
    expect(fromAlice.response.headers.get("spool-thread-id")).toBe(aliceThread);
    expect(fromBob.response.headers.get("spool-thread-id")).not.toBe(aliceThread);
    const { body } = await spool.json(
      "GET",
      `/v1/threads/${fromBob.response.headers.get("spool-thread-id")}`,
    );
    expect(body.end_user_id).toBe("bob");
    // Bob cannot name Alice's thread either.
    const named = await bob.chat.completions
      .create(
        { model: "spool/echo", messages: [{ role: "user", content: "x" }] },
        { headers: { "Spool-Thread-Id": aliceThread! } },
      )
      .catch((e) => e);
    expect((named as APIError).status).toBe(404);
  });

  test("Spool-Thread-Id names the thread; only the messages after the last assistant one are new", async () => {
    const { body } = await spool.json("POST", "/v1/threads", { end_user_id: "carol" });
    const threadId = body.id as string;
    const headers = { headers: { "Spool-Thread-Id": threadId } };
    const a = await client.chat.completions.create(
      { model: "spool/echo", messages: [{ role: "user", content: "x1" }] },
      headers,
    );
    await client.chat.completions.create(
      {
        model: "spool/echo",
        messages: [
          { role: "user", content: "x1" },
          { role: "assistant", content: a.choices[0]!.message.content },
          { role: "user", content: "x2" },
        ],
      },
      headers,
    );
    expect((await thread(threadId)).map((m) => m.content[0]?.text)).toEqual([
      "x1",
      "Echo: x1",
      "x2",
      "Echo: x2",
    ]);
  });

  test("a client that disconnects mid-stream does not cancel the answer", async () => {
    const stream = await client.chat.completions
      .create({
        model: "spool/echo",
        messages: [{ role: "user", content: "[chunks=30][delay_ms=10]" }],
        stream: true,
      })
      .withResponse();
    const threadId = stream.response.headers.get("spool-thread-id")!;
    let seen = 0;
    for await (const _ of stream.data) if (++seen === 3) break;
    for (let i = 0; i < 200; i++) {
      const [, answer] = await thread(threadId);
      if (answer?.status === "completed") {
        expect(answer.content[0]?.text).toBe(
          Array.from({ length: 30 }, (_, j) => `w${j + 1} `).join(""),
        );
        return;
      }
      await Bun.sleep(25);
    }
    throw new Error("the answer never completed");
  });
});

describe("hostile input gets OpenAI's error shape", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${spool.secretKey}`,
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const cases: [string, unknown][] = [
    ["bad role", { model: "spool/echo", messages: [{ role: "wizard", content: "x" }] }],
    [
      "unknown parameter",
      { model: "spool/echo", messages: [{ role: "user", content: "x" }], top_logprobs: 3 },
    ],
    [
      "huge array",
      {
        model: "spool/echo",
        messages: Array.from({ length: 5000 }, () => ({ role: "user", content: "x" })),
      },
    ],
    ["not json", "{nope"],
    ["no model", { messages: [{ role: "user", content: "x" }] }],
    [
      "bad tool args",
      {
        model: "spool/echo",
        messages: [
          {
            role: "assistant",
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1" } }],
          },
          { role: "user", content: "x" },
        ],
      },
    ],
    ["n=2", { model: "spool/echo", n: 2, messages: [{ role: "user", content: "x" }] }],
    [
      "ends with assistant",
      { model: "spool/echo", messages: [{ role: "assistant", content: "x" }] },
    ],
    ["deep json", `{"model":"spool/echo","messages":${"[".repeat(100)}${"]".repeat(100)}}`],
    ["lone surrogate", `{"model":"spool/echo","messages":[{"role":"user","content":"\\ud800"}]}`],
    ["unknown model", { model: "nope/nothing", messages: [{ role: "user", content: "x" }] }],
    ["foreign thread", { model: "spool/echo", messages: [{ role: "user", content: "x" }] }],
  ];
  for (const [name, body] of cases) {
    test(name, async () => {
      const headers: Record<string, string> =
        name === "foreign thread" ? { "spool-thread-id": "thr_doesnotexist0000" } : {};
      const response = await post(body, headers);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const json = (await response.json()) as {
        error: { message: string; type: string; code: string };
      };
      expect(typeof json.error.message).toBe("string");
      expect(json.error.type).toBeTruthy();
    });
  }

  test("no key is 401", async () => {
    const bad = new OpenAI({ apiKey: "sk_wrong", baseURL: base, maxRetries: 0 });
    const error = await bad.models.list().catch((e) => e);
    expect((error as APIError).status).toBe(401);
  });
});
