/**
 * AnthropicProvider: the model port over the Anthropic Messages API (streaming, via the official
 * SDK). Wired by deps.ts from the `providers.anthropic` config slice; never reads the environment
 * itself, so base URL and key are always passed explicitly (the SDK would otherwise fall back to
 * ANTHROPIC_* variables). The SDK's own retries are off: Spool retries, and only before the first
 * chunk, in the actor.
 */
import Anthropic from "@anthropic-ai/sdk";
import type {
  ModelCapabilities,
  ModelProvider,
  ModelRequest,
  ModelStreamPart,
} from "../../../ports/llm.ts";
import { abortReason } from "../shared/provider-errors.ts";
import { fromAnthropicError } from "./anthropic-errors.ts";
import { toAnthropicRequest } from "./anthropic-request.ts";
import { AnthropicStreamTranslator } from "./anthropic-stream.ts";

export interface AnthropicProviderConfig {
  apiKey: string;
  /** null: the public API. */
  baseUrl: string | null;
  models?: string[];
}

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_MODELS = [
  "claude-opus-5-5",
  "claude-sonnet-5-5",
  "claude-haiku-5-5",
  "claude-sonnet-4-6",
];

export class AnthropicProvider implements ModelProvider {
  readonly name = "anthropic";
  readonly capabilities: ModelCapabilities = { images: true, tools: true };
  readonly #client: Anthropic;
  readonly #models: string[];

  constructor(config: AnthropicProviderConfig) {
    this.#client = new Anthropic({
      apiKey: config.apiKey,
      webhookKey: null,
      baseURL: config.baseUrl ?? ANTHROPIC_BASE_URL,
      maxRetries: 0,
      logLevel: "warn",
      openTelemetry: false,
    });
    this.#models = config.models?.length ? [...config.models] : [...ANTHROPIC_DEFAULT_MODELS];
  }

  models(): string[] {
    return [...this.#models];
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const { signal } = request;
    const body = toAnthropicRequest(request, this.name);
    const translator = new AnthropicStreamTranslator(this.name);
    try {
      const events = await this.#client.messages.create(body, { signal });
      for await (const event of events) yield* translator.push(event);
    } catch (error) {
      throw fromAnthropicError(error, this.name, signal);
    }
    // The SDK ends its iterator quietly when the request is aborted.
    if (signal.aborted) throw abortReason(signal);
    yield* translator.end();
  }
}
