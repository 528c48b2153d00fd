/**
 * A bounded BPE token counter over js-tiktoken's rank files (o200k / cl100k). js-tiktoken's own
 * merge is quadratic in a piece's length with a string key per pair per round, so one 20 KB run of
 * one character (a single regex piece) took ~25 s. Here a piece longer than MAX_PIECE_BYTES is cut
 * into pieces of that size before merging (cost linear in the text; the count of a cut piece may
 * differ by a token per cut, so the result says `exact: false`), keys are latin1 strings, and a
 * text past MAX_COUNTED_CHARS is counted on its head and extrapolated. Same greedy lowest-rank,
 * leftmost merge as tiktoken, so uncut text counts exactly as js-tiktoken does (unit-tested).
 */

export interface RankFile {
  pat_str: string;
  bpe_ranks: string;
}

/** 32 bytes: longer than nearly every token of o200k / cl100k; the merge is quadratic in it. */
export const MAX_PIECE_BYTES = 32;
/** 1 Mi characters: at most ~1–2 s of a worker thread whatever the text; beyond, extrapolated. */
export const MAX_COUNTED_CHARS = 1024 * 1024;

/** js-tiktoken's compact rank format: lines of `! <offset> <base64 token> …`; atob gives latin1. */
function loadRanks(file: RankFile): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const line of file.bpe_ranks.split("\n")) {
    if (!line) continue;
    const [, offsetText, ...tokens] = line.split(" ");
    const offset = Number.parseInt(offsetText ?? "0", 10);
    for (const [i, token] of tokens.entries()) ranks.set(atob(token), offset + i);
  }
  return ranks;
}

const encoder = new TextEncoder();

function bytesToLatin1(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);
}

/** True when every char is ASCII: the string is then its own latin1 byte key. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** 16k pieces: repeated words and repeated runs merge once (bounded memory: cleared when full). */
const PIECE_CACHE_ENTRIES = 16_384;

export class BpeCounter {
  readonly #ranks: Map<string, number>;
  readonly #pattern: RegExp;
  readonly #cache = new Map<string, number>();

  constructor(file: RankFile) {
    this.#ranks = loadRanks(file);
    this.#pattern = new RegExp(file.pat_str, "gu");
  }

  /** Tokens of `text`; `exact` is false when a piece was cut or the text was extrapolated. */
  count(text: string): { tokens: number; exact: boolean } {
    if (text.length > MAX_COUNTED_CHARS) {
      const head = this.count(text.slice(0, MAX_COUNTED_CHARS)).tokens;
      return { tokens: Math.ceil((head * text.length) / MAX_COUNTED_CHARS), exact: false };
    }
    let tokens = 0;
    let exact = true;
    this.#pattern.lastIndex = 0;
    for (const match of text.matchAll(this.#pattern)) {
      const piece = match[0];
      const ascii = isAscii(piece);
      if (ascii && this.#ranks.has(piece)) {
        tokens++;
        continue;
      }
      const bytes = ascii ? null : encoder.encode(piece);
      const byteLength = bytes ? bytes.length : piece.length;
      if (byteLength > MAX_PIECE_BYTES) exact = false;
      for (let from = 0; from < byteLength; from += MAX_PIECE_BYTES) {
        const to = Math.min(byteLength, from + MAX_PIECE_BYTES);
        tokens += this.#cached(bytes ? bytesToLatin1(bytes, from, to) : piece.slice(from, to));
      }
    }
    return { tokens, exact };
  }

  #cached(key: string): number {
    let tokens = this.#cache.get(key);
    if (tokens === undefined) {
      tokens = this.#pieceTokens(key);
      if (this.#cache.size >= PIECE_CACHE_ENTRIES) this.#cache.clear();
      this.#cache.set(key, tokens);
    }
    return tokens;
  }

  /** BPE of one piece (latin1, a char per byte): merge the adjacent pair of lowest rank, leftmost. */
  #pieceTokens(piece: string): number {
    const length = piece.length;
    if (length <= 1) return length;
    if (this.#ranks.has(piece)) return 1;
    // starts[i]: offset of part i; pairRank[i]: rank of part i joined with part i + 1.
    const starts: number[] = [];
    for (let i = 0; i <= length; i++) starts.push(i);
    const pairRank: number[] = [];
    for (let i = 0; i + 1 < length; i++) pairRank.push(this.#rankOf(piece, starts, i));
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < pairRank.length; i++) {
        const rank = pairRank[i]!;
        if (rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      starts.splice(best + 1, 1);
      pairRank.splice(best, 1);
      if (best < pairRank.length) pairRank[best] = this.#rankOf(piece, starts, best);
      if (best > 0) pairRank[best - 1] = this.#rankOf(piece, starts, best - 1);
    }
    return starts.length - 1;
  }

  /** Rank of parts i and i + 1 merged, or Infinity when that byte string is no token. */
  #rankOf(piece: string, starts: number[], i: number): number {
    const end = starts[i + 2];
    if (end === undefined) return Number.POSITIVE_INFINITY;
    return this.#ranks.get(piece.slice(starts[i]!, end)) ?? Number.POSITIVE_INFINITY;
  }
}
