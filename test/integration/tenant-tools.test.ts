// Tenant tools end to end: `/v1/tools` registration, and `tools_mode: "tenant"` turns in which
// Spool calls a real local HTTP tool server itself (signed, retried on 5xx, bounded by a
// timeout) and continues the turn; failures are stored as is_error tool results.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { verifyToolSignature } from "../../src/domain/tool-signature.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const SECRET = "whsec_test_0123456789abcdef";
/** Per attempt; the /slow tool sleeps well past it. */
const CALL_TIMEOUT_MS = 300;

interface Hit {
  path: string;
  body: Record<string, unknown>;
  signed: boolean;
  idempotencyKey: string | null;
}

let spool: TestSpool;
let toolServer: ReturnType<typeof Bun.serve>;
const hits: Hit[] = [];
const flakyCount = new Map<string, number>();

async function handleTool(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  const raw = await req.text();
  const signature = req.headers.get("spool-signature") ?? "";
  const body = JSON.parse(raw) as Record<string, unknown>;
  const idempotencyKey = req.headers.get("idempotency-key");
  hits.push({
    path,
    body,
    signed: verifyToolSignature(SECRET, signature, raw, Date.now() / 1000),
    idempotencyKey,
  });
  const input = body.input as { city?: string };
  switch (path) {
    case "/weather":
      return Response.json({ content: `sunny in ${input.city}` });
    case "/text":
      return new Response("plain answer");
    case "/refuse":
      return new Response("city unknown", { status: 404 });
    case "/flaky": {
      const n = (flakyCount.get(idempotencyKey!) ?? 0) + 1;
      flakyCount.set(idempotencyKey!, n);
      return n === 1
        ? new Response("busy", { status: 503 })
        : Response.json({ content: "second try" });
    }
    case "/down":
      return new Response("down", { status: 500 });
    case "/slow":
      await Bun.sleep(CALL_TIMEOUT_MS * 5);
      return Response.json({ content: "too late" });
  }
  return new Response("no such tool", { status: 404 });
}

beforeAll(async () => {
  toolServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handleTool });
  // The tool server is on loopback: opted in, as a deployment would for a tool on the same host.
  spool = await startSpool({
    TOOL_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
    TOOL_URL_ALLOW: "127.0.0.1",
  });
});
afterAll(async () => {
  await spool.close();
  await toolServer.stop(true);
});

type Block = {
  type: string;
  id?: string;
  text?: string;
  content?: unknown;
  is_error?: boolean;
  tool_use_id?: string;
};
type Msg = {
  seq: number;
  role: string;
  status: string;
  stop_reason: string | null;
  content: Block[];
};

function register(name: string, path: string, extra: Record<string, unknown> = {}) {
  return spool.json("POST", "/v1/tools", {
    name,
    description: `the ${name} tool`,
    input_schema: { type: "object", properties: { city: { type: "string" } } },
    url: `http://127.0.0.1:${toolServer.port}${path}`,
    secret: SECRET,
    ...extra,
  });
}

async function tenantTurn(
  content: string,
  tools?: { name: string }[],
): Promise<{ threadId: string; messages: Msg[] }> {
  const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
  const threadId = thread.id as string;
  const sent = await spool.json("POST", `/v1/threads/${threadId}/messages`, {
    content,
    model: "spool/echo",
    tools_mode: "tenant",
    ...(tools ? { tools } : {}),
  });
  expect(sent.status).toBe(200);
  const { body } = await spool.json(
    "GET",
    `/v1/threads/${threadId}/messages?include=tools&limit=200`,
  );
  return { threadId, messages: (body as { data: Msg[] }).data };
}

const toolResults = (messages: Msg[]) =>
  messages.filter((m) => m.role === "tool").flatMap((m) => m.content);

describe("/v1/tools", () => {
  test("register, list, read, replace, delete; the secret is never returned", async () => {
    const created = await register("lookup", "/weather");
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: "tool",
      name: "lookup",
      url: expect.stringContaining("/weather"),
    });
    expect(JSON.stringify(created.body)).not.toContain(SECRET);
    await register("lookup", "/text");
    const list = await spool.json("GET", "/v1/tools");
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    const one = await spool.json("GET", "/v1/tools/lookup");
    expect(one.body.url as string).toEndWith("/text");
    expect((await spool.json("DELETE", "/v1/tools/lookup")).status).toBe(200);
    const gone = await spool.json("GET", "/v1/tools/lookup");
    expect(gone.status).toBe(404);
    expect((gone.body.error as { code: string }).code).toBe("not_found");
  });

  test("an end-user token may not register tools; another tenant does not see them", async () => {
    await register("private_tool", "/weather");
    const minted = await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "u1" });
    const token = minted.body.token as string;
    const refused = await spool.json("GET", "/v1/tools", undefined, token);
    expect(refused.status).toBe(401);
    expect((refused.body.error as { code: string }).code).toBe("unauthorized");
    const other = await spool.createTenant("tools-other");
    const foreign = await spool.json("GET", "/v1/tools/private_tool", undefined, other);
    expect((foreign.body.error as { code: string }).code).toBe("not_found");
  });

  test("a bad registration is 422 validation_failed", async () => {
    const bad = await register("x", "/weather", { secret: "short" });
    expect(bad.status).toBe(422);
    expect((bad.body.error as { code: string }).code).toBe("validation_failed");
  });
});

