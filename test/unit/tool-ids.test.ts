import { describe, expect, test } from "bun:test";
import {
  ANTHROPIC_TOOL_IDS,
  hashBase62,
  MISTRAL_TOOL_IDS,
  OPENAI_TOOL_IDS,
  ToolIdMapper,
  type ToolIdRules,
} from "../../src/domain/tool-ids.ts";

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;

const SAMPLE_IDS = [
  "toolu_01A09q90qw90lq917835lq9",
  "call_Xk2lq0c9aPq8Z7uB4Kf1mN3e",
  "aB3dE6gH9",
  "spool:tool/with spaces and ünïcödé",
  "x".repeat(128),
  "call.with.dots",
];

describe("ToolIdMapper", () => {
  test.each([
    ["anthropic", ANTHROPIC_TOOL_IDS, (id: string) => ANTHROPIC_ID.test(id)],
    ["openai", OPENAI_TOOL_IDS, (id: string) => id.length >= 1 && id.length <= 40],
    ["mistral", MISTRAL_TOOL_IDS, (id: string) => MISTRAL_ID.test(id)],
  ] as const)("every mapped id fits %s's rules", (_name, rules, valid) => {
    const mapper = new ToolIdMapper(rules, SAMPLE_IDS);
    for (const id of SAMPLE_IDS) expect(valid(mapper.map(id))).toBe(true);
  });

  test("ids that already fit are sent back unchanged", () => {
    const anthropic = new ToolIdMapper(ANTHROPIC_TOOL_IDS, SAMPLE_IDS);
    expect(anthropic.map("toolu_01A09q90qw90lq917835lq9")).toBe("toolu_01A09q90qw90lq917835lq9");
    const openai = new ToolIdMapper(OPENAI_TOOL_IDS, SAMPLE_IDS);
    expect(openai.map("call_Xk2lq0c9aPq8Z7uB4Kf1mN3e")).toBe("call_Xk2lq0c9aPq8Z7uB4Kf1mN3e");
    expect(openai.map("call.with.dots")).toBe("call.with.dots");
    const mistral = new ToolIdMapper(MISTRAL_TOOL_IDS, SAMPLE_IDS);
    expect(mistral.map("aB3dE6gH9")).toBe("aB3dE6gH9");
    expect(mistral.map("toolu_01A09q90qw90lq917835lq9")).not.toBe("toolu_01A09q90qw90lq917835lq9");
  });

  test("the same id maps the same way, within a request and across requests", () => {
    const a = new ToolIdMapper(MISTRAL_TOOL_IDS, SAMPLE_IDS);
    const b = new ToolIdMapper(MISTRAL_TOOL_IDS, SAMPLE_IDS);
    for (const id of SAMPLE_IDS) {
      expect(a.map(id)).toBe(a.map(id));
      expect(a.map(id)).toBe(b.map(id));
    }
  });

  test("distinct ids never share a provider id (many ids, 9-char space)", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `toolu_${i}`);
    const mapper = new ToolIdMapper(MISTRAL_TOOL_IDS, ids);
    const mapped = new Set(ids.map((id) => mapper.map(id)));
    expect(mapped.size).toBe(ids.length);
  });

  test("a hash collision is resolved by re-salting, never by sharing", () => {
    // A rule with a one-character hash space forces collisions.
    const tiny: ToolIdRules = { fits: () => false, prefix: "", hashChars: 1 };
    const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
    const mapper = new ToolIdMapper(tiny, ids);
    const mapped = ids.map((id) => mapper.map(id));
    expect(new Set(mapped).size).toBe(ids.length);
  });

  test("a hashed id never takes an id the provider issued itself", () => {
    // Find a Spool id whose first hash candidate is a valid Mistral id, then register that id too.
    const foreign = "spool-foreign-id";
    const candidate = hashBase62(`${foreign}\u00000`, 9);
    const mapper = new ToolIdMapper(MISTRAL_TOOL_IDS, [foreign, candidate]);
    expect(mapper.map(candidate)).toBe(candidate);
    expect(mapper.map(foreign)).not.toBe(candidate);
  });

  test("ids not announced up front are still mapped consistently", () => {
    const mapper = new ToolIdMapper(MISTRAL_TOOL_IDS);
    const first = mapper.map("late-id");
    expect(MISTRAL_ID.test(first)).toBe(true);
    expect(mapper.map("late-id")).toBe(first);
  });
});

describe("hashBase62", () => {
  test("has the requested length and alphabet, and depends on the input", () => {
    const a = hashBase62("a", 24);
    expect(a).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(hashBase62("a", 24)).toBe(a);
    expect(hashBase62("b", 24)).not.toBe(a);
  });
});
