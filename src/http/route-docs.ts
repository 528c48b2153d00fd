/**
 * How a route declares its contract for the OpenAPI document: `...routeDoc({...})` in the route's
 * options gives tag, operationId, security, every success and error status with its schema (from
 * src/protocol/), and extra parameters. Declared in `detail` only, never as Elysia `response:`:
 * Elysia would validate every answer at run time, turning a drift into a client-facing 4xx and
 * costing ~15% on a 200-message page; test/openapi-responses.test.ts checks real answers instead.
 */
import { Kind, type TSchema } from "@sinclair/typebox";
import type { DocumentDecoration } from "elysia";
import { errorBodySchema, errorCodesFor } from "../protocol/error-schemas.ts";

/**
 * Who may call: `public` (no credential), `secret_key` (the tenant's `sk_…` only), `any_key`
 * (`sk_…` or an end-user token `eut_…`), `stream` (as any_key, also `?token=` for browsers),
 * `admin` (the configured ADMIN_KEY).
 */
export type Access = "public" | "secret_key" | "any_key" | "stream" | "admin";

export const TAGS = [
  { name: "threads", description: "Threads: create, list, read, update, delete." },
  { name: "messages", description: "Send, history, cancel, client tool results." },
  { name: "streaming", description: "SSE and WebSocket (see docs/events.md, asyncapi.yaml)." },
  { name: "search", description: "Hybrid search over the tenant's messages." },
  { name: "tools", description: "Tenant HTTP tools Spool calls itself (secret key only)." },
  { name: "auth", description: "End-user tokens for browsers." },
  { name: "usage", description: "Token usage totals." },
  { name: "models", description: "Configured models." },
  { name: "admin", description: "Tenants and secret keys (admin key)." },
  { name: "operations", description: "Health, readiness, metrics, admin pages." },
  {
    name: "compat",
    description: "OpenAI-, Anthropic- and AI SDK-compatible endpoints (their own error shapes).",
  },
] as const;
export type Tag = (typeof TAGS)[number]["name"];

/** A success answer: a JSON schema, or a described one with another media type (or no body). */
export interface SuccessDoc {
  description: string;
  /** None of the three: an answer without a body (204). */
  /** JSON body. */
  json?: TSchema;
  /** `text/event-stream`: the schema of each event's `data:`. */
  eventStream?: TSchema;
  /** Another media type with a string body (`text/plain`, `text/html`). */
  text?: string;
  /** Response headers worth declaring (`Spool-Thread-Id`…): name → description. */
  headers?: Record<string, string>;
}

export interface RouteDocSpec {
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** Success statuses: a schema (JSON) or a SuccessDoc. */
  responses: Record<number, TSchema | SuccessDoc>;
  /** Error statuses this route produces beyond the ones its access implies (see defaultErrors). */
  errors?: number[];
  /** Parameters Elysia does not know (headers, query read by hand), OpenAPI parameter objects. */
  parameters?: Record<string, unknown>[];
  /**
   * The error body of a foreign protocol (compatibility endpoints answer in OpenAI's or
   * Anthropic's shape) instead of Spool's `{error:{type, code, message}}`.
   */
  errorBody?: TSchema;
}

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  secret_key: [{ secretKey: [] }],
  any_key: [{ secretKey: [] }, { endUserToken: [] }],
  stream: [{ secretKey: [] }, { endUserToken: [] }, { tokenQuery: [] }],
  admin: [{ adminKey: [] }],
};

export const SECURITY_SCHEMES = {
  secretKey: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "sk_…",
    description: "A tenant's secret key: full access to the tenant's data. Server side only.",
  },
  endUserToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "eut_…",
    description:
      "An end-user token minted with POST /v1/end_user_tokens: only that end user's threads.",
  },
  tokenQuery: {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "The same credential as `?token=`, for EventSource and WebSocket in browsers.",
  },
  adminKey: {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_KEY of the configuration (or as the HTTP Basic password on pages).",
  },
};

/** Errors every route with this access can answer. */
export function defaultErrors(access: Access): number[] {
  if (access === "public") return [500];
  if (access === "any_key" || access === "stream") return [401, 429, 500, 503];
  return [401, 500, 503];
}

