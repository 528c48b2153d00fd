/**
 * What the OpenAI and Mistral embedders share: batching inputs into requests, truncating long
 * texts, L2-normalizing what comes back, and mapping SDK errors to the provider-neutral
 * `ModelProviderError` kinds (ports/llm.ts), so the embed worker retries the same way as a
 * generation does. SDK errors are read by their status field only: no SDK is imported here.
 */
import { type ModelErrorKind, ModelProviderError } from "../../ports/llm.ts";

/**
 * 16,000 chars (~4k tokens): under every embedding model's input limit (8k tokens); a longer
 * message is embedded by its beginning, which is where chat messages say what they are about.
 */
export const MAX_INPUT_CHARS = 16_000;

export interface BatchLimits {
  maxItems: number;
  maxChars: number;
}

/** Consecutive slices of `texts`, each within both limits (a single huge text is its own batch). */
export function batchTexts(texts: string[], limits: BatchLimits): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const text of texts) {
    if (
      current.length > 0 &&
      (current.length >= limits.maxItems || chars + text.length > limits.maxChars)
    ) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(text);
    chars += text.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Input as the APIs accept it: truncated, and never empty (both reject an empty string). */
export function prepareInput(text: string): string {
  const truncated = text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text;
  return truncated.trim() === "" ? "(empty)" : truncated;
}

/** The API's numbers as a unit Float32Array of the expected length. */
export function unitVector(
  values: readonly number[] | undefined,
  dimensions: number,
  provider: string,
): Float32Array {
  if (!values || values.length !== dimensions) {
    throw new ModelProviderError(
      "rejected",
      `${provider} returned a ${values?.length ?? 0}-d embedding, expected ${dimensions}`,
    );
  }
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const x of vector) norm += x * x;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * inv;
  return vector;
}

function statusOf(err: unknown): number | null {
  if (typeof err !== "object" || err === null) return null;
  const record = err as { status?: unknown; statusCode?: unknown };
  const status = record.status ?? record.statusCode;
  return typeof status === "number" ? status : null;
}

function kindOf(status: number | null): ModelErrorKind {
  if (status === null || status >= 500) return "unavailable";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  return "rejected";
}

/** Wraps any SDK error as a ModelProviderError (already-wrapped errors pass through). */
export function embeddingError(provider: string, err: unknown): ModelProviderError {
  if (err instanceof ModelProviderError) return err;
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return new ModelProviderError(kindOf(status), `${provider} embeddings: ${message}`, {
    cause: err,
  });
}
