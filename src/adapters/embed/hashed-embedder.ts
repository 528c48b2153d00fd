/**
 * A lexical embedder that needs nothing: each word (light-stemmed) and each character trigram of
 * it is hashed to a signed coordinate (feature hashing), the sum is L2-normalized. It meets word
 * forms and typos ("deploymnet" ~ "deployment") but not synonyms; the built-in embedder blends it
 * with word vectors for that. Signed hashing keeps collisions from adding up to a bias.
 */

import { lightStem, STOP_WORDS, words } from "../../domain/search-text.ts";
import type { Embedder } from "../../ports/embedder.ts";

/** 256: collisions among a message's few dozen features stay rare; 1 KiB per vector as float32. */
export const HASHED_DIMENSIONS = 256;
/** A whole-word match counts twice the trigram evidence of the same word. */
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;
/** Function words still count a little: "to be or not to be" should not embed to nothing. */
const STOP_WORD_FACTOR = 0.2;
/** What an input without a single word hashes as, so its vector can still be unit length. */
const EMPTY_FEATURE = "\u0000empty";

/** FNV-1a over UTF-16 units, then murmur3's finalizer so low bits are well mixed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addFeature(vector: Float32Array, feature: string, weight: number): void {
  const h = hash32(feature);
  const sign = h & 0x80000000 ? -1 : 1;
  const index = (h & 0x7fffffff) % vector.length;
  vector[index] = vector[index]! + sign * weight;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (norm === 0) return vector;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * inv;
  return vector;
}

/** Adds a word's features: its stem, and the trigrams of `^word$` spread over one unit of weight. */
function addWord(vector: Float32Array, word: string, weight: number): void {
  addFeature(vector, `w:${lightStem(word)}`, WORD_WEIGHT * weight);
  const padded = `^${word}$`;
  const grams = padded.length - 2;
  if (grams < 2) return;
  const gramWeight = (TRIGRAM_WEIGHT * weight) / Math.sqrt(grams);
  for (let i = 0; i < grams; i++) addFeature(vector, padded.slice(i, i + 3), gramWeight);
}

/** The unit vector of `text`, synchronously (the built-in embedder blends it in). */
export function hashedVector(
  text: string,
  dimensions: number,
  weightOf?: (word: string) => number,
) {
  const vector = new Float32Array(dimensions);
  const all = words(text);
  for (const word of all) {
    const weight = weightOf ? weightOf(word) : STOP_WORDS.has(word) ? STOP_WORD_FACTOR : 1;
    addWord(vector, word, weight);
  }
  if (all.length === 0) addFeature(vector, EMPTY_FEATURE, 1);
  return l2Normalize(vector);
}

export class HashedEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;

  constructor(options: { dimensions?: number } = {}) {
    this.dimensions = options.dimensions ?? HASHED_DIMENSIONS;
    this.name = `spool-hashed-v1-${this.dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => hashedVector(text, this.dimensions));
  }
}
