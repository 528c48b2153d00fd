import { describe, expect, test } from "bun:test";
import { hash32, hashedVector, l2Normalize } from "../../src/adapters/embed/hashed-embedder.ts";
import { lightStem, STOP_WORDS, words } from "../../src/domain/search-text.ts";

/** The vector as first written: a feature string per stem and per trigram of `^word$`. */
function referenceVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const add = (feature: string, weight: number) => {
    const h = hash32(feature);
    const index = (h & 0x7fffffff) % dimensions;
    vector[index] = vector[index]! + (h & 0x80000000 ? -1 : 1) * weight;
  };
  const all = words(text);
  for (const word of all) {
    const weight = STOP_WORDS.has(word) ? 0.2 : 1;
    add(`w:${lightStem(word)}`, weight);
    const padded = `^${word}$`;
    const grams = padded.length - 2;
    if (grams < 2) continue;
    for (let i = 0; i < grams; i++) add(padded.slice(i, i + 3), (0.5 * weight) / Math.sqrt(grams));
  }
  if (all.length === 0) add("\u0000empty", 1);
  return l2Normalize(vector);
}

describe("hashedVector", () => {
  test("is the same vector as hashing each feature string (indexes stay valid)", () => {
    const texts = [
      "Deploying the service failed; deploymnet logs show ERR_TIMEOUT at 0x1f.",
      "a I to be or not to be",
      "Ünïcödé wörds, 日本語のテキスト, emoji 🎉 and café",
      "",
      "x",
      "running runs ran — retries retried",
    ];
    for (const text of texts) {
      for (const dims of [28, 256]) {
        expect(Array.from(hashedVector(text, dims))).toEqual(
          Array.from(referenceVector(text, dims)),
        );
      }
    }
  });
});
