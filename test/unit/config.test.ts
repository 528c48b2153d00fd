import { describe, expect, test } from "bun:test";
import { ConfigError, describeConfig, loadConfig } from "../../src/config.ts";
import { modelCatalog } from "../../src/model-catalog.ts";

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

  test("RATE_LIMIT_* defaults follow API.md and are validated", () => {
    expect(loadConfig({}).rateLimits).toEqual({
      sendsPerMinutePerEndUser: 60,
      sendsPerMinutePerTenant: 30_000,
      requestsPerMinutePerEndUser: 600,
      streamsPerEndUser: 20,
      streamsPerTenant: 10_000,
      dailyTokensPerEndUser: 0,
    });
    const raised = loadConfig({
      RATE_LIMIT_SENDS_PER_END_USER: "5",
      RATE_LIMIT_STREAMS_PER_END_USER: "0",
    });
    expect(raised.rateLimits.sendsPerMinutePerEndUser).toBe(5);
    expect(raised.rateLimits.streamsPerEndUser).toBe(0);
    expect(() => loadConfig({ RATE_LIMIT_REQUESTS_PER_END_USER: "-1" })).toThrow(
      /RATE_LIMIT_REQUESTS_PER_END_USER/,
    );
  });

  test("ECHO_MODEL=off removes spool/echo from the catalog", () => {
    const ids = (env: Record<string, string>) =>
      modelCatalog(loadConfig(env))
        .list()
        .map((m) => m.id);
    expect(ids({})).toContain("spool/echo");
    expect(ids({ ECHO_MODEL: "off" })).not.toContain("spool/echo");
    expect(modelCatalog(loadConfig({ ECHO_MODEL: "off" })).resolve("spool/echo")).toBeNull();
    expect(() => loadConfig({ ECHO_MODEL: "maybe" })).toThrow(/ECHO_MODEL/);
  });
});
