/**
 * Tunes and reports search quality on the labelled set (test/support/search-eval-set.ts), through
 * the real SQLite index and the built-in embedder: hit@1 and MRR on the queries, and the share
 * of unrelated queries that get no hit at all. The fusion constants are chosen on the train half
 * (best MRR whose unrelated zero-hit rate is ≥ 95 %) and every setting is reported on the
 * held-out test half, next to the old reciprocal-rank fusion. "found" is the share of queries
 * whose target comes back at all: the ceiling of hit@1 and MRR under that setting's floor, however
 * the survivors are ordered. The word-alignment reranker (scripts/eval-search-alignment.ts) is
 * measured at the default floors, its weight chosen on the train half.
 *   bun scripts/eval-search.ts [other-word-vectors.bin.gz]
 */
import {
  BuiltinEmbedder,
  DEFAULT_WORD_VECTORS_URL,
} from "../src/adapters/embed/builtin-embedder.ts";
import { loadWordVectors } from "../src/adapters/embed/word-vectors.ts";
import { openSqlite } from "../src/adapters/sqlite/database.ts";
import { SqliteSearchIndex } from "../src/adapters/sqlite/sqlite-search-index.ts";
import {
  DEFAULT_FUSION,
  DEFAULT_SEMANTIC_RATIO,
  type FusionParams,
  fuseByScore,
  type KeywordCandidate,
  type SemanticCandidate,
} from "../src/domain/search-fusion.ts";
import type { Embedder } from "../src/ports/embedder.ts";
import {
  EVAL_CASES,
  EVAL_DOCS,
  type EvalCase,
  splitHalves,
  UNRELATED_QUERIES,
} from "../test/support/search-eval-set.ts";
import { wordAlignment } from "./eval-search-alignment.ts";

const TENANT = "ten_eval";
/** The fused hits the reranker reorders: bounded work per query (a page or two of 20). */
const RERANK_HEAD = 50;

interface Candidates {
  q: string;
  keyword: KeywordCandidate<number>[];
  semantic: SemanticCandidate<number>[];
}
type Ranker = (c: Candidates) => number[];

interface Scores {
  hit1: number;
  mrr: number;
  /** Share of queries whose target is returned at all (the ceiling of hit@1 and MRR). */
  found: number;
  emptyUnrelated: number;
}

async function buildIndex(embedder: Embedder) {
  const db = await openSqlite(":memory:");
  const index = new SqliteSearchIndex(db, { embedder });
  const vectors = await embedder.embed(EVAL_DOCS.map((d) => d.text));
  await index.index(
    EVAL_DOCS.map((d, i) => ({
      id: `thr_${d.key}:1:0`,
      tenant_id: TENANT,
      end_user_id: null,
      thread_id: `thr_${d.key}`,
      seq: 1,
      block_index: 0,
      role: d.role ?? "user",
      block_type: d.block_type ?? "text",
      model: null,
      text: d.text,
      created_at: i,
      vector: vectors[i]!,
    })),
  );
  const keyOf = new Map<number, string>();
  return { db, index, keyOf };
}

async function candidatesFor(
  index: SqliteSearchIndex,
  embedder: Embedder,
  q: string,
  includeTools: boolean,
): Promise<Candidates> {
  const [vector] = await embedder.embed([q]);
  const query = {
    tenantId: TENANT,
    q,
    vector: vector!,
    semanticRatio: 0.5,
    includeTools,
    limit: 200,
    offset: 0,
  };
  const { keyword, semantic } = index.candidates(query);
  return { q, keyword, semantic };
}

function score(
  cases: { c: EvalCase; cand: Candidates; target: number }[],
  unrelated: Candidates[],
  rank: Ranker,
): Scores {
  let hits = 0;
  let reciprocal = 0;
  let found = 0;
  for (const { cand, target } of cases) {
    const position = rank(cand).indexOf(target) + 1;
    if (position === 1) hits++;
    if (position > 0) {
      reciprocal += 1 / position;
      found++;
    }
  }
  const empty = unrelated.filter((cand) => rank(cand).length === 0).length;
  return {
    hit1: hits / cases.length,
    mrr: reciprocal / cases.length,
    found: found / cases.length,
    emptyUnrelated: unrelated.length ? empty / unrelated.length : 1,
  };
}

