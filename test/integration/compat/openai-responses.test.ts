/**
 * The real `openai` SDK against Spool's Responses and Conversations endpoints with `spool/echo`:
 * create (waited and streamed), a function call answered with previous_response_id, a
 * conversation, a stream cut after N events and resumed with starting_after=N (the rest exactly
 * once, numbered as the first reading), cancel, and ids of another tenant answered 404.
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

type Event = OpenAI.Responses.ResponseStreamEvent;

async function threadRoles(threadId: string): Promise<string[]> {
  const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages?include=tools`);
  return (body as { data: { role: string }[] }).data.map((m) => m.role);
}

const textOf = (events: Event[]) =>
  events.map((e) => (e.type === "response.output_text.delta" ? e.delta : "")).join("");

describe("responses", () => {
  test("create and retrieve, with output_text and usage", async () => {
    const response = await client.responses.create({ model: "spool/echo", input: "hello" });
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("Echo: hello");
    expect(response.usage!.output_tokens).toBeGreaterThan(0);
    const again = await client.responses.retrieve(response.id);
    expect(again.output_text).toBe("Echo: hello");
    expect(again.id).toBe(response.id);
  });

  test("streamed events are numbered from 0 and end with response.completed", async () => {
    const stream = await client.responses.create({
      model: "spool/echo",
      input: "stream it",
      stream: true,
    });
    const events: Event[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]!.type).toBe("response.created");
    expect(events.at(-1)!.type).toBe("response.completed");
    expect(textOf(events)).toBe("Echo: stream it");
  });

  test("a stream cut after N events resumes with starting_after=N: the rest exactly once", async () => {
    const stream = await client.responses.create({
      model: "spool/echo",
      input: "[chunks=40][delay_ms=15]",
      stream: true,
    });
    const first: Event[] = [];
    for await (const event of stream) {
      first.push(event);
      if (first.length === 12) break;
    }
    const id = first[0]!.type === "response.created" ? first[0]!.response.id : "";
    const n = first.at(-1)!.sequence_number;
    const rest: Event[] = [];
    for await (const event of await client.responses.retrieve(id, {
      stream: true,
      starting_after: n,
    }))
      rest.push(event);
    const all = [...first, ...rest];
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all.at(-1)!.type).toBe("response.completed");
    const words = Array.from({ length: 40 }, (_, i) => `w${i + 1} `).join("");
    expect(textOf(all)).toBe(words);
    // A replay from the start numbers every event exactly as the live reading did.
    const replay: Event[] = [];
    for await (const event of await client.responses.retrieve(id, { stream: true }))
      replay.push(event);
    expect(replay.map((e) => [e.sequence_number, e.type])).toEqual(
      all.map((e) => [e.sequence_number, e.type]),
    );
  });

  test("a function call answered through previous_response_id continues the thread", async () => {
    const tools: OpenAI.Responses.Tool[] = [
      { type: "function", name: "get_weather", parameters: { type: "object" }, strict: false },
    ];
    const first = await client.responses.create({
      model: "spool/echo",
      input: 'weather? [tool:get_weather {"city":"Oslo"}]',
      tools,
    });
    const call = first.output.find((o) => o.type === "function_call");
    expect(call?.type === "function_call" && JSON.parse(call.arguments)).toEqual({ city: "Oslo" });
    const callId = call?.type === "function_call" ? call.call_id : "";
    const second = await client.responses.create({
      model: "spool/echo",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: callId, output: "rainy" }],
      tools,
    });
    expect(second.output_text).toBe("Tool returned: rainy");
    const threadId = (second as unknown as { conversation: { id: string } }).conversation.id;
    expect(await threadRoles(threadId)).toEqual(["user", "assistant", "tool", "assistant"]);
  });

  test("a conversation collects responses and lists them as items", async () => {
    const conversation = await client.conversations.create({ metadata: { topic: "test" } });
    expect(conversation.id).toMatch(/^thr_/);
    await client.responses.create({
      model: "spool/echo",
      input: "first",
      conversation: conversation.id,
    });
    await client.responses.create({
      model: "spool/echo",
      input: "second",
      conversation: conversation.id,
    });
    const items = await client.conversations.items.list(conversation.id, { order: "asc" });
    const texts = items.data.map((item) =>
      item.type === "message" ? (item.content[0] as { text: string }).text : item.type,
    );
    expect(texts).toEqual(["first", "Echo: first", "second", "Echo: second"]);
  });

  test("cancel stops a running response", async () => {
    const stream = await client.responses.create({
      model: "spool/echo",
      input: "[chunks=200][delay_ms=20]",
      stream: true,
    });
    let id = "";
    for await (const event of stream) {
      if (event.type === "response.created") id = event.response.id;
      if (event.type === "response.output_text.delta") break;
    }
    const cancelled = await client.responses.cancel(id);
    expect(cancelled.status).toBe("cancelled");
  });

  test("another tenant's response id, a forged one and garbage are 404", async () => {
    const mine = await client.responses.create({ model: "spool/echo", input: "private" });
    const otherKey = await spool.createTenant("other");
    const other = new OpenAI({ apiKey: otherKey, baseURL: base, maxRetries: 0 });
    for (const id of [mine.id, `${mine.id.slice(0, -3)}AAA`, "resp_garbage", "nope"]) {
      const error = await other.responses.retrieve(id).catch((e) => e);
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(404);
    }
    const fromOther = await other.responses
      .create({ model: "spool/echo", input: "x", previous_response_id: mine.id })
      .catch((e) => e);
    expect((fromOther as APIError).status).toBe(404);
  });

  test("a stateless client re-sending the whole input keeps one thread", async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "r1" }];
    const first = await client.responses.create({ model: "spool/echo", input });
    input.push({ role: "assistant", content: first.output_text }, { role: "user", content: "r2" });
    const second = await client.responses.create({ model: "spool/echo", input });
    const threadOf = (r: unknown) => (r as { conversation: { id: string } }).conversation.id;
    expect(threadOf(second)).toBe(threadOf(first));
    expect(await threadRoles(threadOf(first))).toEqual(["user", "assistant", "user", "assistant"]);
  });

  test("an Idempotency-Key retry of a streamed response replays the same response", async () => {
    const options = { headers: { "Idempotency-Key": `r-${crypto.randomUUID()}` } };
    const body = { model: "spool/echo", input: "idem", stream: true as const };
    const read = async () => {
      const events: Event[] = [];
      for await (const e of await client.responses.create(body, options)) events.push(e);
      return events;
    };
    const a = await read();
    const b = await read();
    expect(b.map((e) => [e.sequence_number, e.type])).toEqual(
      a.map((e) => [e.sequence_number, e.type]),
    );
    const idOf = (events: Event[]) =>
      events[0]!.type === "response.created" ? events[0]!.response.id : "";
    expect(idOf(b)).toBe(idOf(a));
  });

  test("hostile input is a 4xx in OpenAI's shape", async () => {
    const bodies: unknown[] = [
      { model: "spool/echo", input: [{ type: "item_reference", id: "x" }] },
      { model: "spool/echo", input: [{ role: "wizard", content: "x" }] },
      {
        model: "spool/echo",
        input: Array.from({ length: 2500 }, () => ({ role: "user", content: "x" })),
      },
      {
        model: "spool/echo",
        input: [{ type: "function_call", call_id: "c", name: "f", arguments: "{bad" }],
      },
      { model: "spool/echo", input: "x", conversation: "conv_not_a_thread" },
      { model: "spool/echo", input: "x", previous_response_id: "resp_forged.AAAA" },
      { model: "spool/echo", input: [] },
    ];
    for (const body of bodies) {
      const response = await fetch(`${base}/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${spool.secretKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const json = (await response.json()) as { error: { message: string; type: string } };
      expect(json.error.type).toBe("invalid_request_error");
    }
    const resume = await fetch(`${base}/responses/resp_x?stream=true&starting_after=-1`, {
      headers: { authorization: `Bearer ${spool.secretKey}` },
    });
    expect(resume.status).toBe(400);
  });

  test("unsupported parameters are a 400 naming them", async () => {
    for (const extra of [
      { reasoning: { effort: "high" } },
      { store: false },
      { background: true },
    ]) {
      const error = await client.responses
        .create({
          model: "spool/echo",
          input: "x",
          ...extra,
        } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        .catch((e) => e);
      expect((error as APIError).status).toBe(400);
      expect((error as APIError).param).toBe(Object.keys(extra)[0]);
    }
  });
});
