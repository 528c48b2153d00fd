/**
 * The dependency rules of DESIGN.md over a set of source files, read with the TypeScript compiler
 * API (not regexes), so every way of reaching a module counts: static and `import type`,
 * side-effect `import "x"`, `export … from`, dynamic `import()`, `require()`, `import x =
 * require()`. test/architecture.test.ts runs the rules on the tree and on broken fixtures.
 */
import { dirname, join, normalize } from "node:path";
import ts from "typescript";

export interface SourceFile {
  /** Repository-relative path with forward slashes (`src/http/app.ts`). */
  path: string;
  text: string;
}

export type ImportKind =
  | "static"
  | "type"
  | "side-effect"
  | "re-export"
  | "dynamic"
  | "require"
  | "import-equals";

export interface ImportRef {
  file: string;
  /** Repository-relative path for our modules, the bare specifier otherwise. */
  target: string;
  kind: ImportKind;
}

export interface EnvRead {
  file: string;
  /** What was read (`process.env`, `Bun.env`, `env from node:process`, …). */
  how: string;
}

export interface Analysis {
  files: SourceFile[];
  imports: ImportRef[];
  envReads: EnvRead[];
}

const PROCESS_MODULES = new Set(["process", "node:process"]);

function resolveTarget(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return normalize(join(dirname(file), specifier)).replaceAll("\\", "/");
}

function stringArg(node: ts.CallExpression): string | null {
  const first = node.arguments[0];
  if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
    return first.text;
  }
  return null;
}

function importKind(node: ts.ImportDeclaration): ImportKind {
  const clause = node.importClause;
  if (!clause) return "side-effect";
  if (clause.isTypeOnly) return "type";
  const named = clause.namedBindings;
  const allTypeOnly =
    !clause.name &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly);
  return allTypeOnly ? "type" : "static";
}

/** Names bound to `node:process` (default / namespace import): `p.env` reads the environment. */
function processAliases(node: ts.ImportDeclaration, aliases: Set<string>, reads: string[]): void {
  const specifier = (node.moduleSpecifier as ts.StringLiteral).text;
  if (!PROCESS_MODULES.has(specifier) || !node.importClause) return;
  const clause = node.importClause;
  if (clause.name) aliases.add(clause.name.text);
  const named = clause.namedBindings;
  if (named && ts.isNamespaceImport(named)) aliases.add(named.name.text);
  if (named && ts.isNamedImports(named)) {
    for (const element of named.elements) {
      const imported = (element.propertyName ?? element.name).text;
      if (imported === "env") reads.push(`env from ${specifier}`);
    }
  }
}

function isEnvHolder(expression: ts.Expression, aliases: Set<string>): string | null {
  if (ts.isIdentifier(expression)) {
    const name = expression.text;
    if (name === "process" || name === "Bun" || name === "Deno" || aliases.has(name)) return name;
    return null;
  }
  if (ts.isMetaProperty(expression)) return "import.meta";
  if (ts.isPropertyAccessExpression(expression) && expression.name.text === "process") {
    return `${expression.expression.getText()}.process`;
  }
  return null;
}

function envAccess(node: ts.Node, aliases: Set<string>): string | null {
  if (ts.isPropertyAccessExpression(node) && node.name.text === "env") {
    const holder = isEnvHolder(node.expression, aliases);
    return holder ? `${holder}.env` : null;
  }
  if (
    ts.isElementAccessExpression(node) &&
    ts.isStringLiteralLike(node.argumentExpression) &&
    node.argumentExpression.text === "env"
  ) {
    const holder = isEnvHolder(node.expression, aliases);
    return holder ? `${holder}["env"]` : null;
  }
  // const { env } = process
  if (
    ts.isVariableDeclaration(node) &&
    ts.isObjectBindingPattern(node.name) &&
    node.initializer &&
    isEnvHolder(node.initializer, aliases)
  ) {
    const bindsEnv = node.name.elements.some(
      (e) => ((e.propertyName ?? e.name) as ts.Identifier).text === "env",
    );
    return bindsEnv ? `{ env } = ${node.initializer.getText()}` : null;
  }
  return null;
}

