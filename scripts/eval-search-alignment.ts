/**
 * The word-alignment score measured by scripts/eval-search.ts as a reranker of the fused head:
 * each content word of the query takes its best cosine to a word of the message (1 for the same
 * stem), and the scores are combined as a SIF-weighted geometric mean (a soft AND: a message that
 * explains one query word and ignores the others scores low). Measured, not shipped: on the
 * labelled set it moves the test half by less than one query (docs/search.md).
 */
import type { WordVectors } from "../src/adapters/embed/word-vectors.ts";
import { lightStem, STOP_WORDS, words } from "../src/domain/search-text.ts";

/** SIF's a and the Zipf normalizer, the same as the built-in embedder's. */
const SIF_A = 1e-4;
const ZIPF_H = Math.log(400_000) + 0.5772;
/** A query word with no match at all still counts as 0.05, so one miss is not a veto. */
const MIN_WORD_SCORE = 0.05;

export function wordAlignment(vectors: WordVectors): (query: string, text: string) => number {
  const unit = new Map<string, Float32Array | null>();
  const vectorOf = (word: string): Float32Array | null => {
    const cached = unit.get(word);
    if (cached !== undefined) return cached;
    const i = vectors.index.get(word);
    let out: Float32Array | null = null;
    if (i !== undefined) {
      out = Float32Array.from(vectors.vectors.subarray(i * vectors.dims, (i + 1) * vectors.dims));
      const norm = Math.hypot(...out) || 1;
      for (let d = 0; d < out.length; d++) out[d] = out[d]! / norm;
    }
    unit.set(word, out);
    return out;
  };
  const weight = (word: string) => {
    const i = vectors.index.get(word);
    if (i === undefined) return 1;
    return SIF_A / (SIF_A + 1 / (vectors.ranks[i]! * ZIPF_H));
  };
  const contentWords = (text: string) => [
    ...new Set(words(text).filter((w) => !STOP_WORDS.has(w))),
  ];
  return (query, text) => {
    const messageWords = contentWords(text);
    let logSum = 0;
    let weights = 0;
    for (const q of contentWords(query)) {
      const qv = vectorOf(q);
      const stem = lightStem(q);
      let best = 0;
      for (const m of messageWords) {
        const mv = vectorOf(m);
        const s = m === q || lightStem(m) === stem ? 1 : qv && mv ? dot(qv, mv) : 0;
        if (s > best) best = s;
      }
      const w = weight(q);
      logSum += w * Math.log(Math.max(MIN_WORD_SCORE, best));
      weights += w;
    }
    return weights > 0 ? Math.exp(logSum / weights) : 0;
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
