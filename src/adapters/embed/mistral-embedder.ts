/**
 * Embeddings from Mistral through the official SDK (`serverURL` from `baseUrl`). Batches are
 * small because Mistral limits tokens per request; results go back in input order by `index`
 * and are L2-normalized. The SDK returns camelCase fields and optional members: checked here.
 */
import { Mistral } from "@mistralai/mistralai";
import type { Embedder } from "../../ports/embedder.ts";
import { batchTexts, embeddingError, prepareInput, unitVector } from "./remote-embedding.ts";

export const MISTRAL_DEFAULT_EMBEDDING_MODEL = "mistral-embed";
const KNOWN_DIMENSIONS: Record<string, number> = {
  "mistral-embed": 1024,
  "codestral-embed": 1536,
};
/** 64 inputs / 32k chars (~8k tokens) per request: inside Mistral's per-request token limit. */
const LIMITS = { maxItems: 64, maxChars: 32_000 };

export interface MistralEmbedderOptions {
  apiKey: string;
  baseUrl: string | null;
  model: string | null;
  /** Required for models not listed above. */
  dimensions?: number;
}

export class MistralEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly #client: Mistral;
  readonly #model: string;

  constructor(options: MistralEmbedderOptions) {
    this.#model = options.model ?? MISTRAL_DEFAULT_EMBEDDING_MODEL;
    const dimensions = options.dimensions ?? KNOWN_DIMENSIONS[this.#model];
    if (!dimensions)
      throw new Error(`embedding model ${this.#model}: dimensions unknown, pass them`);
    this.dimensions = dimensions;
    this.name = `mistral/${this.#model}/${dimensions}`;
    this.#client = new Mistral({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { serverURL: options.baseUrl } : {}),
    });
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of batchTexts(texts.map(prepareInput), LIMITS)) {
      out.push(...(await this.#embedBatch(batch)));
    }
    return out;
  }

  async #embedBatch(inputs: string[]): Promise<Float32Array[]> {
    try {
      const response = await this.#client.embeddings.create({ model: this.#model, inputs });
      const byIndex = [...response.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (byIndex.length !== inputs.length)
        throw new Error(`${byIndex.length} embeddings for ${inputs.length} inputs`);
      return byIndex.map((item) => unitVector(item.embedding, this.dimensions, "mistral"));
    } catch (err) {
      throw embeddingError("mistral", err);
    }
  }
}