export function analyze(files: SourceFile[]): Analysis {
  const imports: ImportRef[] = [];
  const envReads: EnvRead[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
    const aliases = new Set<string>();
    const add = (specifier: string, kind: ImportKind) =>
      imports.push({ file: file.path, target: resolveTarget(file.path, specifier), kind });
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, importKind(node));
        const reads: string[] = [];
        processAliases(node, aliases, reads);
        for (const how of reads) envReads.push({ file: file.path, how });
      } else if (
        ts.isExportDeclaration(node) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        add(node.moduleSpecifier.text, node.isTypeOnly ? "type" : "re-export");
      } else if (
        ts.isImportEqualsDeclaration(node) &&
        ts.isExternalModuleReference(node.moduleReference) &&
        ts.isStringLiteral(node.moduleReference.expression)
      ) {
        add(node.moduleReference.expression.text, node.isTypeOnly ? "type" : "import-equals");
      } else if (ts.isCallExpression(node)) {
        const specifier = stringArg(node);
        if (specifier !== null && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
          add(specifier, "dynamic");
        } else if (
          specifier !== null &&
          ts.isIdentifier(node.expression) &&
          node.expression.text === "require"
        ) {
          add(specifier, "require");
        }
      } else if (ts.isImportTypeNode(node)) {
        // `type X = import("ioredis").Redis`
        const argument = node.argument;
        if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
          add(argument.literal.text, "type");
        }
      }
      const how = envAccess(node, aliases);
      if (how) envReads.push({ file: file.path, how });
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { files, imports, envReads };
}

/** Import cycles among our own modules (type imports included: they hide the same coupling). */
export function findCycles(analysis: Analysis): string[][] {
  const known = new Set(analysis.files.map((f) => f.path));
  const edges = new Map<string, string[]>();
  for (const ref of analysis.imports) {
    if (!known.has(ref.target) || ref.target === ref.file) continue;
    const out = edges.get(ref.file) ?? [];
    if (!out.includes(ref.target)) out.push(ref.target);
    edges.set(ref.file, out);
  }
  // Tarjan's strongly connected components; each component of 2+ modules is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of [...known].sort()) if (!index.has(file)) connect(file);
  return cycles;
}

/** Renders a cycle as a path that closes on itself, for the failure message. */
export function describeCycle(analysis: Analysis, members: string[]): string {
  const inCycle = new Set(members);
  const start = members[0]!;
  const path = [start];
  let at = start;
  const seen = new Set([start]);
  for (;;) {
    const next = analysis.imports.find((r) => r.file === at && inCycle.has(r.target))?.target;
    if (!next) break;
    path.push(next);
    if (seen.has(next)) break;
    seen.add(next);
    at = next;
  }
  return path.join(" -> ");
}

/** Dependencies that are libraries, not clients of a backend: everything else in package.json
 * `dependencies` counts as a backend SDK, so a new SDK is covered the day it is added. */
export const NOT_SDK = [
  "elysia",
  "@sinclair/typebox",
  "@elysiajs/openapi",
  "@elysiajs/swagger",
  "swagger-ui-dist",
  "ajv",
  "ipaddr.js",
  "prom-client",
] as const;

/** Backend clients built into the runtimes. */
export const BUILTIN_SDKS = ["bun:sqlite", "node:sqlite"] as const;

export function sdkList(dependencies: Record<string, string>): string[] {
  const notSdk = new Set<string>(NOT_SDK);
  return [...Object.keys(dependencies).filter((name) => !notSdk.has(name)), ...BUILTIN_SDKS];
}

export interface Rule {
  name: string;
  /** The files the rule speaks about; the tree must have at least one. */
  applies(file: string): boolean;
  violations(analysis: Analysis): string[];
}

const OURS = /^(src|actors|workers)\//;
const ours = (ref: ImportRef) => OURS.test(ref.target);
const line = (ref: ImportRef) => `${ref.file} -> ${ref.target} (${ref.kind})`;

function importRule(
  name: string,
  applies: (file: string) => boolean,
  allowed: (ref: ImportRef) => boolean,
): Rule {
  return {
    name,
    applies,
    violations: (analysis) =>
      analysis.imports.filter((r) => applies(r.file) && !allowed(r)).map(line),
  };
}

const under =
  (...prefixes: string[]) =>
  (file: string) =>
    prefixes.some((p) => file.startsWith(p));
