/**
 * Fusion of a keyword ranking (BM25) and a semantic ranking (cosine) into one relevance score
 * with a floor, so that a query nothing answers returns nothing. Each side is first mapped onto
 * [0, 1] by an absolute rule — keyword: the share of the query's words the message contains
 * (BM25's own magnitude depends on the corpus: a word in every message of a small tenant scores
 * ~0), with BM25 only breaking ties; semantic: cosine counted above COSINE_FLOOR — then weighted
 * by the query's semanticRatio, and hits under MIN_SCORE are cut.
 * Plain reciprocal-rank fusion had no floor (every message came back as filler) and scored worse
 * than either pure mode on the labelled set; these constants were chosen on its train half by
 * scripts/eval-search.ts and are reported there on the held-out half. Ties break on the key.
 */

export interface FusionParams {
  /** BM25 at which the tie-break between equal coverages is half spent. */
  bm25Half: number;
  /** Cosines at or below this count as no semantic evidence at all. */
  cosineFloor: number;
  /** Fused scores under this are not hits. */
  minScore: number;
}

/**
 * Tuned for the built-in embedder on the train half of test/support/search-eval-set.ts
 * (scripts/eval-search.ts prints the grid and the held-out figures).
 */
export const DEFAULT_FUSION: FusionParams = { bm25Half: 2, cosineFloor: 0.65, minScore: 0.25 };

/** The default semantic_ratio of a search (chosen with DEFAULT_FUSION). */
export const DEFAULT_SEMANTIC_RATIO = 0.6;

export interface KeywordCandidate<K> {
  key: K;
  /** FTS5's bm25(), made positive: larger is better. */
  bm25: number;
  /** Share of the query's distinct content words that the document contains, 0–1. */
  coverage: number;
}

/** How much of the keyword evidence BM25 may move between documents of equal coverage. */
const BM25_TIE_SHARE = 0.1;

export interface SemanticCandidate<K> {
  key: K;
  cosine: number;
}

export interface FusedItem<K> {
  key: K;
  score: number;
}

export function keywordEvidence(
  candidate: { bm25: number; coverage: number },
  params: FusionParams,
): number {
  if (candidate.coverage <= 0) return 0;
  const bm25 = Math.max(0, candidate.bm25);
  const tieBreak = bm25 / (bm25 + params.bm25Half);
  return candidate.coverage * (1 - BM25_TIE_SHARE + BM25_TIE_SHARE * tieBreak);
}

export function semanticEvidence(cosine: number, params: FusionParams): number {
  return cosine > params.cosineFloor ? (cosine - params.cosineFloor) / (1 - params.cosineFloor) : 0;
}

function compareKeys<K>(a: K, b: K): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * `semanticRatio` 0 keeps only keyword evidence, 1 only semantic evidence; keys without any
 * evidence above the floor on a side with weight are not returned.
 */
export function fuseByScore<K extends string | number>(
  keyword: readonly KeywordCandidate<K>[],
  semantic: readonly SemanticCandidate<K>[],
  semanticRatio: number,
  params: FusionParams = DEFAULT_FUSION,
): FusedItem<K>[] {
  const ratio = Math.min(1, Math.max(0, semanticRatio));
  const scores = new Map<K, number>();
  const add = (key: K, value: number) => {
    if (value > 0) scores.set(key, (scores.get(key) ?? 0) + value);
  };
  if (ratio < 1) for (const c of keyword) add(c.key, (1 - ratio) * keywordEvidence(c, params));
  if (ratio > 0) for (const c of semantic) add(c.key, ratio * semanticEvidence(c.cosine, params));
  return [...scores]
    .filter(([, score]) => score >= params.minScore * maxWeight(ratio))
    .map(([key, score]) => ({ key, score }))
    .sort((a, b) => b.score - a.score || compareKeys(a.key, b.key));
}

/**
 * The floor scales with the larger weight, so a pure mode (ratio 0 or 1) keeps the same floor
 * on its own evidence as the hybrid does on the sum.
 */
function maxWeight(ratio: number): number {
  return Math.max(ratio, 1 - ratio);
}
