// The module map of DESIGN.md as executable rules, so the map cannot drift from the code:
// protocol and domain are pure; actors and workers see ports, domain and protocol only; only
// adapters import a backend SDK; only src/config.ts reads the environment.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const SDKS = [
  "ioredis",
  "bullmq",
  "mongodb",
  "meilisearch",
  "@anthropic-ai/sdk",
  "openai",
  "@mistralai/mistralai",
  "bun:sqlite",
  "node:sqlite",
  "@bull-board/api",
  "@bull-board/elysia",
  "@bull-board/ui",
];

interface Import {
  file: string;
  target: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: Import[] = [];
  const statics = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms;
  for (const match of text.matchAll(statics))
    found.push({ file, target: resolveTarget(file, match[3]!), typeOnly: !!match[2] });
  for (const match of text.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) {
    found.push({ file, target: resolveTarget(file, match[1]!), typeOnly: false });
  }
  return found;
}

function resolveTarget(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return relative(ROOT, resolve(ROOT, dirname(file), specifier));
}

const ALL = ["src", "actors", "workers"].flatMap(sourceFiles);
const IMPORTS = ALL.flatMap(importsOf);
const ours = (i: Import) => /^(src|actors|workers)\//.test(i.target);
const under = (prefix: string) => (i: Import) => i.file.startsWith(prefix);

function violations(filter: (i: Import) => boolean, allowed: (i: Import) => boolean): string[] {
  return IMPORTS.filter(filter)
    .filter((i) => !allowed(i))
    .map((i) => `${i.file} -> ${i.target}`);
}

describe("architecture", () => {
  test("there are files to check", () => {
    expect(ALL.length).toBeGreaterThan(50);
    expect(IMPORTS.length).toBeGreaterThan(200);
  });

  test("protocol imports nothing of ours but protocol", () => {
    expect(
      violations(under("src/protocol/"), (i) => !ours(i) || i.target.startsWith("src/protocol/")),
    ).toEqual([]);
  });

  test("domain imports protocol, domain, and port types only", () => {
    const allowed = (i: Import) =>
      !ours(i) ||
      /^src\/(protocol|domain)\//.test(i.target) ||
      (i.typeOnly && i.target.startsWith("src/ports/"));
    expect(violations(under("src/domain/"), allowed)).toEqual([]);
  });

  test("actors and workers see ports, domain and protocol only", () => {
    const allowed = (i: Import) =>
      !ours(i) ||
      /^src\/(protocol|domain|ports)\//.test(i.target) ||
      /^(actors|workers)\//.test(i.target);
    const exempt = (i: Import) => i.file === "workers/main.ts"; // the worker process entry does its own wiring
    expect(
      violations((i) => (under("actors/")(i) || under("workers/")(i)) && !exempt(i), allowed),
    ).toEqual([]);
  });

  test("only adapters import a backend SDK (type imports aside, in wiring files)", () => {
    const isSdk = (i: Import) =>
      SDKS.some((sdk) => i.target === sdk || i.target.startsWith(`${sdk}/`));
    const allowed = (i: Import) => i.file.startsWith("src/adapters/") || i.typeOnly;
    expect(violations(isSdk, allowed)).toEqual([]);
  });

  test("use cases see actors, ports, domain and protocol; never transports or adapters", () => {
    const allowed = (i: Import) =>
      !ours(i) ||
      /^src\/(protocol|domain|ports|use-cases)\//.test(i.target) ||
      /^actors\//.test(i.target);
    expect(IMPORTS.filter(under("src/use-cases/")).length).toBeGreaterThan(0);
    expect(violations(under("src/use-cases/"), allowed)).toEqual([]);
  });

  test("ports import only protocol and other ports", () => {
    const allowed = (i: Import) => !ours(i) || /^src\/(protocol|ports)\//.test(i.target);
    expect(violations(under("src/ports/"), allowed)).toEqual([]);
  });

  test("the client SDK sees protocol types and pure domain code only, and no package but react", () => {
    // Runtime imports of protocol files that build TypeBox schemas would put TypeBox in the bundle.
    const typeboxFree = (target: string) =>
      !/@sinclair\/typebox/.test(readFileSync(join(ROOT, target), "utf8"));
    const allowed = (i: Import) => {
      if (i.target.startsWith("src/client/")) return true;
      if (i.target.startsWith("src/protocol/")) return i.typeOnly || typeboxFree(i.target);
      if (i.target.startsWith("src/domain/"))
        return typeboxFree(i.target) && !/node:/.test(readFileSync(join(ROOT, i.target), "utf8"));
      if (i.target === "react") return i.file === "src/client/react.ts";
      return false;
    };
    expect(IMPORTS.filter(under("src/client/")).length).toBeGreaterThan(10);
    expect(violations(under("src/client/"), allowed)).toEqual([]);
  });

  test("only src/config.ts reads the environment", () => {
    const readers = ALL.filter((file) => file !== "src/config.ts").filter((file) =>
      /process\.env|Deno\.env|Bun\.env|import\.meta\.env/.test(
        readFileSync(join(ROOT, file), "utf8"),
      ),
    );
    expect(readers).toEqual([]);
  });
});
