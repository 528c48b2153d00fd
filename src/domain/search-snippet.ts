/**
 * Search snippets: a window of about SNIPPET_CHARS around the best match, matched words wrapped in
 * `<mark>…</mark>`. Used by both search adapters so hits look the same whatever the backend.
 * The text around the marks is HTML-escaped: a snippet is safe to insert as HTML, so a message
 * that contains markup cannot inject it into a client's result list.
 */
import { lightStem, queryStems, type WordSpan, wordSpans } from "./search-text.ts";

/** ~160 chars: two lines of a result list, the length search engines show. */
export const SNIPPET_CHARS = 160;
/**
 * The snippet is looked for in the first 32 Ki characters only (what is indexed, domain/
 * search-documents.ts), so a huge document stored by an earlier version costs no more per hit.
 */
export const MAX_SNIPPET_SCAN_CHARS = 32 * 1024;
/** Context kept before the first match so it does not open the snippet cold. */
const LEAD_CHARS = 40;
const ELLIPSIS = "…";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * 256 matches are enough to pick the best window: past them (a text where nearly every word
 * matches) more candidates change nothing a reader would notice and cost quadratic work.
 */
const MAX_WINDOW_CANDIDATES = 256;

type StemmedSpan = WordSpan & { stem: string };

/** Spans of `text` whose stem is one of the query's stems (each stem computed once). */
export function matchedSpans(text: string, query: string): StemmedSpan[] {
  const stems = new Set(queryStems(query));
  if (stems.size === 0) return [];
  const out: StemmedSpan[] = [];
  for (const span of wordSpans(text)) {
    const stem = lightStem(span.word);
    if (stems.has(stem)) out.push({ ...span, stem });
  }
  return out;
}

/** Start offset of the window with the most distinct matched stems (earliest on ties). */
function bestWindowStart(all: StemmedSpan[]): number {
  const matches = all.length > MAX_WINDOW_CANDIDATES ? all.slice(0, MAX_WINDOW_CANDIDATES) : all;
  let best = { start: 0, distinct: -1, count: -1 };
  for (let i = 0; i < matches.length; i++) {
    const first = matches[i]!;
    const seen = new Set<string>();
    let count = 0;
    for (let j = i; j < matches.length; j++) {
      const m = matches[j]!;
      if (m.end - first.start > SNIPPET_CHARS - LEAD_CHARS) break;
      seen.add(m.stem);
      count++;
    }
    if (seen.size > best.distinct || (seen.size === best.distinct && count > best.count)) {
      best = { start: first.start, distinct: seen.size, count };
    }
  }
  return best.start;
}

/** Moves `offset` back to the start of the word it falls in. */
function toWordStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && /[\p{L}\p{N}]/u.test(text[i - 1] ?? "")) i--;
  return i;
}

/** Moves `offset` back to the end of the previous word when it falls inside one. */
function toWordEnd(text: string, offset: number): number {
  if (offset >= text.length) return text.length;
  let i = offset;
  while (i > 0 && /[\p{L}\p{N}]/u.test(text[i] ?? "")) i--;
  return i > 0 ? i : offset;
}

function window(text: string, matches: StemmedSpan[]): { start: number; end: number } {
  if (text.length <= SNIPPET_CHARS) return { start: 0, end: text.length };
  const anchor = matches.length > 0 ? bestWindowStart(matches) : 0;
  let start = toWordStart(text, Math.max(0, anchor - LEAD_CHARS));
  const end = toWordEnd(text, Math.min(text.length, start + SNIPPET_CHARS));
  if (end - start < SNIPPET_CHARS && end === text.length) {
    start = toWordStart(text, Math.max(0, end - SNIPPET_CHARS));
  }
  return { start, end };
}

const tidy = (piece: string) => escapeHtml(piece.replace(/\s+/g, " "));

/** The snippet of `text` for `query`; the start of the text when nothing matches. */
export function highlightSnippet(fullText: string, query: string): string {
  const cut = fullText.length > MAX_SNIPPET_SCAN_CHARS;
  const text = cut ? fullText.slice(0, MAX_SNIPPET_SCAN_CHARS) : fullText;
  const matches = matchedSpans(text, query);
  const { start, end } = window(text, matches);
  let out = start > 0 ? ELLIPSIS : "";
  let cursor = start;
  for (const m of matches) {
    if (m.start < start || m.end > end) continue;
    out +=
      tidy(text.slice(cursor, m.start)) + "<mark>" + tidy(text.slice(m.start, m.end)) + "</mark>";
    cursor = m.end;
  }
  out += tidy(text.slice(cursor, end));
  return (out + (end < text.length || cut ? ELLIPSIS : "")).trim();
}
