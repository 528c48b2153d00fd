/**
 * Embeddings from OpenAI (or an OpenAI-compatible server via `baseUrl`) through the official SDK.
 * Inputs are sent in batches, results put back in input order by their `index` and
 * L2-normalized. `dimensions` is known for OpenAI's models; for others it must be given, and for
 * the text-embedding-3 family it is also sent, which shortens the vectors server-side.
 */
import OpenAI from "openai";
import type { Embedder } from "../../ports/embedder.ts";
import { batchTexts, embeddingError, prepareInput, unitVector } from "./remote-embedding.ts";

export const OPENAI_DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";
const KNOWN_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};
/** 256 inputs / 400k chars (~100k tokens) per request: well inside OpenAI's 2048 / 300k-token caps. */
const LIMITS = { maxItems: 256, maxChars: 400_000 };

export interface OpenAiEmbedderOptions {
  apiKey: string;
  baseUrl: string | null;
  model: string | null;
  /** Required for models not listed above. */
  dimensions?: number;
  /** SDK retries of a failed request (default 2, the SDK's); the embed worker retries too. */
  maxRetries?: number;
}

export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #sendDimensions: boolean;

  constructor(options: OpenAiEmbedderOptions) {
    this.#model = options.model ?? OPENAI_DEFAULT_EMBEDDING_MODEL;
    const dimensions = options.dimensions ?? KNOWN_DIMENSIONS[this.#model];
    if (!dimensions)
      throw new Error(`embedding model ${this.#model}: dimensions unknown, pass them`);
    this.dimensions = dimensions;
    this.#sendDimensions =
      options.dimensions !== undefined && this.#model.startsWith("text-embedding-3");
    this.name = `openai/${this.#model}/${dimensions}`;
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl ?? undefined,
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    });
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of batchTexts(texts.map(prepareInput), LIMITS)) {
      out.push(...(await this.#embedBatch(batch)));
    }
    return out;
  }

  async #embedBatch(input: string[]): Promise<Float32Array[]> {
    try {
      const response = await this.#client.embeddings.create({
        model: this.#model,
        input,
        encoding_format: "float",
        ...(this.#sendDimensions ? { dimensions: this.dimensions } : {}),
      });
      const byIndex = [...response.data].sort((a, b) => a.index - b.index);
      if (byIndex.length !== input.length)
        throw new Error(`${byIndex.length} embeddings for ${input.length} inputs`);
      return byIndex.map((item) => unitVector(item.embedding, this.dimensions, "openai"));
    } catch (err) {
      throw embeddingError("openai", err);
    }
  }
}
