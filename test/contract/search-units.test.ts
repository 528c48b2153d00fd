// Unit tests of the search building blocks: documents from messages, RRF, snippets, FTS5 query
// building, Meilisearch filters and ids, the int8 SIMD kernel against its JS twin, the tenant
// vector matrix, the word-vector file, and the offline embedders.
import { describe, expect, test } from "bun:test";
import { HashedEmbedder } from "../../src/adapters/embed/hashed-embedder.ts";
import { decodeWordVectors, encodeWordVectors } from "../../src/adapters/embed/word-vectors.ts";
import {
  encodeIdPart,
  meiliDocumentKey,
  queryFilter,
} from "../../src/adapters/meili/meili-filter.ts";
import { matchExpression } from "../../src/adapters/sqlite/search-fts.ts";
import { Int8VectorMatrix } from "../../src/adapters/sqlite/search-kernel.ts";
import { TenantVectors } from "../../src/adapters/sqlite/search-tenant-vectors.ts";
import { messageToSearchDocuments } from "../../src/domain/search-documents.ts";
import { fuseByScore } from "../../src/domain/search-fusion.ts";
import { highlightSnippet } from "../../src/domain/search-snippet.ts";
import { queryStems, termCoverageMatcher } from "../../src/domain/search-text.ts";
import { contractEmbedder } from "./search-index.contract.ts";

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(cosine(a, a));

function randomUnit(dims: number, seed: number): Float32Array {
  let s = seed;
  const v = Float32Array.from({ length: dims }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  });
  const n = norm(v);
  return v.map((x) => x / n);
}

describe("messageToSearchDocuments", () => {
  const message = {
    tenant_id: "ten_1",
    thread_id: "thr_1",
    seq: 4,
    role: "assistant" as const,
    model: "spool/echo",
    end_user_id: "eu_1",
    created_at: "2026-01-02T03:04:05.000Z",
    content: [
      { type: "thinking" as const, thinking: "hidden reasoning" },
      { type: "text" as const, text: "Here is the weather." },
      {
        type: "tool_use" as const,
        id: "tu_1",
        name: "get_weather",
        input: { city: "Lisbon", days: 3, opts: { metric: true, tags: ["a"] } },
      },
      {
        type: "image" as const,
        source: { type: "url" as const, url: "https://example.com/x.png" },
      },
      { type: "text" as const, text: "   " },
      {
        type: "tool_result" as const,
        tool_use_id: "tu_1",
        content: [
          { type: "text" as const, text: "21C" },
          { type: "text" as const, text: "sunny" },
        ],
      },
    ],
  };

  test("one document per searchable block, ids and fields from the message", () => {
    const docs = messageToSearchDocuments(message);
    expect(docs.map((d) => [d.id, d.block_type, d.text])).toEqual([
      ["thr_1:4:1", "text", "Here is the weather."],
      ["thr_1:4:2", "tool_use", "get_weather Lisbon 3 true a"],
      ["thr_1:4:5", "tool_result", "21C\nsunny"],
    ]);
    expect(docs[0]).toMatchObject({
      tenant_id: "ten_1",
      end_user_id: "eu_1",
      role: "assistant",
      model: "spool/echo",
      created_at: Date.parse(message.created_at),
      vector: null,
    });
  });

  test("a string tool_result is indexed as is", () => {
    const docs = messageToSearchDocuments({
      ...message,
      role: "tool",
      content: [{ type: "tool_result", tool_use_id: "x", content: "done" }],
    });
    expect(docs.map((d) => [d.block_type, d.text])).toEqual([["tool_result", "done"]]);
  });
});

