/**
 * `/v1/tools`: a tenant registers the HTTP tools Spool may call in `tools_mode: "tenant"` turns.
 * Secret key only (an end user must not point Spool at URLs). POST with an existing name replaces
 * that tool (PUT semantics, so re-deploying a tool is one idempotent call).
 */
import { Elysia } from "elysia";
import type { ToolRecord } from "../ports/tool-registry.ts";
import { NotFoundError } from "../protocol/errors.ts";
import { DeletedToolSchema, ToolListSchema } from "../protocol/resources.ts";
import { RegisterToolBodySchema, type WireTool, WireToolSchema } from "../protocol/tools.ts";
import { authenticate, requireSecretKey } from "./auth.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";

/** How Spool calls a registered tool; shown on the OpenAPI page. */
const CALL_CONTRACT = [
  'In a send with `tools_mode: "tenant"`, Spool POSTs each call to the tool\'s `url` with JSON',
  "`{id, name, input, thread_id, seq, end_user_id}` and headers `Spool-Signature: t=<unix s>,",
  'v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` and `Idempotency-Key: <thread_id>:<seq>:<id>`',
  "(the same on every retry: dedupe on it). Verify the signature over the raw body in constant",
  "time and refuse a `t` older than 300 s. Answer 2xx with `{content, is_error?}` (or any text).",
  "Connection errors, 5xx and 429 are retried (3 attempts, Retry-After honoured up to 5 s); a",
  "timeout (TOOL_CALL_TIMEOUT_MS, default 30 s) is not. Failures reach the model, and the",
  "thread, as `is_error: true` tool results. A turn makes at most 8 model calls, and a message at",
  "most 8 tool calls (more get `tool_call_limit` results). The URL must reach public addresses",
  "only (checked here and on every connection; `destination_not_allowed`), unless TOOL_URL_ALLOW",
  "names the host or a CIDR; redirects are not followed; at most 1 MiB of answer is read. Inputs",
  "are validated against `input_schema` first (`invalid_tool_input`, no call made).",
].join(" ");

export function toWireTool(tool: ToolRecord): WireTool {
  return {
    object: "tool",
    name: tool.name,
    description: tool.description,
    input_schema: tool.input_schema,
    url: tool.url,
    created_at: new Date(tool.created_at).toISOString(),
    updated_at: new Date(tool.updated_at).toISOString(),
  };
}

async function secretAuth(services: Services, request: Request) {
  const auth = await authenticate(services, request);
  requireSecretKey(auth);
  return auth;
}

export function toolRoutes(services: Services) {
  return new Elysia({ prefix: "/v1/tools" })
    .post(
      "/",
      async ({ request, body }) => {
        const auth = await secretAuth(services, request);
        await services.toolRules.check(body);
        const now = Date.now();
        const stored = await services.tools.put({
          tenant_id: auth.tenantId,
          name: body.name,
          description: body.description ?? null,
          input_schema: body.input_schema,
          url: body.url,
          secret: body.secret,
          created_at: now,
          updated_at: now,
        });
        return toWireTool(stored);
      },
      {
        body: RegisterToolBodySchema,
        ...routeDoc({
          operationId: "registerTool",
          tag: "tools",
          summary: "Register (or replace) a tenant tool",
          description: CALL_CONTRACT,
          access: "secret_key",
          responses: { 200: WireToolSchema },
          errors: [400, 413, 422],
        }),
      },
    )
    .get(
      "/",
      async ({ request }) => {
        const auth = await secretAuth(services, request);
        const tools = await services.tools.list(auth.tenantId);
        return {
          object: "list" as const,
          data: tools.map(toWireTool),
          has_more: false,
          next_cursor: null,
        };
      },
      routeDoc({
        operationId: "listTools",
        tag: "tools",
        summary: "List the tenant's tools (secrets are never returned)",
        access: "secret_key",
        responses: { 200: ToolListSchema },
      }),
    )
    .get(
      "/:name",
      async ({ request, params }) => {
        const auth = await secretAuth(services, request);
        const tool = await services.tools.get(auth.tenantId, params.name);
        if (!tool) throw new NotFoundError("tool");
        return toWireTool(tool);
      },
      routeDoc({
        operationId: "getTool",
        tag: "tools",
        summary: "One tenant tool",
        access: "secret_key",
        responses: { 200: WireToolSchema },
        errors: [404],
      }),
    )
    .delete(
      "/:name",
      async ({ request, params }) => {
        const auth = await secretAuth(services, request);
        if (!(await services.tools.delete(auth.tenantId, params.name)))
          throw new NotFoundError("tool");
        return { object: "tool", name: params.name, deleted: true };
      },
      routeDoc({
        operationId: "deleteTool",
        tag: "tools",
        summary: "Delete a tenant tool",
        access: "secret_key",
        responses: { 200: DeletedToolSchema },
        errors: [404],
      }),
    );
}
