// The module map of DESIGN.md as executable rules (test/support/architecture-rules.ts, on the
// TypeScript compiler API), so the map cannot drift from the code. Each rule must speak about at
// least one file of the tree, the detectors must find what the tree legitimately has (SDK imports
// in adapters, environment reads in config.ts), and every broken fixture must be caught.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  analyze,
  NOT_SDK,
  RULE_NAMES,
  rules,
  type SourceFile,
  sdkList,
} from "./support/architecture-rules.ts";

const ROOT = resolve(import.meta.dir, "..");
const FIXTURES = join(ROOT, "test/fixtures/architecture");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const SDKS = sdkList(PACKAGE.dependencies);
const RULES = rules(SDKS);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(path) && !path.endsWith(".d.ts") ? [path] : [];
  });
}

const TREE: SourceFile[] = ["src", "actors", "workers"]
  .flatMap(sourceFiles)
  .map((path) => ({ path, text: readFileSync(join(ROOT, path), "utf8") }));
const ANALYSIS = analyze(TREE);

interface Fixture {
  name: string;
  path: string;
  group: string | null;
  expect: string;
  count: number;
  text: string;
}

function header(text: string, key: string): string | null {
  return new RegExp(`^// ${key}: (.+)$`, "m").exec(text)?.[1]?.trim() ?? null;
}

const FIXTURE_FILES: Fixture[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".ts"))
  .map((name) => {
    const text = readFileSync(join(FIXTURES, name), "utf8");
    return {
      name,
      path: header(text, "fixture-path") ?? "",
      group: header(text, "fixture-group"),
      expect: header(text, "expect") ?? "",
      count: Number(header(text, "expect-count") ?? 1),
      text,
    };
  });

describe("architecture rules on the tree", () => {
  test("there are files and imports to check", () => {
    expect(TREE.length).toBeGreaterThan(100);
    expect(ANALYSIS.imports.length).toBeGreaterThan(500);
  });

  for (const rule of RULES) {
    test(`${rule.name}`, () => {
      expect(TREE.filter((f) => rule.applies(f.path)).length).toBeGreaterThan(0);
      expect(rule.violations(ANALYSIS)).toEqual([]);
    });
  }

  test("the SDK list comes from package.json and its allow-list cannot rot", () => {
    for (const name of NOT_SDK) expect(Object.keys(PACKAGE.dependencies)).toContain(name);
    for (const sdk of ["ioredis", "bullmq", "mongodb", "meilisearch", "openai", "js-tiktoken"])
      expect(SDKS).toContain(sdk);
    expect(SDKS).toContain("@anthropic-ai/sdk");
    expect(SDKS).toContain("bun:sqlite");
    expect(SDKS).toContain("node:sqlite");
    expect(SDKS).not.toContain("elysia");
  });

  test("the detectors find what the tree legitimately has (they are not blind)", () => {
    const sdkImports = ANALYSIS.imports.filter(
      (r) => r.file.startsWith("src/adapters/") && SDKS.some((sdk) => r.target.startsWith(sdk)),
    );
    // every SDK that is a runtime dependency is imported by some adapter, or the list is stale
    const importedSdks = new Set(
      sdkImports.map((r) => SDKS.find((sdk) => r.target === sdk || r.target.startsWith(`${sdk}/`))),
    );
    expect(importedSdks.size).toBeGreaterThan(8);
    expect(importedSdks.has("ioredis")).toBe(true);
    expect(importedSdks.has("js-tiktoken")).toBe(true);
    expect(ANALYSIS.envReads.some((r) => r.file === "src/config.ts")).toBe(true);
    const kinds = new Set(ANALYSIS.imports.map((r) => r.kind));
    for (const kind of ["static", "type", "dynamic"] as const) expect(kinds.has(kind)).toBe(true);
  });
});

describe("architecture rules catch each broken fixture", () => {
  test("there are fixtures for every kind of breakage the issue lists", () => {
    expect(FIXTURE_FILES.length).toBeGreaterThanOrEqual(8);
    const expected = new Set(FIXTURE_FILES.map((f) => f.expect));
    for (const name of [RULE_NAMES.sdk, RULE_NAMES.env, RULE_NAMES.http, RULE_NAMES.cycles])
      expect(expected.has(name)).toBe(true);
  });

  for (const fixture of FIXTURE_FILES) {
    test(`${fixture.name} (as ${fixture.path}) breaks "${fixture.expect}"`, () => {
      const rule = RULES.find((r) => r.name === fixture.expect);
      expect(rule).toBeDefined();
      expect(rule!.applies(fixture.path)).toBe(true);
      const group = fixture.group
        ? FIXTURE_FILES.filter((f) => f.group === fixture.group)
        : [fixture];
      const extra = analyze(group.map((f) => ({ path: f.path, text: f.text })));
      const combined = {
        files: [...ANALYSIS.files, ...extra.files],
        imports: [...ANALYSIS.imports, ...extra.imports],
        envReads: [...ANALYSIS.envReads, ...extra.envReads],
      };
      const caught = rule!
        .violations(combined)
        .filter((v) => v.startsWith(fixture.path) || v.includes(` ${fixture.path}`));
      expect(caught.length).toBeGreaterThanOrEqual(fixture.count);
    });
  }
});
