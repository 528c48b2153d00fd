/**
 * The compact word-vector file of the built-in embedder: encode (scripts/build-word-vectors.ts)
 * and load. Layout, little-endian: "SPWV", u32 version, u32 count, u32 dims, u32 wordsBytes,
 * words (UTF-8, "\n"-joined, zero-padded to 4 bytes), u32 ranks[count], f32 scales[count],
 * f32 common[dims], i8 vectors[count × dims]; the whole file gzipped. Vectors stay int8 in memory
 * (5 MB for 50k words instead of 20 MB as float32); a word's vector is `scale × int8`.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const MAGIC = 0x56575053; // "SPWV" read as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 20;

export interface WordVectorSource {
  words: string[];
  /** 1-based frequency rank of each word in the source corpus (Zipf estimate of p(w)). */
  ranks: number[];
  /** Unit vectors, all of one length. */
  vectors: Float32Array[];
  /** Unit vector of the common direction removed from every sentence vector. */
  common: Float32Array;
}

export interface WordVectors {
  dims: number;
  index: Map<string, number>;
  ranks: Uint32Array;
  scales: Float32Array;
  common: Float32Array;
  /** Row-major, `dims` per word. */
  vectors: Int8Array;
}

const pad4 = (n: number) => (n + 3) & ~3;

export function encodeWordVectors(source: WordVectorSource): Uint8Array {
  const count = source.words.length;
  const dims = source.common.length;
  const wordBytes = new TextEncoder().encode(source.words.join("\n"));
  const wordsEnd = HEADER_BYTES + pad4(wordBytes.length);
  const total = wordsEnd + count * 8 + dims * 4 + count * dims;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  [MAGIC, VERSION, count, dims, wordBytes.length].forEach((v, i) => {
    view.setUint32(i * 4, v, true);
  });
  out.set(wordBytes, HEADER_BYTES);
  const vectorsAt = wordsEnd + count * 8 + dims * 4;
  source.vectors.forEach((v, i) => {
    let max = 0;
    for (const x of v) max = Math.max(max, Math.abs(x));
    const scale = max / 127 || 1;
    view.setUint32(wordsEnd + i * 4, source.ranks[i]!, true);
    view.setFloat32(wordsEnd + count * 4 + i * 4, scale, true);
    for (let d = 0; d < dims; d++)
      view.setInt8(vectorsAt + i * dims + d, Math.round(v[d]! / scale));
  });
  source.common.forEach((x, d) => {
    view.setFloat32(wordsEnd + count * 8 + d * 4, x, true);
  });
  return out;
}

export function decodeWordVectors(bytes: Uint8Array): WordVectors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [magic, version, count, dims, wordsLength] = [0, 1, 2, 3, 4].map((i) =>
    view.getUint32(i * 4, true),
  ) as [number, number, number, number, number];
  if (magic !== MAGIC || version !== VERSION) throw new Error("not a word-vector file (SPWV v1)");
  const words = new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + wordsLength));
  const index = new Map<string, number>();
  words.split("\n").forEach((word, i) => {
    index.set(word, i);
  });
  if (index.size !== count)
    throw new Error(`word-vector file lists ${index.size} words, not ${count}`);
  const at = HEADER_BYTES + pad4(wordsLength);
  // Copies: the gunzipped buffer's offsets are not guaranteed to be 4-byte aligned.
  const floats = (offset: number, n: number) =>
    Float32Array.from({ length: n }, (_, i) => view.getFloat32(offset + i * 4, true));
  const ranks = Uint32Array.from({ length: count }, (_, i) => view.getUint32(at + i * 4, true));
  const vectorsAt = at + count * 8 + dims * 4;
  return {
    dims,
    index,
    ranks,
    scales: floats(at + count * 4, count),
    common: floats(at + count * 8, dims),
    vectors: new Int8Array(bytes.slice(vectorsAt, vectorsAt + count * dims).buffer),
  };
}

/** Reads and decodes a gzipped word-vector file (synchronously: it is read once, at start). */
export function loadWordVectors(path: string | URL): WordVectors {
  return decodeWordVectors(new Uint8Array(gunzipSync(readFileSync(path))));
}
