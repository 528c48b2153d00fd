/**
 * The offline default embedder: a SIF-weighted mean of GloVe word vectors (semantic: "car" meets
 * "automobile") concatenated with the hashed lexical vector (word forms, typos, names and code
 * words GloVe does not know). Both halves are unit vectors scaled so that the cosine of two
 * messages is SEMANTIC_SHARE × word-vector cosine + the rest × lexical cosine. The word vectors
 * ship as a 5 MB file in this folder (scripts/build-word-vectors.ts, then
 * scripts/retrofit-word-vectors.ts: GloVe pulled towards WordNet synonyms, which separates a
 * paraphrase from a query about a neighbouring topic better), loaded once at start.
 */

import { words } from "../../domain/search-text.ts";
import type { Embedder } from "../../ports/embedder.ts";
import { hashedVector, l2Normalize } from "./hashed-embedder.ts";
import { loadWordVectors, type WordVectors } from "./word-vectors.ts";

/** The committed file: the 50k most frequent plain words of GloVe 6B, 100 d, retrofitted, int8. */
export const DEFAULT_WORD_VECTORS_URL = new URL(
  "./word-vectors/glove-50k-100d-wn-int8.bin.gz",
  import.meta.url,
);
/**
 * Lexical half of the blend: 28 d brings the vector to 128 (a multiple of 16 for the SIMD scan).
 * It is a fallback for texts GloVe knows no word of (code, names, other languages); more of it
 * measured worse on paraphrases (random collisions add noise): scripts/eval-paraphrase.ts.
 */
export const BUILTIN_LEXICAL_DIMENSIONS = 28;
/**
 * Share of the word-vector cosine in the blended cosine: paraphrase-set MRR 0.761 at 0.95 against
 * 0.735 for word vectors alone (scripts/eval-paraphrase.ts); the same train separation as 1.0 on
 * the labelled search set (scripts/eval-search.ts), which also has code words and names.
 */
export const SEMANTIC_SHARE = 0.95;
/**
 * SIF's `a` (Arora et al. 2017 use 1e-4…1e-3): words more frequent than this weigh little.
 * 1e-4 measured best on the paraphrase set (MRR 0.72 against 0.70 at 1e-3).
 */
const SIF_A = 1e-4;
/** Zipf normalizer for GloVe's 400k-word vocabulary: p(rank) ≈ 1 / (rank × H), H ≈ ln(4e5) + γ. */
const ZIPF_H = Math.log(400_000) + 0.5772;

export interface BuiltinEmbedderOptions {
  /** Where the word-vector file is; the committed file by default. */
  wordVectorsPath?: string | URL;
  /** Already loaded vectors (tests share one copy). */
  wordVectors?: WordVectors;
  semanticShare?: number;
  lexicalDimensions?: number;
}

/** SIF weight of a word from its frequency rank. */
function sifWeight(rank: number): number {
  const p = 1 / (rank * ZIPF_H);
  return SIF_A / (SIF_A + p);
}

/**
 * The SIF sentence vector of `text`; zeros when no word is known. SIF's second step (removing the
 * common direction, stored in the file) is left out: it measured no better on the paraphrase set.
 */
export function sifVector(vectors: WordVectors, text: string): Float32Array {
  const { dims, index, ranks, scales } = vectors;
  const sum = new Float32Array(dims);
  for (const word of words(text)) {
    const i = index.get(word);
    if (i === undefined) continue;
    const weight = sifWeight(ranks[i]!) * scales[i]!;
    const row = i * dims;
    for (let d = 0; d < dims; d++) sum[d] = sum[d]! + weight * vectors.vectors[row + d]!;
  }
  return l2Normalize(sum);
}

export class BuiltinEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly #vectors: WordVectors;
  readonly #semanticScale: number;
  readonly #lexicalScale: number;
  readonly #lexicalDimensions: number;

  constructor(options: BuiltinEmbedderOptions = {}) {
    this.#vectors =
      options.wordVectors ?? loadWordVectors(options.wordVectorsPath ?? DEFAULT_WORD_VECTORS_URL);
    const share = options.semanticShare ?? SEMANTIC_SHARE;
    this.#semanticScale = Math.sqrt(share);
    this.#lexicalScale = Math.sqrt(1 - share);
    this.#lexicalDimensions = options.lexicalDimensions ?? BUILTIN_LEXICAL_DIMENSIONS;
    this.dimensions = this.#vectors.dims + this.#lexicalDimensions;
    // v2: the WordNet-retrofitted vectors (a new vector space: indexes drop v1 vectors at open).
    this.name = `spool-builtin-v2-glove${this.#vectors.index.size}-s${share}-d${this.dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    const semantic = sifVector(this.#vectors, text);
    const lexical = hashedVector(text, this.#lexicalDimensions);
    const out = new Float32Array(this.dimensions);
    for (let d = 0; d < semantic.length; d++) out[d] = semantic[d]! * this.#semanticScale;
    const offset = semantic.length;
    for (let d = 0; d < lexical.length; d++) out[offset + d] = lexical[d]! * this.#lexicalScale;
    // A text without one known word has a zero semantic half: renormalize the lexical half alone.
    return l2Normalize(out);
  }
}
