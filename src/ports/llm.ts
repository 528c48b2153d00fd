/**
 * A model provider: turns a thread (Spool blocks) into a stream of provider-neutral parts.
 * Adapters (adapters/llm/<provider>/) translate Spool blocks to the provider's request format,
 * rewrite tool ids to the provider's rules, drop thinking blocks made by another provider, and map
 * the provider's stream back to these parts. The built-in `spool/echo` model is a real adapter.
 *
 * Stream contract:
 * - Parts arrive in order; block indexes start at 0 and grow by one per `block_start`.
 * - `block_start` carries the block without its streamed part (text "", tool_use input {},
 *   thinking ""); deltas follow; `block_stop` closes it. A tool_use block's complete input is the
 *   concatenation of its `input_json_delta`s (or `{}` when there are none).
 * - A thinking block's provider signature, which Anthropic sends only after the thinking text,
 *   rides on its `block_stop` (`signature`), so thinking can stream live and still be signed.
 * - `usage` may come any number of times; the last value of each field wins.
 * - The stream ends with exactly one `stop`, or throws a ModelProviderError.
 * - Aborting `signal` ends the stream promptly (the iterator throws or returns).
 */
import type { ModelMessage } from "../domain/model-context.ts";
import type { Block, ImageBlock } from "../protocol/blocks.ts";
import type { BlockDelta } from "../protocol/events.ts";
import type { ToolDefinition } from "../protocol/requests.ts";

export interface ModelRequest {
  /** The provider's own model name (without the `provider/` prefix). */
  model: string;
  system: string | null;
  messages: ModelMessage[];
  tools: ToolDefinition[];
  maxTokens: number;
  temperature: number | null;
  signal: AbortSignal;
}

export type ModelStopReason = "end_turn" | "tool_use" | "max_tokens";

export type ModelStreamPart =
  | { type: "block_start"; index: number; block: Block }
  | { type: "block_delta"; index: number; delta: BlockDelta }
  | { type: "block_stop"; index: number; signature?: string }
  | {
      type: "usage";
      /** Every input token, cached or not. */
      input_tokens?: number;
      output_tokens?: number;
      /** Of the input, read from / written to the provider's prompt cache (Anthropic). */
      cache_read_tokens?: number;
      cache_write_tokens?: number;
    }
  | { type: "stop"; reason: ModelStopReason };

export type ModelErrorKind =
  /** 429 from the provider. Retryable before the first chunk. */
  | "rate_limited"
  /** 5xx, overloaded, connection refused or dropped. Retryable before the first chunk. */
  | "unavailable"
  /** The provider refused the request (bad input, unsupported content). Not retryable. */
  | "rejected"
  /** Authentication with the provider failed. Not retryable. */
  | "auth";

export class ModelProviderError extends Error {
  readonly kind: ModelErrorKind;
  readonly retryAfterMs: number | null;
  constructor(
    kind: ModelErrorKind,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ModelProviderError";
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}

export interface ModelCapabilities {
  images: boolean;
  tools: boolean;
}

export interface ModelProvider {
  /** Provider name as used in `provider/model` (`anthropic`, `openai`, `mistral`, `spool`, …). */
  readonly name: string;
  readonly capabilities: ModelCapabilities;
  /** Model names advertised by `GET /v1/models` (others may still work). */
  models(): string[];
  stream(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}

/** Images a provider cannot take are refused before the call with this. */
export function hasImages(messages: ModelMessage[]): boolean {
  const isImage = (b: Block | ImageBlock): boolean => b.type === "image";
  return messages.some((m) =>
    m.content.some(
      (b) =>
        isImage(b) ||
        (b.type === "tool_result" && Array.isArray(b.content) && b.content.some(isImage)),
    ),
  );
}

/** Resolves the `model` of a send (`provider/name`, or a well-known bare name) to a provider. */
export interface ModelCatalog {
  resolve(model: string): { provider: ModelProvider; model: string } | null;
  /** The most output tokens one call of a resolved model may ask for. */
  maxOutputTokens(resolved: { provider: ModelProvider; model: string }): number;
  /** Tokens one request of a resolved model may hold, input and output together. */
  contextWindow(resolved: { provider: ModelProvider; model: string }): number;
  list(): {
    id: string;
    provider: string;
    object: "model";
    max_output_tokens: number;
    context_window: number;
  }[];
}