const targets =
  (pattern: RegExp) =>
  (ref: ImportRef): boolean =>
    pattern.test(ref.target);

export const RULE_NAMES = {
  protocol: "protocol imports nothing of ours but protocol",
  domain: "domain imports protocol and domain only",
  ports: "ports import protocol, domain and other ports only",
  core: "actors and workers see ports, domain and protocol only",
  sdk: "only adapters import a backend SDK (any kind of import)",
  http: "http never imports adapters",
  useCases: "use cases never import http or adapters",
  env: "only src/config.ts reads the environment",
  cycles: "no import cycles",
  client: "the client SDK sees protocol types and pure domain code only, and no package but react",
} as const;

/**
 * The browser SDK (src/client/) must bundle small and run anywhere: of ours only itself, protocol
 * as types or TypeBox-free files (a schema file at run time would carry TypeBox into the bundle),
 * and domain files that use neither TypeBox nor Node built-ins; of packages only `react`, in the
 * React entry, and the `ai` package's types (erased at build) in the AI SDK transport.
 */
function clientRule(): Rule {
  const applies = under("src/client/");
  const portable = (analysis: Analysis, target: string) => {
    const text = analysis.files.find((f) => f.path === target)?.text ?? "";
    return !text.includes("@sinclair/typebox") && !/from "node:/.test(text);
  };
  const allowed = (analysis: Analysis, r: ImportRef) => {
    if (r.target.startsWith("src/client/")) return true;
    if (r.target.startsWith("src/protocol/"))
      return r.kind === "type" || portable(analysis, r.target);
    if (r.target.startsWith("src/domain/")) return portable(analysis, r.target);
    if (r.target === "ai") return r.kind === "type" && r.file === "src/client/ai-sdk.ts";
    return r.target === "react" && r.file === "src/client/react.ts";
  };
  return {
    name: RULE_NAMES.client,
    applies,
    violations: (analysis) =>
      analysis.imports.filter((r) => applies(r.file) && !allowed(analysis, r)).map(line),
  };
}

export function rules(sdks: string[]): Rule[] {
  const isSdk = (ref: ImportRef) =>
    sdks.some((sdk) => ref.target === sdk || ref.target.startsWith(`${sdk}/`));
  const notOurs = (ref: ImportRef) => !ours(ref);
  return [
    importRule(
      RULE_NAMES.protocol,
      under("src/protocol/"),
      (r) => notOurs(r) || targets(/^src\/protocol\//)(r),
    ),
    importRule(
      RULE_NAMES.domain,
      under("src/domain/"),
      (r) => notOurs(r) || targets(/^src\/(protocol|domain)\//)(r),
    ),
    importRule(
      RULE_NAMES.ports,
      under("src/ports/"),
      (r) => notOurs(r) || targets(/^src\/(protocol|domain|ports)\//)(r),
    ),
    importRule(
      RULE_NAMES.core,
      // The worker process entry does its own wiring, like src/main.ts.
      (file) => under("actors/", "workers/")(file) && file !== "workers/main.ts",
      (r) => notOurs(r) || targets(/^(src\/(protocol|domain|ports)|actors|workers)\//)(r),
    ),
    {
      name: RULE_NAMES.sdk,
      applies: (file) => OURS.test(file) && !file.startsWith("src/adapters/"),
      violations: (analysis) =>
        analysis.imports
          .filter((r) => OURS.test(r.file) && !r.file.startsWith("src/adapters/") && isSdk(r))
          .map(line),
    },
    importRule(RULE_NAMES.http, under("src/http/"), (r) => !targets(/^src\/adapters\//)(r)),
    importRule(
      RULE_NAMES.useCases,
      under("src/use-cases/"),
      (r) => !targets(/^src\/(adapters|http)\//)(r),
    ),
    {
      name: RULE_NAMES.env,
      applies: (file) => OURS.test(file) && file !== "src/config.ts",
      violations: (analysis) =>
        analysis.envReads
          .filter((r) => r.file !== "src/config.ts")
          .map((r) => `${r.file}: ${r.how}`),
    },
    clientRule(),
    {
      name: RULE_NAMES.cycles,
      applies: (file) => OURS.test(file),
      violations: (analysis) => findCycles(analysis).map((c) => describeCycle(analysis, c)),
    },
  ];
}
