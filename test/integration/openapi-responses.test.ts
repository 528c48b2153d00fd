// Real answers conform to what openapi.yaml declares: a walk over every REST route (successes and
// the error statuses a client can provoke) checks each status is declared for its operation and
// each JSON body validates (JSON Schema 2020-12, as OpenAPI 3.1) against the declared schema.
// Responses are declared for the document only (src/http/route-docs.ts), so this is the guard.
// Each operation's declared security is also checked against what the server enforces.
import { afterAll, beforeAll, expect, test } from "bun:test";
import Ajv2020 from "ajv/dist/2020";
import { openApiDocument } from "../../src/http/openapi.ts";
import { ADMIN_KEY, startSpool, type TestSpool } from "../support/spool.ts";

type Media = Record<string, { schema?: { $ref?: string } }>;
type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Media }> }>>;
  components: Record<string, unknown>;
};

let spool: TestSpool;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const seen = new Set<string>();

beforeAll(async () => {
  spool = await startSpool();
  doc = (await openApiDocument()) as unknown as Doc;
  ajv.addSchema({ $id: "spool.json", components: doc.components });
});
afterAll(() => spool.close());

/** Asserts `response` is declared for `METHOD template` and its body matches the schema. */
async function conforms(response: Response, method: string, template: string): Promise<unknown> {
  const op = doc.paths[template]?.[method.toLowerCase()];
  expect(op, `${method} ${template} is not in the document`).toBeDefined();
  const where = `${method} ${template} ${response.status}`;
  const declared = op!.responses[String(response.status)];
  expect(declared, `${where} is not declared`).toBeDefined();
  seen.add(`${method} ${template} ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  if (!type.startsWith("application/json")) {
    const media = Object.keys(declared!.content ?? {});
    expect(
      media.some((m) => type.startsWith(m)),
      `${where}: ${type} not in ${media}`,
    ).toBe(true);
    return text;
  }
  const schema = declared!.content?.["application/json"]?.schema;
  expect(schema, `${where}: no JSON schema`).toBeDefined();
  const ref = schema!.$ref ?? JSON.stringify(schema);
  const validate = schema!.$ref
    ? ajv.getSchema(`spool.json${schema!.$ref}`)!
    : ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spool.json#/components/')),
      );
  const body = JSON.parse(text);
  if (!validate(body))
    throw new Error(`${where} does not match ${ref}: ${ajv.errorsText(validate.errors)}`);
  return body;
}

async function call(
  method: string,
  template: string,
  path: string,
  body?: unknown,
  key?: string,
  headers?: Record<string, string>,
) {
  return conforms(await spool.call(method, path, body, key, headers), method, template);
}

test("every REST answer of a full walk is declared and matches its schema", async () => {
  type Obj = Record<string, unknown>;
  const thread = (await call("POST", "/v1/threads", "/v1/threads", {
    end_user_id: "alice",
    metadata: { color: "blue" },
  })) as Obj;
  const t = `/v1/threads/${thread.id}`;
  await call("GET", "/v1/threads", "/v1/threads?limit=1");
  await call("GET", "/v1/threads/{id}", t);
  await call("PATCH", "/v1/threads/{id}", t, { metadata: { color: "red" } });
  const m = "/v1/threads/{id}/messages";
  await call("POST", m, `${t}/messages`, { content: "hello", request_id: "r1" });
  await call("POST", m, `${t}/messages`, { content: "hi [chunks=3]", model: "spool/echo" });
  await call("GET", m, `${t}/messages?limit=2&include=tools`);
  await call("GET", m, `${t}/messages?format=ui`);
  await call("GET", "/v1/threads/{id}/messages/{seq}", `${t}/messages/2`);
  await call("POST", "/v1/threads/{id}/messages/{seq}/cancel", `${t}/messages/2/cancel`);
  await call("GET", "/v1/search", "/v1/search?q=hello");
  await call("GET", "/v1/threads/{id}/search", `${t}/search?q=hello&semantic_ratio=0`);
  await call("GET", "/v1/usage", "/v1/usage?end_user_id=alice");
  await call("GET", "/v1/models", "/v1/models");
  await call("GET", "/healthz", "/healthz");
  await call("GET", "/readyz", "/readyz");
  await call("GET", "/metrics", "/metrics");
  const token = (await call("POST", "/v1/end_user_tokens", "/v1/end_user_tokens", {
    end_user_id: "alice",
    ttl_seconds: 600,
  })) as Obj;
  await call("GET", "/v1/threads", "/v1/threads", undefined, token.token as string);

  const tool = { name: "lookup", input_schema: { type: "object" }, url: "https://example.com/t" };
  await call("POST", "/v1/tools", "/v1/tools", { ...tool, secret: "0123456789abcdef" });
  await call("GET", "/v1/tools", "/v1/tools");
  await call("GET", "/v1/tools/{name}", "/v1/tools/lookup");
  await call("DELETE", "/v1/tools/{name}", "/v1/tools/lookup");

  const created = (await call(
    "POST",
    "/v1/admin/tenants",
    "/v1/admin/tenants",
    { name: "acme" },
    ADMIN_KEY,
  )) as { tenant: Obj };
  const keys = `/v1/admin/tenants/${created.tenant.id}/keys`;
  await call("GET", "/v1/admin/tenants/{tenant}/keys", keys, undefined, ADMIN_KEY);
  const issued = (await call("POST", "/v1/admin/tenants/{tenant}/keys", keys, {}, ADMIN_KEY)) as {
    key: Obj;
  };
  await call(
    "DELETE",
    "/v1/admin/tenants/{tenant}/keys/{key}",
    `${keys}/${issued.key.id}`,
    undefined,
    ADMIN_KEY,
  );
  await call("DELETE", "/v1/threads/{id}", t);
}, 60_000);

test("the errors a client can provoke are declared and shaped as the document says", async () => {
  const thread = (await spool.json("POST", "/v1/threads", { end_user_id: "bob" })).body;
  const t = `/v1/threads/${thread.id}`;
  const m = "/v1/threads/{id}/messages";
  await call("GET", "/v1/threads/{id}", t, undefined, "sk_wrong");
  await call("GET", "/v1/threads/{id}", "/v1/threads/thr_missing");
  await call("GET", "/v1/threads", "/v1/threads?limit=0");
  await call("GET", "/v1/threads", "/v1/threads?cursor=forged");
  await call("POST", "/v1/threads", "/v1/threads", { end_user_id: "x", nope: 1 });
  await call("POST", "/v1/threads", "/v1/threads", "{not json");
  const big = JSON.stringify({ content: "x".repeat(11 * 1024 * 1024) });
  await call("POST", m, `${t}/messages`, big, undefined, { "content-length": String(big.length) });
  await call("POST", m, `${t}/messages`, { content: "a", if_last_seq: 5 });
  await call("POST", m, `${t}/messages`, { content: "a", request_id: "same" });
  await call("POST", m, `${t}/messages`, { content: "b", request_id: "same" });
  await call("GET", "/v1/threads/{id}/stream", `${t}/stream?after=nonsense`);
  await call("POST", "/v1/threads/{id}/tool_results", `${t}/tool_results`, {
    tool_use_id: "toolu_unknown",
    content: "x",
  });
  const token = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "bob" })).body;
  await call(
    "POST",
    "/v1/end_user_tokens",
    "/v1/end_user_tokens",
    { end_user_id: "bob" },
    token.token as string,
  );
  await call("POST", "/v1/admin/tenants", "/v1/admin/tenants", { name: "x" }, "adm_wrong");
  for (const status of ["400", "401", "404", "409", "413", "422"])
    expect(
      [...seen].some((s) => s.endsWith(` ${status}`)),
      `no ${status} provoked`,
    ).toBe(true);
}, 60_000);

/** A body each operation accepts, so that a missing credential is what the answer is about. */
const SAMPLE_BODIES: Record<string, unknown> = {
  createThread: {},
  updateThread: { metadata: {} },
  sendMessage: { content: "x" },
  submitToolResult: { tool_use_id: "toolu_x", content: "x" },
  registerTool: {
    name: "probe",
    input_schema: { type: "object" },
    url: "https://example.com/t",
    secret: "0123456789abcdef",
  },
  createEndUserToken: { end_user_id: "probe" },
  createTenant: { name: "probe" },
  createTenantKey: {},
  importMessages: { messages: [{ role: "user", content: "x" }] },
  forkThread: { at_seq: 1 },
  regenerateMessage: {},
};

test("each operation's declared security is what the server enforces", async () => {
  const endUser = (await spool.json("POST", "/v1/end_user_tokens", { end_user_id: "sec" })).body
    .token as string;
  type Op = { operationId: string; "x-spool-access": string; requestBody?: unknown };
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as unknown as Record<string, Op>).map(([method, op]) => ({
      path,
      method,
      op,
    })),
  );
  let checked = 0;
  for (const { path, method, op } of ops) {
    if (path === "/v1/ws") continue; // upgrades first, closes 4001: test/integration/stream-frames
    const url = path.replace(/\{[^}]+\}/g, "probe_x");
    const known = op.operationId in SAMPLE_BODIES;
    const body = op.requestBody ? (SAMPLE_BODIES[op.operationId] ?? {}) : undefined;
    const status = async (key?: string) => {
      const init: RequestInit = { method: method.toUpperCase(), headers: {} };
      const headers = init.headers as Record<string, string>;
      if (key) headers.authorization = `Bearer ${key}`;
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const response = await spool.runtime.app.handle(new Request(`http://localhost${url}`, init));
      await response.arrayBuffer();
      return response.status;
    };
    const where = `${method.toUpperCase()} ${path}`;
    const anonymous = await status();
    const access = op["x-spool-access"];
    if (access === "public") expect(anonymous, where).not.toBe(401);
    else if (known || body === undefined)
      expect(anonymous, `${where} without credential`).toBe(401);
    else expect([401, 422], `${where} without credential`).toContain(anonymous);
    if (access === "any_key" || access === "stream")
      expect(await status(endUser), `${where} with an end-user token`).not.toBe(401);
    if (access === "secret_key") {
      expect(await status(endUser), `${where} with an end-user token`).toBe(401);
      expect(await status(spool.secretKey), `${where} with the secret key`).not.toBe(401);
    }
    if (access === "admin") {
      expect(await status(spool.secretKey), `${where} with a secret key`).toBe(401);
      expect(await status(ADMIN_KEY), `${where} with the admin key`).not.toBe(401);
    }
    checked++;
  }
  expect(checked).toBeGreaterThan(25);
}, 60_000);