const fused =
  (ratio: number, params: FusionParams): Ranker =>
  (c) =>
    fuseByScore(c.keyword, c.semantic, ratio, params).map((f) => f.key);

/** The fusion before issue 18, for comparison: reciprocal rank, k = 60, no floor. */
const reciprocalRank =
  (ratio: number): Ranker =>
  (c) => {
    const scores = new Map<number, number>();
    const add = (keys: number[], w: number) =>
      keys.forEach((k, i) => {
        if (w > 0) scores.set(k, (scores.get(k) ?? 0) + w / (61 + i));
      });
    add(
      c.keyword.map((k) => k.key),
      1 - ratio,
    );
    add(
      c.semantic.map((k) => k.key),
      ratio,
    );
    return [...scores].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  };

function line(label: string, train: Scores, test: Scores): string {
  const f = (s: Scores) =>
    `hit@1 ${s.hit1.toFixed(2)}  MRR ${s.mrr.toFixed(3)}  found ${s.found.toFixed(2)}  unrelated→0 hits ${(s.emptyUnrelated * 100).toFixed(0).padStart(3)}%`;
  return `${label.padEnd(40)} train: ${f(train)} | test: ${f(test)}`;
}

// Another word-vector file (scripts/build-word-vectors.ts) may be given to compare vocabularies.
const wordVectors = loadWordVectors(process.argv[2] ?? DEFAULT_WORD_VECTORS_URL);
const embedder = new BuiltinEmbedder({ wordVectors });
const { index, db } = await buildIndex(embedder);
const keyOfDoc = new Map<string, number>();
{
  const rows = db.prepare("SELECT doc_key, thread_id FROM search_docs").all();
  for (const row of rows) keyOfDoc.set(String(row.thread_id).slice(4), Number(row.doc_key));
}
const withCandidates = async (cases: EvalCase[]) =>
  Promise.all(
    cases.map(async (c) => ({
      c,
      cand: await candidatesFor(index, embedder, c.query, c.tools ?? false),
      target: keyOfDoc.get(c.target)!,
    })),
  );
const halves = splitHalves(EVAL_CASES);
const unrelatedHalves = splitHalves(UNRELATED_QUERIES);
const train = await withCandidates(halves.train);
const test = await withCandidates(halves.test);
const unrelatedTrain = await Promise.all(
  unrelatedHalves.train.map((q) => candidatesFor(index, embedder, q, false)),
);
const unrelatedTest = await Promise.all(
  unrelatedHalves.test.map((q) => candidatesFor(index, embedder, q, false)),
);

console.log(
  `${EVAL_CASES.length} queries (${train.length} train / ${test.length} test), ` +
    `${UNRELATED_QUERIES.length} unrelated, ${EVAL_DOCS.length} messages; embedder ${embedder.name}`,
);
// What a difference of a few hundredths means on a half of 54 queries.
console.log(
  `one test query = ${(1 / test.length).toFixed(3)} of hit@1; binomial standard error at 0.6: ` +
    `±${Math.sqrt((0.6 * 0.4) / test.length).toFixed(3)}`,
);
const report = (label: string, rank: Ranker) =>
  console.log(line(label, score(train, unrelatedTrain, rank), score(test, unrelatedTest, rank)));

report("before: RRF ratio 0.5 (old default)", reciprocalRank(0.5));
report("before: RRF ratio 1 (semantic only)", reciprocalRank(1));
report("before: RRF ratio 0 (keyword only)", reciprocalRank(0));

