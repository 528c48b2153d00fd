// Client tools end to end (API.md "Send", tools_mode client): the send stream stops at
// tool.waiting, tool results arrive over REST or WS, the same turn continues with a `tool`
// message and a new assistant message; timeouts, several calls, unknown ids, history views.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startSpool, type TestSpool } from "../support/spool.ts";
import { readSse, type SseEvent } from "../support/sse.ts";

let spool: TestSpool;
beforeAll(async () => {
  spool = await startSpool();
});
afterAll(() => spool.close());

const WEATHER = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};
const CLOCK = { name: "get_time", input_schema: { type: "object" } };

type Block = { type: string; id?: string; text?: string; tool_use_id?: string; input?: unknown };
type Msg = {
  seq: number;
  role: string;
  status: string;
  stop_reason: string | null;
  content: Block[];
};

async function newThread(s: TestSpool = spool): Promise<string> {
  const { body } = await s.json("POST", "/v1/threads", { end_user_id: "u1" });
  return body.id as string;
}

const waitingOf = (events: SseEvent[]) =>
  events.filter((e) => e.event === "tool.waiting").map((e) => e.data.tool_use as Block);

async function history(threadId: string, include = ""): Promise<Msg[]> {
  const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages${include}`);
  return (body as { data: Msg[] }).data;
}

async function waitForStatus(threadId: string, seq: number, status: string): Promise<Msg> {
  for (let i = 0; i < 200; i++) {
    const { body } = await spool.json("GET", `/v1/threads/${threadId}/messages/${seq}`);
    if ((body as Msg).status === status) return body as Msg;
    await Bun.sleep(20);
  }
  throw new Error(`message ${seq} never became ${status}`);
}

function sendStream(threadId: string, content: string, tools: object[] = [WEATHER]) {
  return spool.call("POST", `/v1/threads/${threadId}/messages`, {
    content,
    model: "spool/echo",
    stream: true,
    tools,
  });
}

describe("client tools over REST", () => {
  test("tool.waiting ends the POST stream; tool_results continue the same turn", async () => {
    const threadId = await newThread();
    const follow = await spool.call("GET", `/v1/threads/${threadId}/stream`);
    const followed = readSse(follow, (e) =>
      e.event === "message.completed" && e.data.message ? (e.data.message as Msg).seq === 4 : false,
    );
    const events = await readSse(
      await sendStream(threadId, 'hi [tool:get_weather {"city":"Oslo"}]'),
    );
    expect(events.at(-1)?.event).toBe("tool.waiting");
    const [toolUse] = waitingOf(events);
    expect(toolUse).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { city: "Oslo" },
    });
    expect(events.some((e) => e.event === "message.completed")).toBe(false);

    const answer = await spool.json("POST", `/v1/threads/${threadId}/tool_results`, {
      tool_use_id: toolUse!.id,
      content: "sunny, 21 C",
    });
    expect(answer.status).toBe(200);
    const live = await followed;
    const types = live.map((e) => `${e.event}:${e.data.seq ?? (e.data.message as Msg)?.seq ?? ""}`);
    expect(types).toContain("tool.waiting:2");
    expect(types).toContain("message.completed:2");
    expect(types).toContain("message.created:4");
    const final = live.at(-1)!.data.message as Msg;
    expect(final.content.map((b) => b.text).join("")).toContain("Tool returned: sunny, 21 C");

    const withTools = await history(threadId, "?include=tools");
    expect(withTools.map((m) => `${m.seq}:${m.role}:${m.status}`)).toEqual([
      "1:user:completed",
      "2:assistant:completed",
      "3:tool:completed",
      "4:assistant:completed",
    ]);
    expect(withTools[1]!.stop_reason).toBe("tool_use");
    expect(withTools[1]!.content.some((b) => b.type === "tool_use")).toBe(true);
    expect(withTools[2]!.content[0]).toMatchObject({
      type: "tool_result",
      tool_use_id: toolUse!.id,
      content: "sunny, 21 C",
      is_error: false,
    });
    const plain = await history(threadId);
    expect(plain.map((m) => m.role)).toEqual(["user", "assistant", "assistant"]);
    expect(plain.flatMap((m) => m.content).some((b) => b.type === "tool_use")).toBe(false);
  });

  test("stream:false returns when the turn waits for tools", async () => {
    const threadId = await newThread();
    const { status, body } = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
      content: "[tool:get_weather {}]",
      model: "spool/echo",
      tools: [WEATHER],
    });
    expect(status).toBe(200);
    const assistant = body.assistant_message as Msg;
    expect(assistant.status).toBe("in_progress");
    const toolUse = assistant.content.find((b) => b.type === "tool_use")!;
    await spool.json("POST", `/v1/threads/${threadId}/tool_results`, {
      tool_use_id: toolUse.id,
      content: "ok",
    });
    const next = await waitForStatus(threadId, 4, "completed");
    expect(next.role).toBe("assistant");
  });

  test("several tool calls in one message wait for every result", async () => {
    const threadId = await newThread();
    const events = await readSse(
      await sendStream(threadId, '[tool:get_weather {"city":"Rome"}] [tool:get_time {}]', [
        WEATHER,
        CLOCK,
      ]),
    );
    const calls = waitingOf(events);
    expect(calls.map((c) => (c.id ? "x" : "")).length).toBe(2);
    expect(calls.map((c) => (c as { name?: string }).name)).toEqual(["get_weather", "get_time"]);
    await spool.json("POST", `/v1/threads/${threadId}/tool_results`, {
      tool_use_id: calls[1]!.id,
      content: "12:00",
    });
    await Bun.sleep(100);
    expect((await waitForStatus(threadId, 2, "in_progress")).seq).toBe(2);
    await spool.json("POST", `/v1/threads/${threadId}/tool_results`, {
      tool_use_id: calls[0]!.id,
      content: [{ type: "text", text: "warm" }],
      is_error: true,
    });
    await waitForStatus(threadId, 4, "completed");
    const toolMessage = (await history(threadId, "?include=tools"))[2]!;
    expect(toolMessage.content.map((b) => b.tool_use_id)).toEqual([calls[0]!.id, calls[1]!.id]);
    expect(toolMessage.content[0]).toMatchObject({ is_error: true });
  });

  test("an unknown tool_use_id is 404 not_found", async () => {
    const threadId = await newThread();
    await readSse(await sendStream(threadId, "[tool:get_weather {}]"));
    const { status, body } = await spool.json("POST", `/v1/threads/${threadId}/tool_results`, {
      tool_use_id: "toolu_nope",
      content: "x",
    });
    expect(status).toBe(404);
    expect((body.error as { code: string }).code).toBe("not_found");
    const idle = await newThread();
    const none = await spool.json("POST", `/v1/threads/${idle}/tool_results`, {
      tool_use_id: "toolu_nope",
      content: "x",
    });
    expect((none.body.error as { code: string }).code).toBe("not_found");
  });
});

describe("client tools over WebSocket", () => {
  test("a tool_result frame continues the turn", async () => {
    const server = await spool.listen();
    const threadId = await newThread();
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/v1/ws?token=${spool.secretKey}`);
    const frames: Record<string, unknown>[] = [];
    const seen = (pred: (f: Record<string, unknown>) => boolean) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const check = () => {
          const hit = frames.find(pred);
          if (hit) return resolve(hit);
          setTimeout(check, 10);
        };
        check();
      });
    ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
    await new Promise((r) => (ws.onopen = r));
    ws.send(
      JSON.stringify({
        type: "send",
        thread_id: threadId,
        content: "[tool:get_weather {}]",
        model: "spool/echo",
        tools: [WEATHER],
      }),
    );
    const waiting = await seen((f) => f.type === "tool.waiting");
    const toolUse = waiting.tool_use as Block;
    ws.send(
      JSON.stringify({
        type: "tool_result",
        thread_id: threadId,
        tool_use_id: toolUse.id,
        content: "7 C",
      }),
    );
    const done = await seen((f) => f.type === "message.completed" && (f.message as Msg).seq === 4);
    expect(JSON.stringify(done)).toContain("Tool returned: 7 C");
    ws.send(
      JSON.stringify({
        type: "tool_result",
        thread_id: threadId,
        tool_use_id: "toolu_x",
        content: "",
      }),
    );
    const error = await seen((f) => f.type === "error");
    expect(error.code).toBe("not_found");
    ws.close();
  });
});

describe("client tool timeout", () => {
  test("no answer within TOOL_WAIT_TIMEOUT_MS → incomplete / tool_wait_timeout", async () => {
    const fast = await startSpool({ TOOL_WAIT_TIMEOUT_MS: "300" });
    try {
      const { body: thread } = await fast.json("POST", "/v1/threads", { end_user_id: "u1" });
      const threadId = thread.id as string;
      const follow = await fast.call("GET", `/v1/threads/${threadId}/stream`);
      const sent = await fast.call("POST", `/v1/threads/${threadId}/messages`, {
        content: "[tool:get_weather {}]",
        model: "spool/echo",
        stream: true,
        tools: [WEATHER],
      });
      await readSse(sent);
      const events = await readSse(follow, (e) => e.event === "message.incomplete");
      const message = events.at(-1)!.data.message as Msg;
      expect(message).toMatchObject({
        seq: 2,
        status: "incomplete",
        stop_reason: "tool_wait_timeout",
      });
      const late = await fast.json("POST", `/v1/threads/${threadId}/tool_results`, {
        tool_use_id: waitingOf(events)[0]!.id,
        content: "late",
      });
      expect((late.body.error as { code: string }).code).toBe("not_found");
    } finally {
      await fast.close();
    }
  });
});
