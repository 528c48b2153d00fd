/**
 * Measures hit@1 and MRR on the labelled paraphrase set (test/support/paraphrase-set.ts) for pure
 * keyword search and for each offline embedder, through the real SQLite search index.
 *   bun scripts/eval-paraphrase.ts [other-word-vectors.bin.gz …]
 * Extra word-vector files (built by scripts/build-word-vectors.ts) are measured too, to compare
 * vocabulary sizes. Embedders are compared on their ordering alone (no relevance floor: the
 * default floors are calibrated for the built-in embedder's cosine scale, and would cut another
 * embedder's hits for its scale, not its order); the last line is the built-in at the defaults.
 */
import { BuiltinEmbedder } from "../src/adapters/embed/builtin-embedder.ts";
import { HashedEmbedder } from "../src/adapters/embed/hashed-embedder.ts";
import { loadWordVectors } from "../src/adapters/embed/word-vectors.ts";
import { openSqlite } from "../src/adapters/sqlite/database.ts";
import { SqliteSearchIndex } from "../src/adapters/sqlite/sqlite-search-index.ts";
import {
  DEFAULT_FUSION,
  DEFAULT_SEMANTIC_RATIO,
  type FusionParams,
} from "../src/domain/search-fusion.ts";
import type { Embedder } from "../src/ports/embedder.ts";
import { PARAPHRASE_CASES, PARAPHRASE_DOCS } from "../test/support/paraphrase-set.ts";

const TENANT = "ten_eval";
/** Every candidate with any evidence is a hit: cosines from -1 up count, no fused minimum. */
const NO_FLOOR: FusionParams = { ...DEFAULT_FUSION, cosineFloor: -1, minScore: 0 };

async function evaluate(
  label: string,
  embedder: Embedder,
  semanticRatio: number,
  fusion: FusionParams = NO_FLOOR,
): Promise<void> {
  const db = await openSqlite(":memory:");
  const index = new SqliteSearchIndex(db, { embedder, fusion });
  const vectors = await embedder.embed(PARAPHRASE_DOCS.map((d) => d.text));
  await index.index(
    PARAPHRASE_DOCS.map((d, i) => ({
      id: `thr_${d.key}:1:0`,
      tenant_id: TENANT,
      end_user_id: null,
      thread_id: `thr_${d.key}`,
      seq: 1,
      block_index: 0,
      role: "user",
      block_type: "text",
      model: null,
      text: d.text,
      created_at: i,
      vector: vectors[i]!,
    })),
  );
  let hits = 0;
  let reciprocal = 0;
  for (const c of PARAPHRASE_CASES) {
    const [vector] = await embedder.embed([c.query]);
    const result = await index.search({
      tenantId: TENANT,
      q: c.query,
      vector: vector!,
      semanticRatio,
      includeTools: false,
      limit: 100,
      offset: 0,
    });
    const rank = result.hits.findIndex((h) => h.thread_id === `thr_${c.target}`) + 1;
    if (rank === 1) hits++;
    if (rank > 0) reciprocal += 1 / rank;
  }
  const n = PARAPHRASE_CASES.length;
  console.log(
    `${label.padEnd(52)} hit@1 ${(hits / n).toFixed(2)}  MRR ${(reciprocal / n).toFixed(3)}`,
  );
  await index.close();
  db.close();
}

const builtin = new BuiltinEmbedder();
console.log(`${PARAPHRASE_CASES.length} queries, ${PARAPHRASE_DOCS.length} messages`);
await evaluate("keyword only (FTS5 BM25, ratio 0)", builtin, 0);
await evaluate("hashed n-gram embedder (256 d), ratio 1", new HashedEmbedder(), 1);
await evaluate(
  "word vectors only (SIF GloVe 50k), ratio 1",
  new BuiltinEmbedder({ semanticShare: 1 }),
  1,
);
await evaluate(`builtin (${builtin.name}), ratio 1`, builtin, 1);
// Hybrid orderings with the default evidence mapping, no fused minimum.
const ordering = { ...DEFAULT_FUSION, minScore: 0 };
await evaluate("builtin, hybrid ratio 0.5, no minimum", builtin, 0.5, ordering);
await evaluate("builtin, hybrid ratio 0.75, no minimum", builtin, 0.75, ordering);
await evaluate(
  `builtin at the default floors, ratio ${DEFAULT_SEMANTIC_RATIO}`,
  builtin,
  DEFAULT_SEMANTIC_RATIO,
  DEFAULT_FUSION,
);
for (const path of process.argv.slice(2)) {
  const wordVectors = loadWordVectors(path);
  await evaluate(
    `builtin with ${path.split("/").at(-1)}, ratio 1`,
    new BuiltinEmbedder({ wordVectors }),
    1,
  );
}