// Grid search on the train half only: the best MRR for each required share of unrelated queries
// that must come back empty (the frontier between finding and not making things up).
const grid: { ratio: number; params: FusionParams; s: Scores }[] = [];
for (const ratio of [0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
  for (const bm25Half of [2, 4, 8, 16])
    for (const cosineFloor of [0.3, 0.4, 0.5, 0.55, 0.6, 0.65])
      for (const minScore of [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]) {
        const params = { bm25Half, cosineFloor, minScore };
        grid.push({ ratio, params, s: score(train, unrelatedTrain, fused(ratio, params)) });
      }
for (const required of [0.95, 0.9, 0.8, 0.5, 0]) {
  const best = grid
    .filter((g) => g.s.emptyUnrelated >= required)
    .sort((a, b) => b.s.mrr - a.s.mrr)[0];
  if (!best) continue;
  report(
    `train-best, ≥${required * 100}% empty: r ${best.ratio} ${best.params.bm25Half}/${best.params.cosineFloor}/${best.params.minScore}`,
    fused(best.ratio, best.params),
  );
}
const d = DEFAULT_FUSION;
report(
  `default: ratio ${DEFAULT_SEMANTIC_RATIO} ${JSON.stringify(d)}`,
  fused(DEFAULT_SEMANTIC_RATIO, d),
);
report("default floors, ratio 1 (semantic only)", fused(1, d));
report("default floors, ratio 0 (keyword only)", fused(0, d));
report("default floors, ratio 0.5", fused(0.5, d));

// The word-alignment reranker on the fused head at the default floors (which hits come back is
// unchanged, only their order): score + weight × alignment, the weight chosen on the train half.
const textOfKey = new Map(EVAL_DOCS.map((doc) => [keyOfDoc.get(doc.key)!, doc.text]));
const alignment = wordAlignment(wordVectors);
const reranked =
  (weight: number): Ranker =>
  (c) =>
    fuseByScore(c.keyword, c.semantic, DEFAULT_SEMANTIC_RATIO, d)
      .slice(0, RERANK_HEAD)
      .map((f) => ({ key: f.key, s: f.score + weight * alignment(c.q, textOfKey.get(f.key)!) }))
      .sort((a, b) => b.s - a.s)
      .map((f) => f.key);
const weights = [0.25, 0.5, 1, 2].map((w) => ({ w, s: score(train, unrelatedTrain, reranked(w)) }));
const bestWeight = weights.sort((a, b) => b.s.mrr - a.s.mrr)[0]!.w;
report(`default + word-alignment rerank ×${bestWeight}`, reranked(bestWeight));

// Why a floor costs recall: where the targets' cosines lie against the best cosine an unrelated
// query finds (both halves; the floor must sit above nearly all of the latter).
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const targetCosines = [...train, ...test].map(
  ({ cand, target }) => cand.semantic.find((s) => s.key === target)?.cosine ?? 0,
);
const unrelatedBest = [...unrelatedTrain, ...unrelatedTest].map((c) =>
  Math.max(0, ...c.semantic.map((s) => s.cosine)),
);
const at = (values: number[], qs: number[]) =>
  qs.map((q) => `p${q * 100} ${quantile(values, q).toFixed(2)}`).join(", ");
console.log(`target cosines: ${at(targetCosines, [0.1, 0.25, 0.5])}`);
console.log(`best cosine of an unrelated query: ${at(unrelatedBest, [0.5, 0.9, 0.95])}`);
// Threshold-free separation on the train half (what an embedder is chosen on): the chance that a
// target's cosine beats the best cosine of an unrelated query, over all such pairs.
const trainTargets = targetCosines.slice(0, train.length);
const trainUnrelated = unrelatedBest.slice(0, unrelatedTrain.length);
let wins = 0;
for (const t of trainTargets) for (const u of trainUnrelated) wins += t > u ? 1 : t === u ? 0.5 : 0;
const auc = wins / (trainTargets.length * trainUnrelated.length);
console.log(`train separation: P(target cosine > an unrelated query's best) = ${auc.toFixed(3)}`);
await index.close();
db.close();
