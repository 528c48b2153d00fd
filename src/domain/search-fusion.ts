/**
 * Reciprocal-rank fusion of a keyword ranking and a semantic ranking, weighted by the query's
 * semanticRatio: score(d) = (1 - r) / (k + rank_kw(d)) + r / (k + rank_sem(d)), ranks from 1.
 * Used by the SQLite search index. Fusing ranks rather than raw scores is the point: BM25 and
 * cosine live on unrelated scales, ranks do not. Ties break on the key, so pages are stable.
 */

/** 60: the constant of Cormack et al. (2009); it damps the weight of the very first ranks. */
export const RRF_K = 60;

export interface FusedItem<K> {
  key: K;
  score: number;
}

function addRanking<K>(scores: Map<K, number>, ranking: readonly K[], weight: number): void {
  if (weight <= 0) return;
  ranking.forEach((key, index) => {
    scores.set(key, (scores.get(key) ?? 0) + weight / (RRF_K + index + 1));
  });
}

function compareKeys<K>(a: K, b: K): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Both rankings best first, each key at most once per ranking. `semanticRatio` 0 keeps only the
 * keyword ranking, 1 only the semantic one; keys of a ranking with weight 0 are not returned.
 */
export function fuseByReciprocalRank<K extends string | number>(
  keyword: readonly K[],
  semantic: readonly K[],
  semanticRatio: number,
): FusedItem<K>[] {
  const ratio = Math.min(1, Math.max(0, semanticRatio));
  const scores = new Map<K, number>();
  addRanking(scores, keyword, 1 - ratio);
  addRanking(scores, semantic, ratio);
  return [...scores]
    .map(([key, score]) => ({ key, score }))
    .sort((a, b) => b.score - a.score || compareKeys(a.key, b.key));
}
