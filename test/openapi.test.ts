// The committed openapi.yaml must be what the routes serve (`npm run openapi` refreshes it), and
// every operation must declare its contract: a readable operationId, a tag, its security, its
// success status with a schema, and each error status its access, body and parameters imply.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { openApiDocument, openApiYaml } from "../src/http/openapi.ts";
import { TAGS } from "../src/http/route-docs.ts";

type Response = { description?: string; content?: Record<string, { schema?: unknown }> };
type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, Response>;
  "x-spool-access"?: string;
  "x-spool-foreign-errors"?: boolean;
};

const doc = await openApiDocument();
const paths = doc.paths as Record<string, Record<string, Operation>>;
const operations = Object.entries(paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);

test("openapi.yaml is up to date with the routes (run `npm run openapi`)", async () => {
  const committed = readFileSync(new URL("../openapi.yaml", import.meta.url), "utf8");
  expect(committed).toBe(await openApiYaml());
});

test("the document lists the API.md endpoints and hides internal pages", () => {
  for (const path of [
    "/v1/threads",
    "/v1/threads/{id}",
    "/v1/threads/{id}/messages",
    "/v1/threads/{id}/messages/{seq}",
    "/v1/threads/{id}/messages/{seq}/cancel",
    "/v1/threads/{id}/tool_results",
    "/v1/threads/{id}/stream",
    "/v1/search",
    "/v1/end_user_tokens",
    "/v1/ws",
    "/v1/models",
    "/healthz",
    "/readyz",
    "/metrics",
    "/admin/queues",
  ]) {
    expect(Object.keys(paths)).toContain(path);
  }
  expect(Object.keys(paths).some((p) => p.startsWith("/docs") || p.startsWith("/internal"))).toBe(
    false,
  );
  expect(doc.openapi).toBe("3.1.1");
});

