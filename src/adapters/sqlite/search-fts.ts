/**
 * FTS5 side of the SQLite search index: the scope tokens written into each document's `scope`
 * column and the safe MATCH expression built from a user's query. Scope tokens let FTS5 intersect
 * a query with one end user's or thread's documents inside the index (short posting lists); the
 * tenant has none: ANDing a list as long as the tenant measured 5x slower on a one-tenant index.
 * The SQL filters still enforce every scope on their own.
 */
import { createHash } from "node:crypto";
import { STOP_WORDS, words } from "../../domain/search-text.ts";

/** A query's first 32 words: enough for any real search, bounded work for a pasted essay. */
const MAX_QUERY_WORDS = 32;

/**
 * `<letter><decimal digits>`: one unicode61 token that Porter leaves alone (it only strips letter
 * suffixes). 48 bits of SHA-256: a collision costs a wasted candidate, never a leak.
 */
export function scopeToken(kind: "u" | "h", value: string): string {
  const hex = createHash("sha256").update(value).digest("hex").slice(0, 12);
  return `${kind}${Number.parseInt(hex, 16)}`;
}

export function documentScope(doc: { end_user_id: string | null; thread_id: string }): string {
  const tokens = [scopeToken("h", doc.thread_id)];
  if (doc.end_user_id !== null) tokens.push(scopeToken("u", doc.end_user_id));
  return tokens.join(" ");
}

/** A query word as an FTS5 string: the tokenizer splits it ("ERR_CONN" → phrase "err conn"). */
const quoted = (raw: string) => `"${raw.replaceAll('"', '""')}"`;

/** Whitespace-separated words of the query that contain a letter or digit, stop words dropped. */
function queryWords(q: string): string[] {
  const raw = q.split(/\s+/).filter((w) => words(w).length > 0);
  const content = raw.filter((w) => !words(w).every((t) => STOP_WORDS.has(t)));
  return (content.length > 0 ? content : raw).slice(0, MAX_QUERY_WORDS);
}

/**
 * The MATCH expression: any query word (OR; BM25 ranks documents with more of them first), within
 * the given scope tokens. Null when the query has no searchable word.
 */
export function matchExpression(q: string, scope: string[]): string | null {
  const terms = queryWords(q);
  if (terms.length === 0) return null;
  const anyTerm = `text : (${terms.map(quoted).join(" OR ")})`;
  if (scope.length === 0) return anyTerm;
  return `scope : (${scope.join(" AND ")}) AND ${anyTerm}`;
}
