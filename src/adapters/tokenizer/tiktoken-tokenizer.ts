/**
 * Tokenizer on js-tiktoken (pure JS; the o200k / cl100k BPE ranks ship inside the npm package, so
 * nothing is downloaded). OpenAI models get their own encoding and exact counts; every other model
 * (Anthropic, Mistral, the scripted demo) is counted with o200k as a stand-in and marked inexact:
 * their tokenizers are not published as ranks, and o200k lands within ~10–20 % on English text.
 */
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import o200k from "js-tiktoken/ranks/o200k_base";
import type { TokenCount, Tokenizer } from "../../ports/tokenizer.ts";

type Encoding = "o200k" | "cl100k";

/** gpt-4o, gpt-4.1, gpt-5, o1/o3/o4 use o200k; gpt-4 and gpt-3.5 use cl100k (OpenAI's tables). */
const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/;
const CL100K_MODELS = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)/;

export class TiktokenTokenizer implements Tokenizer {
  readonly #encoders = new Map<Encoding, Tiktoken>();

  count(model: string | null, texts: string[]): TokenCount {
    const { encoding, exact } = encodingFor(model);
    const encoder = this.#encoder(encoding);
    let tokens = 0;
    // Special-token text in user content is counted as plain text, never interpreted.
    for (const text of texts) if (text) tokens += encoder.encode(text, [], []).length;
    return { tokens, exact };
  }

  #encoder(encoding: Encoding): Tiktoken {
    let encoder = this.#encoders.get(encoding);
    if (!encoder) {
      encoder = new Tiktoken(encoding === "o200k" ? o200k : cl100k);
      this.#encoders.set(encoding, encoder);
    }
    return encoder;
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