describe("fuseByScore", () => {
  const params = { bm25Half: 2, cosineFloor: 0.5, minScore: 0.4 };
  const kw = (key: string, coverage: number, bm25 = 1) => ({ key, coverage, bm25 });
  const sem = (key: string, cosine: number) => ({ key, cosine });

  test("ratio 0 and 1 keep one side's evidence, best first", () => {
    const keyword = [kw("a", 1, 5), kw("b", 1, 1)];
    const semantic = [sem("c", 0.9)];
    expect(fuseByScore(keyword, semantic, 0, params).map((f) => f.key)).toEqual(["a", "b"]);
    expect(
      fuseByScore(keyword, [sem("c", 0.9), sem("a", 0.8)], 1, params).map((f) => f.key),
    ).toEqual(["c", "a"]);
  });

  test("evidence under the floor is no hit: a weak neighbour or a one-word match of a long query", () => {
    expect(fuseByScore([], [sem("x", 0.5), sem("y", 0.6)], 1, params)).toEqual([]);
    expect(fuseByScore([kw("x", 0.25, 9)], [], 0, params)).toEqual([]);
    expect(fuseByScore([kw("x", 0.25, 9)], [sem("x", 0.55)], 0.6, params)).toEqual([]);
  });

  test("agreement of both sides wins and the score follows the formula", () => {
    const fused = fuseByScore([kw("a", 1, 2), kw("b", 1, 2)], [sem("b", 0.9)], 0.5, params);
    expect(fused[0]?.key).toBe("b");
    const keywordPart = 0.5 * (0.9 + 0.1 * (2 / (2 + 2)));
    expect(fused[0]?.score).toBeCloseTo(keywordPart + 0.5 * ((0.9 - 0.5) / 0.5));
    expect(fused[1]?.score).toBeCloseTo(keywordPart);
  });

  test("coverage outranks BM25; BM25 breaks ties of equal coverage", () => {
    const fused = fuseByScore([kw("rare", 0.5, 20), kw("all", 1, 1), kw("all2", 1, 3)], [], 0, {
      ...params,
      minScore: 0,
    });
    expect(fused.map((f) => f.key)).toEqual(["all2", "all", "rare"]);
  });

  test("ties break on the key", () => {
    expect(fuseByScore([kw("2", 1), kw("1", 1)], [], 0, params).map((f) => f.key)).toEqual([
      "1",
      "2",
    ]);
  });
});

describe("termCoverageMatcher", () => {
  test("counts the query's distinct content stems that begin a word of the text", () => {
    const cover = (q: string, text: string) => termCoverageMatcher(queryStems(q))(text);
    expect(cover("deploying the clusters", "We DEPLOYED one cluster")).toBe(1);
    expect(cover("dinosaur fossils museum", "a new art museum")).toBeCloseTo(1 / 3);
    expect(cover("museum", "the amuseum")).toBe(0); // inside a word is no match
    expect(cover("café", "the Cafe on the corner")).toBe(1); // folded like the index
    expect(cover("a.b", "axb")).toBe(0); // query text is never a pattern
    expect(termCoverageMatcher([])("anything")).toBe(0);
  });
});

describe("highlightSnippet", () => {
  test("marks matched words and their forms, escapes the rest", () => {
    expect(highlightSnippet("Deploying <app> & deployed it", "deploy")).toBe(
      "<mark>Deploying</mark> &lt;app&gt; &amp; <mark>deployed</mark> it",
    );
  });

  test("a long text is cut to a window around the best match", () => {
    const text = `${"alpha beta gamma ".repeat(30)}the needle is here ${"delta epsilon ".repeat(30)}`;
    const snippet = highlightSnippet(text, "needle");
    expect(snippet).toContain("<mark>needle</mark>");
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.replace(/<\/?mark>/g, "").length).toBeLessThanOrEqual(165);
  });

  test("without a match it is the start of the text", () => {
    expect(highlightSnippet("short text", "zzz")).toBe("short text");
  });
});

describe("matchExpression", () => {
  test("quotes words, drops stop words, keeps scope tokens", () => {
    expect(matchExpression('the "quoted" ERR_X', ["h1"])).toBe(
      'scope : (h1) AND text : ("""quoted""" OR "ERR_X")',
    );
    expect(matchExpression("the a", [])).toBe('text : ("the" OR "a")');
    expect(matchExpression(" -- !! ", [])).toBeNull();
  });
});

