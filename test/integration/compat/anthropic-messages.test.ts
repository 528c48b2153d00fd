/**
 * The real `@anthropic-ai/sdk` against Spool's Messages endpoint with `spool/echo`: streamed and
 * waited text, thinking blocks, a client tool call answered and continued (tool_result in a user
 * turn), usage, an Idempotency-Key retry, the re-sent history stored once, and hostile input in
 * Anthropic's error shape, with `x-api-key` and with Bearer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic, { APIError } from "@anthropic-ai/sdk";
import { startSpool, type TestSpool } from "../../support/spool.ts";

let spool: TestSpool;
let client: Anthropic;
let base: string;
beforeAll(async () => {
  spool = await startSpool();
  const server = await spool.listen();
  base = `http://127.0.0.1:${server.port}/compat/anthropic`;
  client = new Anthropic({ apiKey: spool.secretKey, baseURL: base, maxRetries: 0 });
});
afterAll(() => spool.close());

type Msg = { role: string; status: string; content: { type: string; text?: string }[] };
async function thread(threadId: string): Promise<Msg[]> {
  const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages?include=tools`);
  return (body as { data: Msg[] }).data;
}

const WEATHER: Anthropic.Tool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};

describe("messages", () => {
  test("waited text with usage, x-api-key", async () => {
    const { data, response } = await client.messages
      .create({ model: "spool/echo", max_tokens: 256, messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(data.type).toBe("message");
    expect(data.content).toEqual([{ type: "text", text: "Echo: hi", citations: null }]);
    expect(data.stop_reason).toBe("end_turn");
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get("spool-thread-id")).toMatch(/^thr_/);
  });

  test("streamed text and thinking through the SDK's MessageStream", async () => {
    const stream = client.messages.stream({
      model: "spool/echo",
      max_tokens: 256,
      messages: [{ role: "user", content: "[think] ponder" }],
    });
    const names: string[] = [];
    stream.on("streamEvent", (event) => names.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect(final.content[1]).toMatchObject({ type: "text", text: "Echo: ponder" });
    expect(names[0]).toBe("message_start");
    expect(names.at(-1)).toBe("message_stop");
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  test("a tool call answered in a user turn continues; history stored once", async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: 'weather? [tool:get_weather {"city":"Oslo"}]' },
    ];
    const first = await client.messages
      .create({ model: "spool/echo", max_tokens: 256, messages, tools: [WEATHER] })
      .withResponse();
    expect(first.data.stop_reason).toBe("tool_use");
    const call = first.data.content.find((b) => b.type === "tool_use")!;
    expect(call.type === "tool_use" && call.input).toEqual({ city: "Oslo" });
    messages.push(
      { role: "assistant", content: first.data.content },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: call.type === "tool_use" ? call.id : "",
            content: "snow",
          },
        ],
      },
    );
    const second = await client.messages
      .stream({ model: "spool/echo", max_tokens: 256, messages, tools: [WEATHER] })
      .finalMessage();
    expect(second.content).toMatchObject([{ type: "text", text: "Tool returned: snow" }]);
    messages.push(
      { role: "assistant", content: second.content },
      { role: "user", content: "thanks" },
    );
    const third = await client.messages
      .create({ model: "spool/echo", max_tokens: 256, messages, tools: [WEATHER] })
      .withResponse();
    expect(third.response.headers.get("spool-thread-id")).toBe(
      first.response.headers.get("spool-thread-id"),
    );
    const stored = await thread(first.response.headers.get("spool-thread-id")!);
    expect(stored.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
      "assistant",
    ]);
  });

  test("an Idempotency-Key retry returns the same message", async () => {
    const body = {
      model: "spool/echo",
      max_tokens: 64,
      messages: [{ role: "user" as const, content: "once" }],
    };
    const headers = { headers: { "Idempotency-Key": `k-${crypto.randomUUID()}` } };
    const a = await client.messages.create(body, headers).withResponse();
    const b = await client.messages.create(body, headers).withResponse();
    expect(b.data.id).toBe(a.data.id);
    expect(b.data.content).toEqual(a.data.content);
    expect(await thread(a.response.headers.get("spool-thread-id")!)).toHaveLength(2);
  });

  test("Bearer works too", async () => {
    const bearer = new Anthropic({
      authToken: spool.secretKey,
      apiKey: null,
      baseURL: base,
      maxRetries: 0,
    });
    const message = await bearer.messages.create({
      model: "spool/echo",
      max_tokens: 16,
      messages: [{ role: "user", content: "bearer" }],
    });
    expect(message.content[0]).toMatchObject({ text: "Echo: bearer" });
  });
});

describe("hostile input gets Anthropic's error shape", () => {
  const cases: [string, Record<string, unknown>][] = [
    [
      "bad role",
      { model: "spool/echo", max_tokens: 5, messages: [{ role: "system", content: "x" }] },
    ],
    [
      "unknown parameter",
      { model: "spool/echo", max_tokens: 5, top_k: 3, messages: [{ role: "user", content: "x" }] },
    ],
    ["no max_tokens", { model: "spool/echo", messages: [{ role: "user", content: "x" }] }],
    [
      "thinking enabled",
      {
        model: "spool/echo",
        max_tokens: 5,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "x" }],
      },
    ],
    [
      "server tool",
      {
        model: "spool/echo",
        max_tokens: 5,
        tools: [{ type: "web_search_20250305", name: "web_search" }],
        messages: [{ role: "user", content: "x" }],
      },
    ],
    [
      "huge array",
      {
        model: "spool/echo",
        max_tokens: 5,
        messages: Array.from({ length: 3000 }, () => ({ role: "user", content: "x" })),
      },
    ],
    [
      "bad image",
      {
        model: "spool/echo",
        max_tokens: 5,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/bmp", data: "AA" } },
            ],
          },
        ],
      },
    ],
    [
      "tool_result in assistant",
      {
        model: "spool/echo",
        max_tokens: 5,
        messages: [
          { role: "assistant", content: [{ type: "tool_result", tool_use_id: "x" }] },
          { role: "user", content: "x" },
        ],
      },
    ],
  ];
  for (const [name, body] of cases) {
    test(name, async () => {
      const error = await client.messages.create(body as never).catch((e) => e);
      expect(error).toBeInstanceOf(APIError);
      const status = (error as APIError).status!;
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect((error as APIError).error).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error" },
      });
    });
  }

  test("a wrong key is 401 authentication_error", async () => {
    const bad = new Anthropic({ apiKey: "sk_bad", baseURL: base, maxRetries: 0 });
    const error = await bad.messages
      .create({ model: "spool/echo", max_tokens: 5, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect((error as APIError).status).toBe(401);
    expect((error as APIError).error).toMatchObject({
      type: "error",
      error: { type: "authentication_error" },
    });
  });

  test("an unknown route under the base URL answers in Anthropic's shape", async () => {
    const response = await fetch(`${base}/v1/nothing`, {
      headers: { "x-api-key": spool.secretKey },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "not_found_error" },
    });
  });
});

test("a browser may call the compat endpoints: SDK headers pass the preflight, Spool headers are readable", async () => {
  const preflight = await fetch(`${base}/v1/messages`, {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers":
        "x-api-key, anthropic-version, x-stainless-os, spool-thread-id",
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-headers")).toContain("anthropic-version");
  const answer = await client.messages
    .create({ model: "spool/echo", max_tokens: 8, messages: [{ role: "user", content: "cors" }] })
    .withResponse();
  expect(answer.response.headers.get("access-control-expose-headers")).toContain("spool-thread-id");
});