const ERROR_SCHEMAS = new Map<number, TSchema>();
/** One schema object per status, so the generators can name it (`Error404`). */
export function errorSchema(status: number): TSchema {
  let schema = ERROR_SCHEMAS.get(status);
  if (!schema) {
    schema = errorBodySchema(status);
    ERROR_SCHEMAS.set(status, schema);
  }
  return schema;
}

const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
};
const RATE_LIMIT_HEADERS = {
  ...RETRY_AFTER,
  "RateLimit-Limit": { description: "The bucket's size.", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "Requests left now.", schema: { type: "integer" } },
  "RateLimit-Reset": {
    description: "Seconds until the bucket is full.",
    schema: { type: "integer" },
  },
};

function errorResponse(status: number, foreign: TSchema | undefined) {
  const codes = errorCodesFor(status)
    .map((c) => `\`${c}\``)
    .join(", ");
  const headers = status === 429 ? RATE_LIMIT_HEADERS : status === 503 ? RETRY_AFTER : undefined;
  return {
    description: foreign ? `Error (status ${status}).` : `Error: ${codes}.`,
    ...(headers ? { headers } : {}),
    content: { "application/json": { schema: foreign ?? errorSchema(status) } },
  };
}

function successResponse(status: number, doc: TSchema | SuccessDoc) {
  if (Kind in doc) {
    const schema = doc as TSchema;
    return {
      description: schema.description ?? schema.title ?? `Status ${status}`,
      content: { "application/json": { schema } },
    };
  }
  const spec = doc as SuccessDoc;
  const content: Record<string, unknown> = {};
  if (spec.json) content["application/json"] = { schema: spec.json };
  if (spec.eventStream) content["text/event-stream"] = { schema: spec.eventStream };
  if (spec.text) content[spec.text] = { schema: { type: "string" } };
  const headers = spec.headers
    ? Object.fromEntries(
        Object.entries(spec.headers).map(([name, description]) => [
          name,
          { description, schema: { type: "string" } },
        ]),
      )
    : undefined;
  return {
    description: spec.description,
    ...(headers ? { headers } : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

/** The route options fragment: `{ body, ...routeDoc({...}) }`. */
export function routeDoc(spec: RouteDocSpec): { detail: DocumentDecoration } {
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(spec.responses))
    responses[status] = successResponse(Number(status), doc);
  const errors = [...new Set([...defaultErrors(spec.access), ...(spec.errors ?? [])])];
  for (const status of errors.sort((a, b) => a - b))
    responses[String(status)] = errorResponse(status, spec.errorBody);
  const detail = {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    security: SECURITY[spec.access],
    responses,
    ...(spec.parameters ? { "x-spool-parameters": spec.parameters } : {}),
    "x-spool-access": spec.access,
    ...(spec.errorBody ? { "x-spool-foreign-errors": true } : {}),
  };
  // The responses hold TypeBox schemas; openapi.ts turns them into $refs when it builds the document.
  return { detail: detail as unknown as DocumentDecoration };
}

/** The `Idempotency-Key` header of a send (the same as `request_id`). */
export const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Same as the body's `request_id`; a retry with it gets the original turn back.",
  schema: { type: "string", minLength: 1, maxLength: 255 },
};

/** Where an SSE stream resumes, and the browser credential. */
export const STREAM_PARAMETERS = [
  {
    name: "after",
    in: "query",
    required: false,
    description:
      "Resume after this cursor (`<seq>:<offset>`). Without it: from the start of the running " +
      "message, or live when the thread is idle.",
    schema: { type: "string", pattern: "^[0-9]+:[0-9]+$", examples: ["4:17"] },
  },
  {
    name: "Last-Event-ID",
    in: "header",
    required: false,
    description: "Sent by a reconnecting EventSource; the same as `after`, and wins over it.",
    schema: { type: "string", pattern: "^[0-9]+:[0-9]+$" },
  },
  {
    name: "token",
    in: "query",
    required: false,
    description: "The credential, for EventSource (which cannot send headers).",
    schema: { type: "string" },
  },
];
