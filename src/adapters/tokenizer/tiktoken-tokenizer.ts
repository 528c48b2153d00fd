/**
 * Tokenizer on js-tiktoken's rank files (the o200k / cl100k BPE ranks ship inside the npm package,
 * so nothing is downloaded), counted by the bounded BpeCounter in the calling thread. OpenAI models
 * get their own encoding and exact counts; every other model (Anthropic, Mistral, the scripted
 * demo) is counted with o200k as a stand-in and marked inexact: their tokenizers are not published
 * as ranks, and o200k lands within ~10–20 % on English text. The server counts through
 * ThreadedTokenizer (a worker thread); this class is what runs inside it.
 */
import cl100k from "js-tiktoken/ranks/cl100k_base";
import o200k from "js-tiktoken/ranks/o200k_base";
import type { TokenCount, Tokenizer } from "../../ports/tokenizer.ts";
import { BpeCounter } from "./bpe-counter.ts";

export type Encoding = "o200k" | "cl100k";

/** gpt-4o, gpt-4.1, gpt-5, o1/o3/o4 use o200k; gpt-4 and gpt-3.5 use cl100k (OpenAI's tables). */
const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/;
const CL100K_MODELS = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)/;

export class TiktokenTokenizer implements Tokenizer {
  readonly #counters = new Map<Encoding, BpeCounter>();

  async count(model: string | null, texts: string[]): Promise<TokenCount> {
    return this.countNow(model, texts);
  }

  /**
   * Synchronous: for the worker thread, where blocking is the point. `lengths[i]`, when longer
   * than `texts[i]`, is the length of the whole text `texts[i]` is the head of (extrapolated).
   */
  countNow(model: string | null, texts: string[], lengths: number[] = []): TokenCount {
    const { encoding, exact } = encodingFor(model);
    const counter = this.#counter(encoding);
    let tokens = 0;
    let allExact = exact;
    // Special-token text in user content is counted as plain text, never interpreted.
    for (const [i, text] of texts.entries()) {
      if (!text) continue;
      const counted = counter.count(text);
      const whole = lengths[i] ?? text.length;
      if (whole > text.length) {
        tokens += Math.ceil((counted.tokens * whole) / text.length);
        allExact = false;
      } else {
        tokens += counted.tokens;
        allExact &&= counted.exact;
      }
    }
    return { tokens, exact: allExact };
  }

  #counter(encoding: Encoding): BpeCounter {
    let counter = this.#counters.get(encoding);
    if (!counter) {
      counter = new BpeCounter(encoding === "o200k" ? o200k : cl100k);
      this.#counters.set(encoding, counter);
    }
    return counter;
  }
}

/** `provider/name` or a bare name; only OpenAI's own models count exactly. */
export function encodingFor(model: string | null): { encoding: Encoding; exact: boolean } {
  if (!model) return { encoding: "o200k", exact: false };
  const slash = model.indexOf("/");
  const provider = slash >= 0 ? model.slice(0, slash) : null;
  const name = slash >= 0 ? model.slice(slash + 1) : model;
  const openai = provider === null || provider === "openai";
  if (openai && O200K_MODELS.test(name)) return { encoding: "o200k", exact: true };
  if (openai && CL100K_MODELS.test(name)) return { encoding: "cl100k", exact: true };
  return { encoding: "o200k", exact: false };
}
