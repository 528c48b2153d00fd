/**
 * The shipped word-vector file is the retrofitted one (scripts/retrofit-word-vectors.ts): WordNet
 * synonyms and derivational relatives sit closer than GloVe alone puts them (GloVe 50k, int8:
 * car–automobile 0.68, meditate–meditation 0.49, reimbursement–refund 0.63), and a word with no
 * WordNet neighbour keeps its GloVe vector. DEFAULT_FUSION's floors are calibrated on this file.
 */
import { expect, test } from "bun:test";
import { DEFAULT_WORD_VECTORS_URL } from "../../src/adapters/embed/builtin-embedder.ts";
import { loadWordVectors } from "../../src/adapters/embed/word-vectors.ts";

const vectors = loadWordVectors(DEFAULT_WORD_VECTORS_URL);

function cosine(a: string, b: string): number {
  const row = (word: string) => {
    const i = vectors.index.get(word);
    if (i === undefined) throw new Error(`${word} is not in the vocabulary`);
    return vectors.vectors.subarray(i * vectors.dims, (i + 1) * vectors.dims);
  };
  const [x, y] = [row(a), row(b)];
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let d = 0; d < x.length; d++) {
    dot += x[d]! * y[d]!;
    nx += x[d]! ** 2;
    ny += y[d]! ** 2;
  }
  return dot / Math.sqrt(nx * ny);
}

test("synonyms and derivations are pulled together; the vocabulary is unchanged", () => {
  expect(vectors.index.size).toBe(50_000);
  expect(cosine("car", "automobile")).toBeGreaterThan(0.8);
  expect(cosine("meditate", "meditation")).toBeGreaterThan(0.65);
  expect(cosine("reimbursement", "refund")).toBeGreaterThan(0.68);
  // Unrelated words stay apart.
  expect(cosine("car", "banana")).toBeLessThan(0.4);
});
