// Search work per message is bounded: a block is indexed up to MAX_INDEXED_CHARS (never cutting a
// surrogate pair) and embedded up to MAX_EMBEDDED_CHARS; a snippet of a multi-megabyte document
// stored by an earlier version costs a few milliseconds, even when every word matches.
import { describe, expect, test } from "bun:test";
import {
  headChars,
  MAX_EMBEDDED_CHARS,
  MAX_INDEXED_CHARS,
  messageToSearchDocuments,
} from "../../src/domain/search-documents.ts";
import { highlightSnippet } from "../../src/domain/search-snippet.ts";

describe("bounded search work", () => {
  test("a huge block is indexed up to MAX_INDEXED_CHARS, whole characters only", () => {
    const text = `${"x".repeat(MAX_INDEXED_CHARS - 1)}😀 and much more`.repeat(4);
    const [doc] = messageToSearchDocuments({
      tenant_id: "t",
      thread_id: "th",
      seq: 1,
      role: "user",
      content: [{ type: "text", text }],
      model: null,
      end_user_id: null,
      created_at: new Date().toISOString(),
    });
    // The emoji's high surrogate sits at the cut: it goes whole or not at all.
    expect(doc!.text.length).toBe(MAX_INDEXED_CHARS - 1);
    expect(headChars("ab😀", 3)).toBe("ab");
    expect(headChars("short", MAX_EMBEDDED_CHARS)).toBe("short");
    expect(MAX_EMBEDDED_CHARS).toBeLessThan(MAX_INDEXED_CHARS);
  });

  test("a snippet of a 4 MB document where every word matches takes milliseconds", () => {
    const big = `${"word ".repeat(800_000)}needle`;
    highlightSnippet(big, "word"); // warm up the JIT
    const started = performance.now();
    const snippet = highlightSnippet(big, "needle word");
    const ms = performance.now() - started;
    console.log(`snippet of 4 MB, every word a match: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(100);
    expect(snippet).toContain("<mark>word</mark>");
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThan(1000);
  });
});
