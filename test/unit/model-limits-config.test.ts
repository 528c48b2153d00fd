// MODEL_LIMITS: per-model limits set by the operator, validated at start-up with every problem
// listed (a typo must stop the server, not fail a turn later), and shown by GET /v1/models.
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config.ts";
import { modelCatalog } from "../../src/model-catalog.ts";

const LOCAL = { COMPAT_PROVIDERS: "local", LOCAL_BASE_URL: "http://127.0.0.1:9/v1" };

function problemsOf(value: string): string[] {
  try {
    loadConfig({ ...LOCAL, MODEL_LIMITS: value });
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
  throw new Error("expected a config error");
}

describe("MODEL_LIMITS", () => {
  test("sets a compatible model's limits and overrides a built-in one; GET /v1/models shows them", () => {
    const config = loadConfig({
      ...LOCAL,
      MODEL_LIMITS: JSON.stringify({
        "local/tiny": { context_window: 8000, max_output_tokens: 1000 },
        "spool/echo": { context_window: 50_000 },
      }),
    });
    const catalog = modelCatalog(config);
    const tiny = catalog.resolve("local/tiny")!;
    expect(catalog.contextWindow(tiny)).toBe(8000);
    expect(catalog.maxOutputTokens(tiny)).toBe(1000);
    const echo = catalog.resolve("spool/echo")!;
    expect(catalog.contextWindow(echo)).toBe(50_000);
    // Only the window was set: the built-in output limit stays.
    expect(catalog.maxOutputTokens(echo)).toBe(16_384);
    const listed = catalog.list();
    expect(listed.find((m) => m.id === "local/tiny")).toMatchObject({
      context_window: 8000,
      max_output_tokens: 1000,
    });
    expect(listed.find((m) => m.id === "spool/echo")?.context_window).toBe(50_000);
  });

  test("no MODEL_LIMITS keeps the built-in table", () => {
    const catalog = modelCatalog(loadConfig(LOCAL));
    expect(catalog.contextWindow(catalog.resolve("local/tiny")!)).toBe(32_768);
  });

  test("bad JSON, bad shapes and bad numbers are start-up errors naming the entry", () => {
    expect(problemsOf("{not json")[0]).toMatch(/MODEL_LIMITS: expected JSON/);
    expect(problemsOf("[1,2]")[0]).toMatch(/JSON object keyed by provider\/name/);
    expect(problemsOf('{"tiny": {"context_window": 8000}}')[0]).toMatch(/provider\/name/);
    expect(problemsOf('{"local/tiny": 8000}')[0]).toMatch(/local\/tiny.*expected an object/);
    expect(problemsOf('{"local/tiny": {"context_window": -5}}')[0]).toMatch(
      /context_window must be a whole number/,
    );
    expect(problemsOf('{"local/tiny": {"context_window": "8000"}}')[0]).toMatch(/whole number/);
    expect(problemsOf('{"local/tiny": {"context_window": 1.5}}')[0]).toMatch(/whole number/);
    expect(problemsOf('{"local/tiny": {"context_window": 1e12}}')[0]).toMatch(/whole number/);
    expect(problemsOf('{"local/tiny": {"window": 8000}}')[0]).toMatch(/unknown field window/);
    expect(problemsOf('{"local/tiny": {}}')[0]).toMatch(/set context_window/);
    expect(
      problemsOf('{"local/tiny": {"context_window": 1000, "max_output_tokens": 1000}}')[0],
    ).toMatch(/less than context_window/);
    // Every problem is listed, not only the first.
    expect(
      problemsOf('{"a/b": {"context_window": 0}, "c/d": {"max_output_tokens": -1}}'),
    ).toHaveLength(2);
  });

  test("SUMMARY_MODEL: unset → the thread's model, off → none, provider/name → that one, else an error", () => {
    expect(loadConfig({}).compaction).toEqual({ enabled: true, summaryModel: null });
    expect(loadConfig({ SUMMARY_MODEL: "off" }).compaction).toEqual({
      enabled: false,
      summaryModel: null,
    });
    expect(loadConfig({ SUMMARY_MODEL: "openai/gpt-5-mini" }).compaction.summaryModel).toBe(
      "openai/gpt-5-mini",
    );
    expect(() => loadConfig({ SUMMARY_MODEL: "gpt-5-mini" })).toThrow(/SUMMARY_MODEL/);
  });
});