describe("meilisearch filters and ids", () => {
  test("values are quoted and escaped", () => {
    const filter = queryFilter({
      tenantId: 'a" OR tenant_id = "b',
      endUserId: "x\\",
      includeTools: false,
      q: "",
      vector: null,
      semanticRatio: 0,
      limit: 1,
      offset: 0,
    });
    expect(filter).toBe(
      'tenant_id = "a\\" OR tenant_id = \\"b" AND end_user_id = "x\\\\" AND block_type = "text"',
    );
  });

  test("document keys use the allowed alphabet and do not collide", () => {
    expect(meiliDocumentKey("ten_1", "thr_a:1:0")).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeIdPart("a_b")).not.toBe(encodeIdPart("a:b"));
    expect(meiliDocumentKey("a", "b__c")).not.toBe(meiliDocumentKey("a__b", "c"));
  });
});

describe("Int8VectorMatrix", () => {
  test("the SIMD kernel and the JS fallback agree, and approximate the float cosine", () => {
    for (const dims of [16, 100, 1536]) {
      const simd = new Int8VectorMatrix(dims);
      const js = new Int8VectorMatrix(dims, { forceJs: true });
      const rows = Array.from({ length: 50 }, (_, i) => randomUnit(dims, i + 1));
      rows.forEach((v, i) => {
        simd.setRow(i, v);
        js.setRow(i, v);
      });
      const query = randomUnit(dims, 999);
      const a = [...simd.cosines(query, rows.length)];
      const b = [...js.cosines(query, rows.length)];
      expect(a).toEqual(b);
      for (const [i, v] of rows.entries()) {
        expect(Math.abs(a[i]! - cosine(v, query))).toBeLessThan(0.02);
      }
    }
  });
});

describe("TenantVectors", () => {
  test("filters, removal and compaction keep the right nearest rows", () => {
    const vectors = new TenantVectors(32);
    for (let key = 1; key <= 3000; key++) {
      vectors.upsert({
        docKey: key,
        endUserId: key % 2 ? "odd" : "even",
        threadId: `t${key % 10}`,
        role: "user",
        blockType: "text",
        createdAt: key,
        vector: randomUnit(32, key),
      });
    }
    for (let key = 1; key <= 2000; key++) vectors.remove(key);
    expect(vectors.size).toBe(1000);
    const query = randomUnit(32, 2500);
    const [best] = vectors.nearest(query, { includeTools: false }, 5);
    expect(best?.key).toBe(2500);
    const odd = vectors.nearest(
      query,
      { includeTools: false, endUserId: "odd", threadId: "t1" },
      1000,
    );
    expect(odd.every((hit) => hit.key % 2 === 1 && hit.key % 10 === 1 && hit.key > 2000)).toBe(
      true,
    );
    expect(vectors.nearest(query, { includeTools: false, endUserId: "nobody" }, 5)).toEqual([]);
  });
});

describe("word-vector file", () => {
  test("encodes and decodes", () => {
    const vectors = [randomUnit(8, 1), randomUnit(8, 2)];
    const decoded = decodeWordVectors(
      encodeWordVectors({
        words: ["car", "automobile"],
        ranks: [10, 900],
        vectors,
        common: randomUnit(8, 3),
      }),
    );
    expect(decoded.index.get("automobile")).toBe(1);
    expect([...decoded.ranks]).toEqual([10, 900]);
    const first = Float32Array.from(decoded.vectors.slice(0, 8), (x) => x * decoded.scales[0]!);
    expect(cosine(first, vectors[0]!)).toBeGreaterThan(0.999);
  });
});

describe("offline embedders", () => {
  test("hashed: unit vectors, deterministic, typos stay close", async () => {
    const embedder = new HashedEmbedder();
    const [a, b, c, again] = await embedder.embed([
      "deployment failed",
      "deploymnet failed",
      "banana bread",
      "deployment failed",
    ]);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect([...again!]).toEqual([...a!]);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.3);
    expect(norm((await embedder.embed([""]))[0]!)).toBeCloseTo(1, 5);
  });

  test("builtin: 128 unit dims, synonyms closer than strangers, unknown words still embed", async () => {
    const embedder = contractEmbedder();
    expect(embedder.dimensions).toBe(128);
    const [car, automobile, banana, code] = await embedder.embed([
      "my car",
      "my automobile",
      "a banana",
      "zxqv_9931 kwpf",
    ]);
    expect(cosine(car!, automobile!)).toBeGreaterThan(cosine(car!, banana!) + 0.2);
    for (const v of [car, automobile, banana, code]) expect(norm(v!)).toBeCloseTo(1, 5);
  });
});
