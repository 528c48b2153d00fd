/**
 * Builds the OpenAPI 3.1 document: @elysiajs/openapi's `toOpenAPISchema` turns the routes (paths,
 * path/query parameters, request bodies) into paths; this module then adds what routeDoc declared
 * (responses with `$ref`s into components from src/protocol/, extra parameters), JSON-only request
 * bodies, the security schemes, tags, and the two endpoints that are not Elysia routes.
 */
import { toOpenAPISchema } from "@elysiajs/openapi";
import type { AnyElysia } from "elysia";
import { errorStatuses } from "../protocol/error-schemas.ts";
import { catalogNames, NAMED_SCHEMAS, toRefSchema } from "../protocol/schema-catalog.ts";
import { errorSchema, routeDoc, SECURITY_SCHEMES, STREAM_PARAMETERS, TAGS } from "./route-docs.ts";

export const OPENAPI_VERSION = "3.1.1";
const REF_BASE = "#/components/schemas/";

export const OPENAPI_INFO = {
  title: "Spool API",
  version: "0.1.0",
  description: [
    "Self-hosted backend for AI chat: resumable streams, ordered deduplicated history, tenancy,",
    "search. The prose contract is in the repository's `docs/` (rest.md, events.md, websocket.md);",
    "the stream events and WebSocket frames are also in `asyncapi.yaml`. Errors are",
    "`{error:{type, code, message, param?, request_id?}}`. A body that violates its schema is",
    "`422 validation_failed` with `param`; bad query parameters and unparseable JSON are",
    "`400 invalid_request`.",
  ].join(" "),
};

/** Routes that never appear: the docs themselves, the bull-board mount, node-to-node calls. */
export const EXCLUDED_PATHS = [/^\/docs/, "/openapi.json", /^\/admin\/queues/, /^\/internal/];

type Operation = Record<string, unknown> & {
  parameters?: Record<string, unknown>[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { schema?: unknown }> }
  >;
};

/** Endpoints served outside Elysia's router (the WS upgrade) or by a plugin (bull-board). */
function extraPaths(): Record<string, Record<string, unknown>> {
  const ws = routeDoc({
    operationId: "openWebSocket",
    tag: "streaming",
    summary: "WebSocket: one socket, many threads (frames in asyncapi.yaml, docs/websocket.md)",
    description:
      "Upgrades to a WebSocket. A refused credential still upgrades and closes with 4001, since a " +
      "browser cannot read an HTTP status. Close codes: 4001 unauthorized, 4008 policy, 1009 frame " +
      "too big, 1012 server restarting, 4000 reconnect elsewhere.",
    access: "stream",
    responses: { 101: { description: "Switching Protocols", text: "application/octet-stream" } },
    parameters: STREAM_PARAMETERS.filter((p) => p.name === "token"),
  }).detail as Record<string, unknown>;
  const wsResponses = ws.responses as Record<string, unknown>;
  wsResponses["101"] = { description: "Switching Protocols: the WebSocket is open." };
  wsResponses["426"] = {
    description: "Not a WebSocket upgrade request.",
    content: { "text/plain": { schema: { type: "string" } } },
  };
  for (const status of ["401", "429", "503"]) delete wsResponses[status];
  const queues = routeDoc({
    operationId: "queueDashboard",
    tag: "operations",
    summary: "BullMQ dashboard (bull-board); the admin key as Bearer or HTTP Basic password",
    access: "admin",
    responses: { 200: { description: "The dashboard page.", text: "text/html" } },
  }).detail as Record<string, unknown>;
  delete (queues.responses as Record<string, unknown>)["503"];
  (queues.responses as Record<string, unknown>)["401"] = {
    description: "No or wrong admin key (`WWW-Authenticate: Basic`).",
    content: { "text/plain": { schema: { type: "string" } } },
  };
  return { "/v1/ws": { get: ws }, "/admin/queues": { get: queues } };
}

function finishOperation(operation: Operation, names: Map<unknown, string>): void {
  const extra = operation["x-spool-parameters"] as Record<string, unknown>[] | undefined;
  if (extra) {
    const seen = new Set((operation.parameters ?? []).map((p) => `${p.in}:${p.name}`));
    operation.parameters = [
      ...(operation.parameters ?? []),
      ...extra.filter((p) => !seen.has(`${p.in}:${p.name}`)),
    ];
    delete operation["x-spool-parameters"];
  }
  const json = operation.requestBody?.content?.["application/json"];
  if (operation.requestBody && json) operation.requestBody.content = { "application/json": json };
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    for (const media of Object.values(response.content ?? {})) {
      if (media.schema === undefined) continue;
      const name = names.get(media.schema);
      if (name && response.description === `Status ${status}`) response.description = name;
      media.schema = toRefSchema(media.schema, REF_BASE, names);
    }
  }
}

/**
 * A route with its own body parser (the body guard) loses its JSON body schema in the
 * generator's output (only named parsers get a media type): put the route's body schema back.
 */
function restoreBodies(app: AnyElysia, paths: Record<string, Record<string, Operation>>): void {
  const routes = (
    app as unknown as {
      getGlobalRoutes(): { method: string; path: string; hooks?: { body?: unknown } }[];
    }
  ).getGlobalRoutes();
  for (const route of routes) {
    if (!route.hooks?.body) continue;
    const path = route.path.replace(/:([^/]+)/g, "{$1}").replace(/(.)\/$/, "$1");
    const operation = paths[path]?.[route.method.toLowerCase()];
    const content = operation?.requestBody?.content;
    if (operation?.requestBody && content && !content["application/json"])
      operation.requestBody.content = { "application/json": { schema: route.hooks.body } };
  }
}

function components(names: Map<unknown, string>): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  const all = { ...NAMED_SCHEMAS, ...errorComponents() };
  for (const name of Object.keys(all).sort()) {
    const schema = all[name];
    schemas[name] = toRefSchema(schema, REF_BASE, names, schema);
  }
  return { securitySchemes: SECURITY_SCHEMES, schemas };
}

function errorComponents() {
  return Object.fromEntries(errorStatuses().map((s) => [`Error${s}`, errorSchema(s)]));
}

/** The whole document for the routes of `app` (the root app, or any plugin mounted in it). */
export function buildOpenApiDocument(app: AnyElysia): Record<string, unknown> {
  const names = catalogNames(errorComponents());
  const generated = toOpenAPISchema(
    app,
    { paths: EXCLUDED_PATHS },
    undefined,
    undefined,
    OPENAPI_VERSION,
  );
  const paths: Record<string, Record<string, Operation>> = {};
  // `/v1/tools/` is a prefix's "/" route; Elysia serves it without the slash too.
  for (const [path, item] of Object.entries(
    generated.paths as Record<string, Record<string, Operation>>,
  ))
    paths[path.length > 1 ? path.replace(/\/$/, "") : path] = item;
  for (const [path, item] of Object.entries(extraPaths()))
    paths[path] = item as Record<string, Operation>;
  restoreBodies(app, paths);
  for (const item of Object.values(paths))
    for (const operation of Object.values(item)) finishOperation(operation, names);
  return {
    openapi: OPENAPI_VERSION,
    info: OPENAPI_INFO,
    tags: TAGS,
    paths,
    components: components(names),
  };
}
