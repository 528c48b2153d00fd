import { describe, expect, test } from "bun:test";
import { ProviderRegistry } from "../../src/adapters/llm/provider-registry.ts";
import type { ModelProvider, ModelStreamPart } from "../../src/ports/llm.ts";

function fake(name: string, models: string[]): ModelProvider {
  return {
    name,
    capabilities: { images: false, tools: false },
    models: () => models,
    async *stream(): AsyncIterable<ModelStreamPart> {
      yield { type: "stop", reason: "end_turn" };
    },
  };
}

const registry = new ProviderRegistry([
  fake("anthropic", ["claude-sonnet-4-6"]),
  fake("openai", ["gpt-5.1"]),
  fake("mistral", ["mistral-large-latest"]),
  fake("ollama", ["llama3.3", "library/qwen3"]),
]);

describe("ProviderRegistry.resolve", () => {
  test("provider/name splits at the first slash", () => {
    expect(registry.resolve("anthropic/claude-sonnet-4-6")).toMatchObject({
      provider: { name: "anthropic" },
      model: "claude-sonnet-4-6",
    });
    expect(registry.resolve("ollama/library/qwen3")).toMatchObject({
      provider: { name: "ollama" },
      model: "library/qwen3",
    });
  });

  test.each([
    ["claude-opus-5-5", "anthropic"],
    ["gpt-5.1", "openai"],
    ["o1", "openai"],
    ["o3-mini", "openai"],
    ["o4-mini", "openai"],
    ["mistral-large-latest", "mistral"],
    ["magistral-medium-latest", "mistral"],
    ["codestral-latest", "mistral"],
    ["ministral-8b-latest", "mistral"],
  ])("bare %s resolves to %s", (model, provider) => {
    expect(registry.resolve(model)).toMatchObject({ provider: { name: provider }, model });
  });

  test.each([["unknown/x"], ["llama3.3"], ["anthropic/"], ["/x"], [""]])(
    "%p does not resolve",
    (m) => {
      expect(registry.resolve(m)).toBeNull();
    },
  );

  test("a well-known name of a provider that is not configured does not resolve", () => {
    expect(new ProviderRegistry([fake("openai", [])]).resolve("claude-sonnet-4-6")).toBeNull();
  });
});

describe("ProviderRegistry", () => {
  test("list() names every advertised model as provider/model", () => {
    expect(registry.list()).toContainEqual({
      id: "ollama/library/qwen3",
      provider: "ollama",
      object: "model",
      max_output_tokens: 32_768,
    });
    expect(registry.list()).toHaveLength(5);
  });

  test("every model has a max_output_tokens; known families get their published maximum", () => {
    const limits = new Map(registry.list().map((m) => [m.id, m.max_output_tokens]));
    for (const value of limits.values()) expect(value).toBeGreaterThan(0);
    expect(limits.get("openai/gpt-5.1")).toBe(128_000);
    expect(limits.get("anthropic/claude-sonnet-4-6")).toBe(64_000);
    const haiku = registry.resolve("anthropic/claude-3-5-haiku-latest");
    expect(haiku && registry.maxOutputTokens(haiku)).toBe(8192);
  });

  test("a name registered twice is refused", () => {
    expect(() => registry.register(fake("openai", []))).toThrow(/twice/);
  });
});
