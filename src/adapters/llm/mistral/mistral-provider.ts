/**
 * MistralProvider: the model port over Mistral chat streaming (`chat.stream` of the official SDK).
 * Wired by deps.ts from the `providers.mistral` config slice; key and server URL are passed
 * explicitly, so the SDK never falls back to MISTRAL_API_KEY. Retries are off (`strategy: none`):
 * Spool retries, and only before the first chunk, in the actor.
 */
import { Mistral } from "@mistralai/mistralai";
import {
  hasImages,
  type ModelCapabilities,
  type ModelProvider,
  ModelProviderError,
  type ModelRequest,
  type ModelStreamPart,
} from "../../../ports/llm.ts";
import { abortReason } from "../shared/provider-errors.ts";
import { fromMistralError } from "./mistral-errors.ts";
import { toMistralRequest } from "./mistral-request.ts";
import { MistralStreamTranslator } from "./mistral-stream.ts";

export interface MistralProviderConfig {
  apiKey: string;
  /** null: the public API. */
  baseUrl: string | null;
  models?: string[];
}

export const MISTRAL_BASE_URL = "https://api.mistral.ai";
export const MISTRAL_DEFAULT_MODELS = [
  "mistral-large-latest",
  "mistral-medium-latest",
  "mistral-small-latest",
  "magistral-medium-latest",
  "codestral-latest",
];
/** Mistral models without vision; newer families (large 3, medium, small 3.1+, pixtral) have it. */
const MISTRAL_TEXT_ONLY =
  /^(codestral|devstral|open-mistral|open-mixtral|mistral-tiny|mistral-embed|mistral-moderation|mistral-saba|ministral-(3b|8b)-2410)/;

export class MistralProvider implements ModelProvider {
  readonly name = "mistral";
  readonly capabilities: ModelCapabilities = { images: true, tools: true };
  readonly #client: Mistral;
  readonly #models: string[];

  constructor(config: MistralProviderConfig) {
    this.#client = new Mistral({
      apiKey: config.apiKey,
      serverURL: config.baseUrl ?? MISTRAL_BASE_URL,
      retryConfig: { strategy: "none" },
    });
    this.#models = config.models?.length ? [...config.models] : [...MISTRAL_DEFAULT_MODELS];
  }

  models(): string[] {
    return [...this.#models];
  }

  acceptsImages(model: string): boolean {
    return !MISTRAL_TEXT_ONLY.test(model);
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const { signal } = request;
    if (!this.acceptsImages(request.model) && hasImages(request.messages)) {
      throw new ModelProviderError("rejected", `${this.name}/${request.model} takes no images`);
    }
    const body = toMistralRequest(request, this.name);
    const translator = new MistralStreamTranslator(this.name);
    try {
      const events = await this.#client.chat.stream(body, { signal });
      for await (const event of events) yield* translator.push(event.data);
    } catch (error) {
      throw fromMistralError(error, this.name, signal);
    }
    if (signal.aborted) throw abortReason(signal);
    yield* translator.end();
  }
}
