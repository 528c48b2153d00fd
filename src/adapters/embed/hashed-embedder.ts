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

const FNV_OFFSET = 0x811c9dc5;
const CARET = 0x5e; // "^": a trigram at a word's start
const DOLLAR = 0x24; // "$": a trigram at a word's end
const W = 0x77;
const COLON = 0x3a;

function fnv(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193);
}

function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 units, then murmur3's finalizer so low bits are well mixed. */
export function hash32(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = fnv(h, text.charCodeAt(i));
  return mix(h);
}

function addFeature(vector: Float32Array, feature: string, weight: number): void {
  addHashed(vector, hash32(feature), weight);
}

function addHashed(vector: Float32Array, h: number, weight: number): void {
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

/** Code unit `i` of `^word$`, without building the string. */
function paddedCode(word: string, i: number): number {
  if (i === 0) return CARET;
  return i > word.length ? DOLLAR : word.charCodeAt(i - 1);
}

/**
 * Adds a word's features: its stem (`w:<stem>`), and the trigrams of `^word$` spread over one unit
 * of weight. The hashes are those of the feature strings, computed from the word's code units
 * without slicing: the lexical half cost three times the word-vector half of the built-in
 * embedder when every trigram was a new string (issue 17's persist profile).
 */
function addWord(vector: Float32Array, word: string, weight: number): void {
  const stem = lightStem(word);
  let h = fnv(fnv(FNV_OFFSET, W), COLON);
  for (let i = 0; i < stem.length; i++) h = fnv(h, stem.charCodeAt(i));
  addHashed(vector, mix(h), WORD_WEIGHT * weight);
  const grams = word.length;
  if (grams < 2) return;
  const gramWeight = (TRIGRAM_WEIGHT * weight) / Math.sqrt(grams);
  for (let i = 0; i < grams; i++) {
    const g = fnv(
      fnv(fnv(FNV_OFFSET, paddedCode(word, i)), paddedCode(word, i + 1)),
      paddedCode(word, i + 2),
    );
    addHashed(vector, mix(g), gramWeight);
  }
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
