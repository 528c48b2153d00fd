/**
 * OpenAIProvider: the model port over Chat Completions streaming (official SDK), for OpenAI itself
 * and for any OpenAI-compatible endpoint (`name` + `baseUrl`: Ollama, vLLM, a proxy). Wired by
 * deps.ts from the `providers.openai` / `providers.compatible[]` config slices; never reads the
 * environment (every SDK option that would fall back to OPENAI_* variables is passed). The SDK's
 * retries are off: Spool retries, and only before the first chunk, in the actor.
 */
import OpenAI from "openai";
import {
  hasImages,
  type ModelCapabilities,
  type ModelProvider,
  ModelProviderError,
  type ModelRequest,
  type ModelStreamPart,
} from "../../../ports/llm.ts";
import { abortReason } from "../shared/provider-errors.ts";
import { fromOpenAIError } from "./openai-errors.ts";
import { type OpenAIRequestOptions, toOpenAIRequest } from "./openai-request.ts";
import { OpenAIStreamTranslator } from "./openai-stream.ts";

export interface OpenAIProviderConfig {
  /** Provider name in `provider/model`; default `openai`. Any other name is a compatible endpoint. */
  name?: string;
  apiKey: string;
  /** null: the public OpenAI API (required for a compatible endpoint). */
  baseUrl: string | null;
  models?: string[];
}

export const OPENAI_PROVIDER_NAME = "openai";
export const OPENAI_BASE_URL = "https://api.openai.com/v1";
export const OPENAI_DEFAULT_MODELS = ["gpt-5.5", "gpt-5.4-mini", "gpt-5.1", "gpt-4.1"];
/** OpenAI models that take no image input. Compatible endpoints are not guessed at: they decide. */
const OPENAI_TEXT_ONLY =
  /^(gpt-3\.5|gpt-4$|gpt-4-(0314|0613|32k)|o1-mini|o1-preview|o3-mini|gpt-4o(-mini)?-audio|gpt-audio|gpt-realtime)/;

export class OpenAIProvider implements ModelProvider {
  readonly name: string;
  readonly capabilities: ModelCapabilities = { images: true, tools: true };
  readonly #client: OpenAI;
  readonly #models: string[];
  readonly #requestOptions: OpenAIRequestOptions;

  constructor(config: OpenAIProviderConfig) {
    this.name = config.name ?? OPENAI_PROVIDER_NAME;
    const compatible = this.name !== OPENAI_PROVIDER_NAME;
    if (compatible && !config.baseUrl) {
      throw new Error(`compatible provider ${this.name} needs a base URL`);
    }
    this.#client = new OpenAI({
      apiKey: config.apiKey,
      baseURL: config.baseUrl ?? OPENAI_BASE_URL,
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      maxRetries: 0,
      logLevel: "warn",
    });
    const defaults = compatible ? [] : OPENAI_DEFAULT_MODELS;
    this.#models = config.models?.length ? [...config.models] : [...defaults];
    this.#requestOptions = {
      maxTokensField: compatible ? "max_tokens" : "max_completion_tokens",
    };
  }

  models(): string[] {
    return [...this.#models];
  }

  /** Whether `model` takes images; false only for OpenAI models known to be text-only. */
  acceptsImages(model: string): boolean {
    return this.name !== OPENAI_PROVIDER_NAME || !OPENAI_TEXT_ONLY.test(model);
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const { signal } = request;
    if (!this.acceptsImages(request.model) && hasImages(request.messages)) {
      throw new ModelProviderError("rejected", `${this.name}/${request.model} takes no images`);
    }
    const body = toOpenAIRequest(request, this.#requestOptions);
    const translator = new OpenAIStreamTranslator(this.name);
    try {
      const chunks = await this.#client.chat.completions.create(body, { signal });
      for await (const chunk of chunks) yield* translator.push(chunk);
    } catch (error) {
      throw fromOpenAIError(error, this.name, signal);
    }
    // The SDK ends its iterator quietly when the request is aborted.
    if (signal.aborted) throw abortReason(signal);
    yield* translator.end();
  }
}
