// Tenant tools as an attacker would use them, against a real server process: every private-address
// spelling (and `localhost`, a name that resolves to 127.0.0.1) is refused at registration, and
// again at call time for tools stored before the check existed (planted in SQLite as the old code
// wrote them) — the loopback tool server counts its hits and must see none. Inputs that break the
// tool's input_schema never reach the tool; a message gets at most 8 calls. The allowed tool server
// listens on 127.0.0.2, opened with TOOL_URL_ALLOW (127.0.0.1 stays closed).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openSqlite } from "../../src/adapters/sqlite/database.ts";
import { SqliteToolRegistry } from "../../src/adapters/sqlite/sqlite-tool-registry.ts";
import { type SpoolNode, startNode } from "../support/node-launcher.ts";
import { PRIVATE_SPELLINGS } from "../support/private-addresses.ts";
import { freshPrefix, testRedis } from "../support/redis.ts";

const SECRET = "whsec_abuse_0123456789abcdef";
const SCHEMA = {
  type: "object",
  properties: { city: { type: "string", maxLength: 40 } },
  required: ["city"],
  additionalProperties: false,
};

let node: SpoolNode;
/** Listens where every refused spelling points: any hit is an escape. */
let forbidden: ReturnType<typeof Bun.serve>;
/** The allowed tool server (127.0.0.2, in TOOL_URL_ALLOW). */
let allowed: ReturnType<typeof Bun.serve>;
const forbiddenHits: string[] = [];
const allowedInputs: unknown[] = [];

beforeAll(async () => {
  forbidden = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => {
      forbiddenHits.push(req.url);
      return Response.json({ content: "secret internal data" });
    },
  });
  allowed = Bun.serve({
    hostname: "127.0.0.2",
    port: 0,
    fetch: async (req) => {
      const body = (await req.json()) as { input: unknown };
      allowedInputs.push(body.input);
      if (new URL(req.url).pathname === "/redirect")
        return new Response(null, { status: 302, headers: { location: forbiddenUrl("/") } });
      return Response.json({ content: "sunny" });
    },
  });
  const redis = await testRedis();
  node = await startNode({
    redisUrl: redis.url,
    prefix: freshPrefix("abuse-tools"),
    env: { TOOL_URL_ALLOW: "127.0.0.2", TOOL_CALL_TIMEOUT_MS: "2000" },
  });
});

afterAll(async () => {
  await node?.stop();
  await forbidden?.stop(true);
  await allowed?.stop(true);
});

function forbiddenUrl(path: string): string {
  return `http://127.0.0.1:${forbidden.port}${path}`;
}