describe("tools_mode: tenant", () => {
  test("Spool calls the tool, signed, and the turn continues by itself", async () => {
    await register("get_weather", "/weather");
    const { threadId, messages } = await tenantTurn('[tool:get_weather {"city":"Oslo"}]', [
      { name: "get_weather" },
    ]);
    expect(messages.map((m) => `${m.role}:${m.status}`)).toEqual([
      "user:completed",
      "assistant:completed",
      "tool:completed",
      "assistant:completed",
    ]);
    const [result] = toolResults(messages);
    expect(result).toMatchObject({
      type: "tool_result",
      content: "sunny in Oslo",
      is_error: false,
    });
    const hit = hits.findLast((h) => h.path === "/weather")!;
    expect(hit.signed).toBe(true);
    expect(hit.body).toMatchObject({
      name: "get_weather",
      input: { city: "Oslo" },
      thread_id: threadId,
      seq: 2,
    });
    expect(hit.idempotencyKey).toBe(`${threadId}:2:${result!.tool_use_id}`);
    expect(messages[3]!.content.map((b) => b.text).join("")).toContain("sunny in Oslo");
  });

  test("an error status is stored as an is_error result; 5xx is retried with the same key", async () => {
    await register("refuser", "/refuse");
    await register("flaky", "/flaky");
    await register("down", "/down");
    const { messages } = await tenantTurn("[tool:refuser {}] [tool:flaky {}] [tool:down {}]");
    const [refused, flaky, down] = toolResults(messages);
    expect(refused).toMatchObject({ is_error: true });
    expect(String(refused!.content)).toContain("HTTP 404");
    expect(flaky).toMatchObject({ content: "second try", is_error: false });
    const flakyHits = hits.filter((h) => h.path === "/flaky");
    expect(flakyHits.length).toBe(2);
    expect(flakyHits[0]!.idempotencyKey).toBe(flakyHits[1]!.idempotencyKey);
    expect(down).toMatchObject({ is_error: true });
    expect(hits.filter((h) => h.path === "/down").length).toBe(3);
    expect(hits.filter((h) => h.path === "/refuse").length).toBe(1);
  });

  test("a tool that does not answer in time is an is_error result, not retried", async () => {
    await register("slow", "/slow");
    const before = hits.filter((h) => h.path === "/slow").length;
    const { messages } = await tenantTurn("[tool:slow {}]", [{ name: "slow" }]);
    const [result] = toolResults(messages);
    expect(result).toMatchObject({ is_error: true });
    expect(String(result!.content)).toContain("timed out");
    expect(hits.filter((h) => h.path === "/slow").length - before).toBe(1);
    expect(messages.at(-1)).toMatchObject({ role: "assistant", status: "completed" });
  });

  test("cancelling while a tool runs ends the message incomplete / cancelled", async () => {
    await register("slow", "/slow");
    const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
    const path = `/v1/threads/${thread.id}/messages`;
    const sending = spool.json("POST", path, {
      content: "[tool:slow {}]",
      model: "spool/echo",
      tools_mode: "tenant",
    });
    const before = hits.filter((h) => h.path === "/slow").length;
    while (hits.filter((h) => h.path === "/slow").length === before) await Bun.sleep(10);
    const cancelled = await spool.json("POST", `${path}/2/cancel`);
    expect(cancelled.body).toMatchObject({ status: "incomplete", stop_reason: "cancelled" });
    expect((await sending).status).toBe(200);
    const { body } = await spool.json("GET", `${path}?include=tools`);
    expect((body as { data: Msg[] }).data.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  test("a model that keeps calling tools stops at the step bound", async () => {
    await register("get_weather", "/weather");
    const { messages } = await tenantTurn('[tool_loop] [tool:get_weather {"city":"Bergen"}]', [
      { name: "get_weather" },
    ]);
    const assistants = messages.filter((m) => m.role === "assistant");
    expect(assistants.length).toBe(8);
    expect(assistants.at(-1)).toMatchObject({ status: "completed", stop_reason: "tool_use" });
    expect(messages.filter((m) => m.role === "tool").length).toBe(7);
  });

  test("naming an unregistered tool is 422 validation_failed and records nothing", async () => {
    const { body: thread } = await spool.json("POST", "/v1/threads", { end_user_id: "u1" });
    const sent = await spool.json("POST", `/v1/threads/${thread.id}/messages`, {
      content: "hi",
      model: "spool/echo",
      tools_mode: "tenant",
      tools: [{ name: "never_registered" }],
    });
    expect(sent.status).toBe(422);
    expect((sent.body.error as { code: string; param: string }).code).toBe("validation_failed");
    const { body } = await spool.json("GET", `/v1/threads/${thread.id}/messages`);
    expect((body as { data: unknown[] }).data).toEqual([]);
  });
});
