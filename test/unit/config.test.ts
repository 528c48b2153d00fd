import { describe, expect, test } from "bun:test";
import { ConfigError, describeConfig, loadConfig } from "../../src/config.ts";

describe("config", () => {
  test("defaults give the embedded mode", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.redis.url).toBeNull();
    expect(config.mongo).toBeNull();
    expect(config.lease.renewEveryMs).toBe(Math.floor(config.lease.ttlMs / 3));
    expect(describeConfig(config)).toMatchObject({
      redis: "embedded",
      store: "sqlite",
      search: "sqlite",
    });
  });

  test("every violation is listed with the variable and what was expected", () => {
    try {
      loadConfig({
        PORT: "http",
        LEASE_TTL_MS: "5",
        REDIS_URL: "not a url",
        EMBEDDER: "magic",
        COMPAT_PROVIDERS: "Bad Name",
      });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      for (const name of [
        "PORT=http",
        "LEASE_TTL_MS=5",
        "REDIS_URL=not a url",
        "EMBEDDER=magic",
        "COMPAT_PROVIDERS",
      ]) {
        expect(problems).toContain(name);
      }
    }
  });

  test("a provider with a key is enabled; compatible providers need a base URL", () => {
    const config = loadConfig({
      OPENAI_API_KEY: "k",
      COMPAT_PROVIDERS: "ollama",
      OLLAMA_BASE_URL: "http://127.0.0.1:11434/v1",
    });
    expect(config.providers.openai).toEqual({ apiKey: "k", baseUrl: null });
    expect(config.providers.compatible).toEqual([
      { name: "ollama", baseUrl: "http://127.0.0.1:11434/v1", apiKey: "none" },
    ]);
    expect(() => loadConfig({ COMPAT_PROVIDERS: "vllm" })).toThrow(/VLLM_BASE_URL/);
  });

  test("the start-up summary never contains a secret", () => {
    const summary = JSON.stringify(
      describeConfig(loadConfig({ ADMIN_KEY: "admin-secret", OPENAI_API_KEY: "sk-secret" })),
    );
    expect(summary).not.toContain("admin-secret");
    expect(summary).not.toContain("sk-secret");
  });
});