/** The spelling with the forbidden server's port (where none is given), path kept. */
function aimed(url: string): string {
  const start = url.indexOf("://") + 3;
  const slash = url.indexOf("/", start);
  const authority = url.slice(start, slash);
  const hasPort = /\]:\d+$|^[^[\]]*:\d+$/.test(authority);
  return hasPort ? url : `${url.slice(0, slash)}:${forbidden.port}${url.slice(slash)}`;
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${node.secretKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function register(name: string, url: string, schema: object = SCHEMA) {
  return api("POST", "/v1/tools", { name, url, input_schema: schema, secret: SECRET });
}

type Block = { type: string; content?: unknown; is_error?: boolean; tool_use_id?: string };

async function tenantTurn(directives: string, tools: string[]): Promise<Block[]> {
  const { body: thread } = await api("POST", "/v1/threads", { end_user_id: "eve" });
  const sent = await api("POST", `/v1/threads/${thread.id}/messages`, {
    content: directives,
    model: "spool/echo",
    tools_mode: "tenant",
    tools: tools.map((name) => ({ name })),
  });
  expect(sent.status).toBe(200);
  const { body } = await api("GET", `/v1/threads/${thread.id}/messages?include=tools&limit=200`);
  return (body.data as { role: string; content: Block[] }[])
    .filter((m) => m.role === "tool")
    .flatMap((m) => m.content);
}

describe("tool destinations", () => {
  test("every private spelling, and a name resolving to 127.0.0.1, is refused at registration", async () => {
    const urls = [...PRIVATE_SPELLINGS.map(aimed), `http://localhost:${forbidden.port}/`];
    for (const [i, url] of urls.entries()) {
      const { status, body } = await register(`bad_${i}`, url);
      expect({ url, status, code: body.error?.code, param: body.error?.param }).toEqual({
        url,
        status: 422,
        code: "validation_failed",
        param: "url",
      });
    }
    expect((await api("GET", "/v1/tools")).body.data).toEqual([]);
    expect(forbiddenHits).toEqual([]);
  });

  test("tools stored before the check are refused at call time, on the address connected to", async () => {
    const db = await openSqlite(join(node.dataDir, "spool.db"));
    const registry = new SqliteToolRegistry(db);
    const { body: me } = await api("POST", "/v1/threads", { end_user_id: "probe" });
    const tenantId = String(
      db.prepare("SELECT tenant_id FROM threads WHERE id = ?").get(me.id)?.tenant_id,
    );
    const urls = [
      ...PRIVATE_SPELLINGS.map(aimed),
      `http://localhost:${forbidden.port}/`,
      `http://LOCALHOST:${forbidden.port}/`,
    ];
    const names = urls.map((_, i) => `old_${i}`);
    const now = Date.now();
    for (const [i, url] of urls.entries()) {
      // As the old registration path stored it: no destination check.
      await registry.put({
        tenant_id: tenantId,
        name: names[i]!,
        description: null,
        input_schema: SCHEMA,
        url,
        secret: SECRET,
        created_at: now,
        updated_at: now,
      });
    }
    db.close();
    // 8 per message (the cap), so the spellings go in batches of 8.
    for (let from = 0; from < names.length; from += 8) {
      const batch = names.slice(from, from + 8);
      const directives = batch.map((n) => `[tool:${n} {"city":"Oslo"}]`).join(" ");
      const results = await tenantTurn(directives, batch);
      expect(results).toHaveLength(batch.length);
      for (const result of results) {
        expect(result.is_error).toBe(true);
        expect(String(result.content)).toStartWith("destination_not_allowed");
      }
    }
    expect(forbiddenHits).toEqual([]);
  }, 60_000);

  test("a redirect to a private address is not followed", async () => {
    expect((await register("redirector", `http://127.0.0.2:${allowed.port}/redirect`)).status).toBe(
      200,
    );
    const [result] = await tenantTurn('[tool:redirector {"city":"Oslo"}]', ["redirector"]);
    expect(result?.is_error).toBe(true);
    expect(String(result?.content)).toContain("HTTP 302");
    expect(forbiddenHits).toEqual([]);
  });
});

describe("tool inputs and call counts", () => {
  test("a schema ajv cannot compile is refused at registration", async () => {
    const bad = await register("broken", `http://127.0.0.2:${allowed.port}/`, { type: "nope" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.param).toBe("input_schema");
  });

  test("invalid inputs never reach the tool; valid ones do", async () => {
    expect((await register("weather", `http://127.0.0.2:${allowed.port}/`)).status).toBe(200);
    allowedInputs.length = 0;
    const directives = [
      '[tool:weather {"city":5}]',
      '[tool:weather {"town":"Oslo"}]',
      "[tool:weather {}]",
      `[tool:weather {"city":"${"x".repeat(41)}"}]`,
      '[tool:weather {"city":"Oslo"}]',
    ].join(" ");
    const results = await tenantTurn(directives, ["weather"]);
    expect(results.map((r) => r.is_error)).toEqual([true, true, true, true, false]);
    for (const r of results.slice(0, 4))
      expect(String(r.content)).toStartWith("invalid_tool_input");
    expect(allowedInputs).toEqual([{ city: "Oslo" }]);
  });

  test("at most 8 tool calls per message: the 9th and later get is_error without a call", async () => {
    allowedInputs.length = 0;
    const directives = Array.from({ length: 12 }, (_, i) => `[tool:weather {"city":"c${i}"}]`);
    const results = await tenantTurn(directives.join(" "), ["weather"]);
    expect(results).toHaveLength(12);
    expect(results.slice(0, 8).every((r) => r.is_error === false)).toBe(true);
    for (const r of results.slice(8)) {
      expect(r.is_error).toBe(true);
      expect(String(r.content)).toStartWith("tool_call_limit");
    }
    expect(allowedInputs).toHaveLength(8);
  });
});
