/**
 * ProviderRegistry: the configured model providers by name; resolves a send's `model` string and
 * lists models for GET /v1/models. Built by deps.ts, read by the routes and the actor. Imports
 * only the port (no SDK). `provider/name` splits at the first `/` (model names may contain more
 * slashes); a bare name resolves only when it is a well-known family of a registered provider.
 */
import type { ModelLimitOverrides } from "../../domain/model-limit-overrides.ts";
import type { ModelProvider } from "../../ports/llm.ts";
import { contextWindowOf, maxOutputTokensOf } from "./model-limits.ts";

export interface ResolvedModel {
  provider: ModelProvider;
  /** The provider's own model name, without the `provider/` prefix. */
  model: string;
}

export interface ModelListEntry {
  id: string;
  provider: string;
  object: "model";
  max_output_tokens: number;
  context_window: number;
}

/** Bare model names that unambiguously belong to one provider. */
const WELL_KNOWN: ReadonlyArray<{ pattern: RegExp; provider: string }> = [
  { pattern: /^claude-/, provider: "anthropic" },
  { pattern: /^(gpt-|o1|o3|o4)/, provider: "openai" },
  { pattern: /^(mistral-|magistral-|codestral-|ministral-)/, provider: "mistral" },
];

export class ProviderRegistry {
  readonly #providers = new Map<string, ModelProvider>();

  /** `overrides`: MODEL_LIMITS, by `provider/name`, over the built-in limits. */
  constructor(
    providers: Iterable<ModelProvider> = [],
    private readonly overrides: ModelLimitOverrides = {},
  ) {
    for (const p of providers) this.register(p);
  }

  register(provider: ModelProvider): void {
    if (this.#providers.has(provider.name)) {
      throw new Error(`model provider "${provider.name}" is registered twice`);
    }
    this.#providers.set(provider.name, provider);
  }

  get(name: string): ModelProvider | null {
    return this.#providers.get(name) ?? null;
  }

  names(): string[] {
    return [...this.#providers.keys()];
  }

  /** `provider/name` or a well-known bare name → the provider and its model name; else null. */
  resolve(model: string): ResolvedModel | null {
    const slash = model.indexOf("/");
    if (slash >= 0) {
      const provider = this.#providers.get(model.slice(0, slash));
      const name = model.slice(slash + 1);
      return provider && name ? { provider, model: name } : null;
    }
    const known = WELL_KNOWN.find((k) => k.pattern.test(model));
    const provider = known ? this.#providers.get(known.provider) : undefined;
    return provider ? { provider, model } : null;
  }

  /** The most output tokens one call of this model may ask for (model-limits.ts). */
  maxOutputTokens(resolved: ResolvedModel): number {
    return this.#maxOutputTokens(resolved.provider.name, resolved.model);
  }

  /** Tokens one request of this model may hold, input and output (model-limits.ts). */
  contextWindow(resolved: ResolvedModel): number {
    return this.#contextWindow(resolved.provider.name, resolved.model);
  }

  /** The providers' advertised models, plus the models MODEL_LIMITS names for a registered one. */
  list(): ModelListEntry[] {
    return [...this.#providers.values()].flatMap((p) => {
      const configured = Object.keys(this.overrides)
        .filter((id) => id.startsWith(`${p.name}/`))
        .map((id) => id.slice(p.name.length + 1));
      const names = [...new Set([...p.models(), ...configured])];
      return names.map((m) => ({
        id: `${p.name}/${m}`,
        provider: p.name,
        object: "model" as const,
        max_output_tokens: this.#maxOutputTokens(p.name, m),
        context_window: this.#contextWindow(p.name, m),
      }));
    });
  }

  #maxOutputTokens(provider: string, model: string): number {
    return (
      this.overrides[`${provider}/${model}`]?.maxOutputTokens ?? maxOutputTokensOf(provider, model)
    );
  }

  #contextWindow(provider: string, model: string): number {
    return (
      this.overrides[`${provider}/${model}`]?.contextWindow ?? contextWindowOf(provider, model)
    );
  }
}
