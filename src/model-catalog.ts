/**
 * The model catalog from the configuration: the scripted demo model (unless ECHO_MODEL=off), plus each provider
 * that has a key. Apart from backends.ts so that worker processes, which never call a model, do
 * not pay for loading the provider SDKs (~1 s for Mistral's).
 */
import { AnthropicProvider } from "./adapters/llm/anthropic/anthropic-provider.ts";
import { MistralProvider } from "./adapters/llm/mistral/mistral-provider.ts";
import { OpenAIProvider } from "./adapters/llm/openai/openai-provider.ts";
import { ProviderRegistry } from "./adapters/llm/provider-registry.ts";
import { ScriptedProvider } from "./adapters/llm/scripted/scripted-provider.ts";
import type { Config } from "./config.ts";

export function modelCatalog(config: Config): ProviderRegistry {
  const registry = new ProviderRegistry(
    config.echoModel ? [new ScriptedProvider()] : [],
    config.modelLimits,
  );
  const { anthropic, openai, mistral, compatible } = config.providers;
  if (anthropic) registry.register(new AnthropicProvider(anthropic));
  if (openai) registry.register(new OpenAIProvider(openai));
  if (mistral) registry.register(new MistralProvider(mistral));
  for (const provider of compatible) registry.register(new OpenAIProvider(provider));
  return registry;
}
