/**
 * Text to vectors for semantic search. `embed` returns one vector per input text, each of
 * `dimensions` length, L2-normalized. Implementations: the built-in offline embedder (default),
 * OpenAI and Mistral embeddings.
 */
export interface Embedder {
  /** Stable name; vectors of different embedders are never mixed in one index. */
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}
