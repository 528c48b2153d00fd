/**
 * Benchmark of the embedded search index: `bun test/bench/search-bench.ts [docs]` (not part of
 * `bun test`). Indexes 100,000 generated messages of one tenant (Zipf-distributed words from the
 * built-in embedder's vocabulary, varied lengths, some code-like tokens), then times keyword
 * (ratio 0), hybrid (0.5) and semantic (1.0) searches, next to a bare FTS5 MATCH on a plain FTS5
 * table of the same texts in the same run. Goal: hybrid p99 < 20 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BuiltinEmbedder } from "../../src/adapters/embed/builtin-embedder.ts";
import { openSqlite, type SqliteDb } from "../../src/adapters/sqlite/database.ts";
import { matchExpression } from "../../src/adapters/sqlite/search-fts.ts";
import { SqliteSearchIndex } from "../../src/adapters/sqlite/sqlite-search-index.ts";
import type { SearchDocument } from "../../src/ports/search.ts";

const DOCS = Number(process.argv[2] ?? 100_000);
/** Messages per write: what an embed worker flushing a busy queue would hand the index. */
const BATCH = 500;
const QUERIES = 300;
const TENANT = "ten_bench";
/** Words drawn from the 20k most frequent: everyday chat vocabulary. */
const VOCABULARY = 20_000;

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(words: string[], seed: number) {
  const random = rng(seed);
  // Zipf by inverse CDF over ranks 1..n with exponent 1: rank = n^u (continuous approximation).
  const word = () => words[Math.min(words.length - 1, Math.floor(words.length ** random()) - 1)]!;
  const codeToken = () =>
    ["ERR_", "fix/", "v", "0x", "api."][Math.floor(random() * 5)]! +
    Math.floor(random() * 1e5).toString(36);
  const sentence = () => {
    const n = 4 + Math.floor(random() * 14);
    const parts = Array.from({ length: n }, () => (random() < 0.02 ? codeToken() : word()));
    return `${parts.join(" ")}.`;
  };
  return {
    random,
    word,
    message: () =>
      Array.from({ length: 1 + Math.floor(random() * random() * 8) }, sentence).join(" "),
    query: () =>
      Array.from(
        { length: 2 + Math.floor(random() * 3) },
        () => words[30 + Math.floor(random() * 3000)]!,
      ).join(" "),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(label: string, times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b);
  const fmt = (x: number) => x.toFixed(2).padStart(7);
  console.log(
    `${label.padEnd(44)} p50 ${fmt(percentile(sorted, 50))} ms  p99 ${fmt(percentile(sorted, 99))} ms  max ${fmt(sorted.at(-1)!)} ms`,
  );
}

async function time<T>(fn: () => Promise<T> | T): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function bareFts(db: SqliteDb, texts: string[]): void {
  db.exec(
    "CREATE VIRTUAL TABLE bare_fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')",
  );
  const insert = db.prepare("INSERT INTO bare_fts (rowid, text) VALUES (?, ?)");
  db.transaction(() => {
    for (const [i, text] of texts.entries()) insert.run(i + 1, text);
  });
}

async function main(): Promise<void> {
  const embedder = new BuiltinEmbedder();
  const words = await loadVocabulary();
  const gen = generator(words.slice(0, VOCABULARY), 42);
  const dir = mkdtempSync(join(tmpdir(), "spool-search-bench-"));
  const db = await openSqlite(join(dir, "bench.db"));
  const index = new SqliteSearchIndex(db, { embedder });
  console.log(`search bench: ${DOCS} messages, one tenant, ${embedder.name}`);

  const texts = Array.from({ length: DOCS }, gen.message);
  let embedMs = 0;
  let indexMs = 0;
  for (let start = 0; start < DOCS; start += BATCH) {
    const slice = texts.slice(start, start + BATCH);
    let vectors: Float32Array[] = [];
    embedMs += await time(async () => {
      vectors = await embedder.embed(slice);
    });
    const docs: SearchDocument[] = slice.map((text, i) => {
      const n = start + i;
      const thread = `thr_${Math.floor(n / 20)}`;
      return {
        id: `${thread}:${(n % 20) + 1}:0`,
        tenant_id: TENANT,
        end_user_id: `eu_${Math.floor(n / 20) % 50}`,
        thread_id: thread,
        seq: (n % 20) + 1,
        block_index: 0,
        role: n % 2 === 0 ? "user" : "assistant",
        block_type: "text",
        model: null,
        text,
        created_at: 1_700_000_000_000 + n * 1000,
        vector: vectors[i]!,
      };
    });
    indexMs += await time(() => index.index(docs));
  }
  const chars = texts.reduce((sum, t) => sum + t.length, 0);
  console.log(`messages: mean ${(chars / DOCS).toFixed(0)} chars`);
  console.log(`embedding (builtin): ${(DOCS / (embedMs / 1000)).toFixed(0)} docs/s`);
  console.log(
    `indexing, batches of ${BATCH}: ${(DOCS / (indexMs / 1000)).toFixed(0)} docs/s (SQLite rows + FTS5)`,
  );

  const single = await singleMessageThroughput(index, embedder, gen.message);
  console.log(`indexing, one message per write: ${single.toFixed(0)} docs/s`);

  const queries = Array.from({ length: QUERIES }, gen.query);
  const vectors = await embedder.embed(queries);
  const embedQuery = await time(() => embedder.embed(queries));
  console.log(`query embedding: ${((embedQuery / QUERIES) * 1000).toFixed(0)} µs per query`);
  const cold = await time(() =>
    index.search({
      tenantId: TENANT,
      q: queries[0]!,
      vector: vectors[0]!,
      semanticRatio: 1,
      includeTools: false,
      limit: 20,
      offset: 0,
    }),
  );
  console.log(
    `first semantic search (loads the tenant's vectors into memory): ${cold.toFixed(0)} ms`,
  );

  for (const semanticRatio of [0, 0.5, 1]) {
    const times: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < QUERIES; i++) {
        const t = await time(() =>
          index.search({
            tenantId: TENANT,
            q: queries[i]!,
            vector: vectors[i]!,
            semanticRatio,
            includeTools: false,
            limit: 20,
            offset: 0,
          }),
        );
        if (round === 1) times.push(t);
      }
    }
    report(`SqliteSearchIndex ratio ${semanticRatio}`, times);
  }
  const filtered: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    filtered.push(
      await time(() =>
        index.search({
          tenantId: TENANT,
          endUserId: "eu_7",
          q: queries[i]!,
          vector: vectors[i]!,
          semanticRatio: 0.5,
          includeTools: false,
          limit: 20,
          offset: 0,
        }),
      ),
    );
  }
  report("SqliteSearchIndex ratio 0.5, one end user", filtered);

  bareFts(db, texts);
  for (const limit of [20, 200]) {
    const statement = db.prepare(
      "SELECT rowid FROM bare_fts WHERE bare_fts MATCH ? ORDER BY rank LIMIT ?",
    );
    const times: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (const q of queries) {
        const match = matchExpression(q, [])!.replace("text : ", "");
        const t = await time(() => statement.all(match, limit));
        if (round === 1) times.push(t);
      }
    }
    report(`bare FTS5 MATCH … ORDER BY rank LIMIT ${limit}`, times);
  }
  await index.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function singleMessageThroughput(
  index: SqliteSearchIndex,
  embedder: BuiltinEmbedder,
  message: () => string,
) {
  const n = 2000;
  const texts = Array.from({ length: n }, message);
  const vectors = await embedder.embed(texts);
  const ms = await time(async () => {
    for (let i = 0; i < n; i++) {
      await index.index([
        {
          id: `thr_single:${i + 1}:0`,
          tenant_id: "ten_single",
          end_user_id: null,
          thread_id: "thr_single",
          seq: i + 1,
          block_index: 0,
          role: "user",
          block_type: "text",
          model: null,
          text: texts[i]!,
          created_at: Date.now(),
          vector: vectors[i]!,
        },
      ]);
    }
  });
  return n / (ms / 1000);
}

async function loadVocabulary(): Promise<string[]> {
  const { loadWordVectors } = await import("../../src/adapters/embed/word-vectors.ts");
  const { DEFAULT_WORD_VECTORS_URL } = await import("../../src/adapters/embed/builtin-embedder.ts");
  const vectors = loadWordVectors(DEFAULT_WORD_VECTORS_URL);
  return [...vectors.index.keys()];
}

await main();
