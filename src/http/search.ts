/**
 * `GET /v1/search` and `GET /v1/threads/:id/search`: hybrid search over the tenant's messages,
 * always filtered by tenant and end user (an end-user token searches its own messages only).
 * Cursors are signed offsets bound to the query, so a page of one search cannot continue another.
 */
import { createHash } from "node:crypto";
import { Elysia, t } from "elysia";
import type { AuthContext } from "../domain/auth-context.ts";
import { intField } from "../domain/cursor.ts";
import { DEFAULT_SEMANTIC_RATIO } from "../domain/search-fusion.ts";
import type { SearchQuery } from "../ports/search.ts";
import { InvalidRequestError } from "../protocol/errors.ts";
import { authenticate, effectiveEndUser, loadThread } from "./auth.ts";
import { parseIncludeTools, parseLimit } from "./query.ts";
import type { Services } from "./services.ts";

/** Meilisearch's own default, and a fair mix: exact terms and paraphrases both surface. */
const SEARCH_LIMIT_DEFAULT = 20;
const SEARCH_LIMIT_MAX = 100;
const MAX_QUERY_CHARS = 1000;

const SearchQuerySchema = t.Object({
  q: t.Optional(t.String()),
  end_user_id: t.Optional(t.String()),
  thread_id: t.Optional(t.String()),
  role: t.Optional(t.String()),
  from: t.Optional(t.String()),
  to: t.Optional(t.String()),
  include: t.Optional(t.String()),
  limit: t.Optional(t.String()),
  cursor: t.Optional(t.String()),
  semantic_ratio: t.Optional(t.String()),
});
type RawQuery = typeof SearchQuerySchema.static;

function parseRatio(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SEMANTIC_RATIO;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidRequestError("semantic_ratio must be a number from 0 to 1.", "semantic_ratio");
  }
  return value;
}

function parseDate(raw: string | undefined, param: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Date.parse(raw);
  if (Number.isNaN(value))
    throw new InvalidRequestError(`${param} must be an ISO-8601 date.`, param);
  return value;
}

function parseRole(raw: string | undefined): SearchQuery["role"] {
  if (raw === undefined || raw === "user" || raw === "assistant" || raw === "tool") return raw;
  throw new InvalidRequestError("role must be user, assistant or tool.", "role");
}

async function runSearch(
  services: Services,
  auth: AuthContext,
  query: RawQuery,
  threadId?: string,
) {
  const q = (query.q ?? "").trim();
  if (!q || q.length > MAX_QUERY_CHARS)
    throw new InvalidRequestError(`q must have 1 to ${MAX_QUERY_CHARS} characters.`, "q");
  const endUserId = effectiveEndUser(auth, query.end_user_id);
  const limit = parseLimit(query.limit, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX);
  const semanticRatio = parseRatio(query.semantic_ratio);
  const filters = {
    q,
    endUserId,
    threadId,
    role: query.role,
    from: query.from,
    to: query.to,
    include: query.include,
    semanticRatio,
  };
  const scope = {
    kind: "search",
    tenantId: auth.tenantId,
    scope: createHash("sha256").update(JSON.stringify(filters)).digest("base64url"),
  };
  const offset = query.cursor ? intField(services.cursors.decode(scope, query.cursor), "o") : 0;
  const vector = semanticRatio > 0 ? ((await services.embedder.embed([q]))[0] ?? null) : null;
  const from = parseDate(query.from, "from");
  const to = parseDate(query.to, "to");
  const role = parseRole(query.role);
  const { hits, hasMore } = await services.search.search({
    tenantId: auth.tenantId,
    ...(endUserId === undefined ? {} : { endUserId }),
    ...(threadId === undefined ? {} : { threadId }),
    ...(role === undefined ? {} : { role }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    includeTools: parseIncludeTools(query.include),
    q,
    vector,
    semanticRatio,
    limit,
    offset,
  });
  return {
    object: "list" as const,
    data: hits.map((hit) => ({
      object: "search_hit",
      ...hit,
      created_at: new Date(hit.created_at).toISOString(),
    })),
    has_more: hasMore,
    next_cursor: hasMore ? services.cursors.encode(scope, { o: offset + hits.length }) : null,
  };
}

export function searchRoutes(services: Services) {
  const detail = {
    summary: "Hybrid search over messages",
    description:
      "Keyword (BM25) and semantic (embeddings) evidence fused into one relevance score with a floor, " +
      "so a query that nothing answers returns no hits; semantic_ratio 0 is " +
      `keyword only, 1 semantic only (default ${DEFAULT_SEMANTIC_RATIO}). Snippets are HTML-escaped with ` +
      "<mark>…</mark> around matches. include=tools also searches tool calls and results.",
  };
  return new Elysia()
    .get(
      "/v1/search",
      async ({ request, query }) => {
        const auth = await authenticate(services, request);
        if (query.thread_id) await loadThread(services, auth, query.thread_id);
        return runSearch(services, auth, query, query.thread_id);
      },
      { query: SearchQuerySchema, detail },
    )
    .get(
      "/v1/threads/:id/search",
      async ({ request, params, query }) => {
        const auth = await authenticate(services, request);
        const thread = await loadThread(services, auth, params.id);
        return runSearch(services, auth, query, thread.id);
      },
      { query: SearchQuerySchema, detail: { ...detail, summary: "Search one thread" } },
    );
}