test("every operation has a readable unique operationId, a known tag and its security", () => {
  const ids = operations.map(({ op }) => op.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  const tags = new Set<string>(TAGS.map((t) => t.name));
  for (const { path, method, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`;
    // Elysia's generated ids look like getV1ThreadsById: a route without routeDoc has one.
    expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
    expect(op.operationId, where).not.toMatch(/V1|By[A-Z]/);
    expect(op.tags?.length, where).toBe(1);
    expect(tags.has(op.tags![0]!), where).toBe(true);
    expect(Array.isArray(op.security), where).toBe(true);
  }
});

test("security: public probes, admin key for admin routes, secret key only where required", () => {
  const security = (path: string, method = "get") =>
    paths[path]![method]!.security!.flatMap((s) => Object.keys(s)).sort();
  for (const path of ["/healthz", "/readyz", "/metrics", "/v1/models"])
    expect(security(path)).toEqual([]);
  expect(security("/v1/admin/tenants", "post")).toEqual(["adminKey"]);
  expect(security("/admin/queues")).toEqual(["adminKey"]);
  for (const { path, op } of operations.filter((o) => o.path.startsWith("/v1/admin")))
    expect(op.security, path).toEqual([{ adminKey: [] }]);
  expect(security("/v1/end_user_tokens", "post")).toEqual(["secretKey"]);
  expect(security("/v1/tools", "post")).toEqual(["secretKey"]);
  expect(security("/v1/threads/{id}")).toEqual(["endUserToken", "secretKey"]);
  expect(security("/v1/threads/{id}/stream")).toEqual(["endUserToken", "secretKey", "tokenQuery"]);
  const schemes = (doc.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
  expect(Object.keys(schemes).sort()).toEqual([
    "adminKey",
    "endUserToken",
    "secretKey",
    "tokenQuery",
  ]);
  expect(doc.security).toBeUndefined();
});

/** What an operation must declare, from what it is (the rules of docs/rest.md § Errors). */
function requiredStatuses(path: string, op: Operation): string[] {
  const required = new Set<string>();
  const access = op["x-spool-access"];
  if (access !== "public") required.add("401");
  if (access === "any_key" || access === "stream") required.add("429");
  if (op.requestBody) for (const s of ["400", "413", "422"]) required.add(s);
  if (path.includes("{")) required.add("404");
  if (op.parameters?.some((p) => p.in === "query")) required.add("400");
  required.add("500");
  return [...required];
}

test("every operation declares its success status and every error it can return, with schemas", () => {
  for (const { path, method, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`;
    const responses = op.responses ?? {};
    const statuses = Object.keys(responses);
    expect(
      statuses.some((s) => s.startsWith("2") || s === "101"),
      `${where}: no success response`,
    ).toBe(true);
    if (path === "/v1/ws" || path === "/admin/queues") continue; // not JSON APIs: checked below
    for (const status of requiredStatuses(path, op))
      expect(statuses, `${where} must declare ${status}`).toContain(status);
    for (const [status, response] of Object.entries(responses)) {
      const media = Object.values(response.content ?? {});
      if (status === "204") continue; // no body by definition
      expect(media.length, `${where} ${status}: no content`).toBeGreaterThan(0);
      for (const m of media) expect(m.schema, `${where} ${status}: no schema`).toBeDefined();
      // /readyz answers 503 with {status:"unavailable", reason}; compatibility endpoints answer
      // errors in their protocol's shape (routeDoc's errorBody).
      const ownBody =
        (path === "/readyz" && status === "503") || op["x-spool-foreign-errors"] === true;
      if ((status.startsWith("4") || status.startsWith("5")) && !ownBody)
        expect(response.content?.["application/json"]?.schema, `${where} ${status}`).toEqual({
          $ref: `#/components/schemas/Error${status}`,
        });
    }
  }
  const ws = paths["/v1/ws"]!.get!;
  expect(Object.keys(ws.responses!)).toEqual(expect.arrayContaining(["101", "426"]));
  expect(ws.parameters?.map((p) => p.name)).toEqual(["token"]);
});

test("creates answer 201, the send 200 JSON or an event stream, and 201 when it only appends", () => {
  const success = (path: string, method: string) =>
    Object.keys(paths[path]![method]!.responses!).filter((s) => s.startsWith("2"));
  expect(success("/v1/threads", "post")).toEqual(["201"]);
  expect(success("/v1/end_user_tokens", "post")).toEqual(["201"]);
  expect(success("/v1/admin/tenants", "post")).toEqual(["201"]);
  expect(success("/v1/admin/tenants/{tenant}/keys", "post")).toEqual(["201"]);
  const send = paths["/v1/threads/{id}/messages"]!.post!.responses!;
  expect(Object.keys(send["200"]!.content!).sort()).toEqual([
    "application/json",
    "text/event-stream",
  ]);
  expect(send["200"]!.content!["text/event-stream"]!.schema).toEqual({
    $ref: "#/components/schemas/StreamEvent",
  });
  expect(send["201"]!.content!["application/json"]!.schema).toEqual({
    $ref: "#/components/schemas/AppendResult",
  });
  const sendParams = paths["/v1/threads/{id}/messages"]!.post!.parameters!;
  expect(sendParams.map((p) => `${p.in}:${p.name}`)).toContain("header:Idempotency-Key");
});

test("the stream route documents after, Last-Event-ID and token, and answers text/event-stream", () => {
  const stream = paths["/v1/threads/{id}/stream"]!.get!;
  expect(stream.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual([
    "path:id",
    "query:after",
    "header:Last-Event-ID",
    "query:token",
  ]);
  expect(Object.keys(stream.responses!["200"]!.content!)).toEqual(["text/event-stream"]);
});

test("request bodies are JSON only, and every $ref points at a declared component", () => {
  const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
  for (const { path, op } of operations) {
    if (op.requestBody)
      expect(Object.keys(op.requestBody.content!), path).toEqual(["application/json"]);
  }
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)];
  expect(refs.length).toBeGreaterThan(50);
  for (const [, name] of refs) expect(schemas[name!], name).toBeDefined();
});
