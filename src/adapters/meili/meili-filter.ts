/**
 * Meilisearch filter expressions and document ids for the search index. Values are always quoted
 * and escaped (`\` and `"`, Meilisearch ≥ 1.4 rules), so an id from a request can never widen a
 * filter. Document ids may use only [A-Za-z0-9_-]: the port's `<thread>:<seq>:<block>` id, scoped
 * by tenant, is encoded into that alphabet injectively.
 */
import type { SearchQuery } from "../../ports/search.ts";

/** `"value"` with backslashes and double quotes escaped for a Meilisearch filter. */
export function quoteFilterValue(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

export function equals(attribute: string, value: string): string {
  return `${attribute} = ${quoteFilterValue(value)}`;
}

/** The filter of a query: tenant always, then whatever else the query narrows to. */
export function queryFilter(query: SearchQuery): string {
  const clauses = [equals("tenant_id", query.tenantId)];
  if (query.endUserId !== undefined) clauses.push(equals("end_user_id", query.endUserId));
  if (query.threadId !== undefined) clauses.push(equals("thread_id", query.threadId));
  if (query.role !== undefined) clauses.push(equals("role", query.role));
  if (query.from !== undefined) clauses.push(`created_at >= ${Math.floor(query.from)}`);
  if (query.to !== undefined) clauses.push(`created_at <= ${Math.floor(query.to)}`);
  if (!query.includeTools) clauses.push(equals("block_type", "text"));
  return clauses.join(" AND ");
}

/**
 * Keeps [A-Za-z0-9-]; any other UTF-16 unit becomes `_` + 4 hex digits. The output never holds
 * `__`, which makes `encode(a) + "__" + encode(b)` injective.
 */
export function encodeIdPart(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    out += /[A-Za-z0-9-]/.test(c) ? c : `_${value.charCodeAt(i).toString(16).padStart(4, "0")}`;
  }
  return out;
}

/** The Meilisearch primary key of a tenant's document. */
export function meiliDocumentKey(tenantId: string, documentId: string): string {
  return `${encodeIdPart(tenantId)}__${encodeIdPart(documentId)}`;
}
