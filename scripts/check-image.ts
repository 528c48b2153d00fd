/**
 * Checks the Dockerfile where `docker build` cannot run (no Docker engine on the dev hosts, and
 * hadolint is in neither npm nor Debian): a lint of the rules we rely on, then the image's
 * dependency install replayed in a scratch dir to prove the image holds runtime dependencies only
 * and everything the server imports. Usage: `bun scripts/check-image.ts [--lint-only]`.
 * Exit 1 with every problem listed.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const problems: string[] = [];
const note = (line: string) => process.stdout.write(`${line}\n`);

interface Instruction {
  line: number;
  op: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  let start = 0;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) continue;
    if (!pending) start = index + 1;
    pending += `${line.replace(/\\$/, "")} `;
    if (line.endsWith("\\")) continue;
    const [op = "", ...rest] = pending.trim().split(/\s+/);
    out.push({ line: start, op: op.toUpperCase(), args: rest.join(" ") });
    pending = "";
  }
  return out;
}

/** Bases we accept: supported releases only (Node 22+ LTS, Debian 12). */
const SUPPORTED_BASES = [
  /^node:(2[2-9]|[3-9]\d)-bookworm-slim$/,
  /^debian:12-slim$/,
  /^oven\/bun:1\.\d+\.\d+-slim$/,
];

function lint(instructions: Instruction[]): void {
  const stages: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.op === "FROM") stages.push([]);
    stages.at(-1)?.push(ins);
  }
  if (stages.length === 0) return void problems.push("no FROM");
  for (const stage of stages) {
    const from = stage[0]!;
    const image = from.args.split(/\s+/)[0]!;
    if (!SUPPORTED_BASES.some((re) => re.test(image)))
      problems.push(`line ${from.line}: base ${image} is not a pinned, supported release`);
  }
  const final = stages.at(-1)!;
  const user = final.filter((i) => i.op === "USER").at(-1);
  if (!user) problems.push("final stage declares no USER (it would run as root)");
  else if (/^(root|0)(:|$)/.test(user.args)) problems.push(`line ${user.line}: USER is root`);
  if (!final.some((i) => i.op === "HEALTHCHECK")) problems.push("final stage has no HEALTHCHECK");
  for (const op of ["CMD", "ENTRYPOINT"]) {
    const ins = final.find((i) => i.op === op);
    if (ins && !ins.args.startsWith("[")) problems.push(`line ${ins.line}: ${op} not in exec form`);
  }
  const finalRuns = final
    .filter((i) => i.op === "RUN")
    .map((i) => i.args)
    .join(" ");
  if (!/apt-get install[^&]*redis-server/.test(finalRuns))
    problems.push("final stage does not install redis-server (the embedded default needs it)");
  for (const ins of instructions) {
    if (ins.op === "ADD" && /https?:\/\//.test(ins.args))
      problems.push(`line ${ins.line}: ADD from a URL`);
    if (ins.op !== "RUN") continue;
    const run = ins.args;
    if (/curl[^|]*\|\s*(ba)?sh/.test(run))
      problems.push(`line ${ins.line}: piping a download to sh`);
    if (/apt-get install/.test(run)) {
      if (!/--no-install-recommends/.test(run))
        problems.push(`line ${ins.line}: apt-get install without --no-install-recommends`);
      if (!/apt-get update/.test(run)) problems.push(`line ${ins.line}: install without update`);
      if (!/rm -rf \/var\/lib\/apt\/lists/.test(run))
        problems.push(`line ${ins.line}: apt lists left in the layer`);
    }
    if (/npm (ci|install)\b(?![^&]*--prefix)/.test(run) && !/npm ci --omit=dev/.test(run))
      problems.push(`line ${ins.line}: npm install of the app must be npm ci --omit=dev`);
  }
  for (const ins of instructions.filter((i) => i.op === "COPY" && !i.args.includes("--from"))) {
    const sources = ins.args.split(/\s+/).slice(0, -1);
    for (const source of sources) {
      if (!existsSync(join(ROOT, source)))
        problems.push(`line ${ins.line}: COPY ${source} missing`);
    }
  }
}

/** Bare package names imported by the code the image runs. */
function importedPackages(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        const statics = text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^".][^"]*)"/gm);
        const bare = text.matchAll(/^\s*import\s+"([^".][^"]*)"/gm);
        const dynamic = text.matchAll(/\bimport\(\s*"([^".][^"]*)"\s*\)/g);
        for (const m of [...statics, ...bare, ...dynamic]) {
          const spec = m[1]!;
          if (/^(node|bun):/.test(spec) || spec === "bun") continue;
          const parts = spec.split("/");
          names.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
        }
      }
    }
  };
  for (const dir of ["src", "actors", "workers"]) walk(join(ROOT, dir));
  return names;
}

function scratchInstall(npmCi: string): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const dev = Object.keys(pkg.devDependencies ?? {});
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  if (!/^\d+\.\d+\.\d+$/.test(pkg.devDependencies?.bun ?? ""))
    problems.push("devDependencies.bun must be an exact version (the image installs that one)");
  for (const name of importedPackages()) {
    if (!deps.has(name)) problems.push(`the server imports ${name}, which is not a dependency`);
  }
  const dir = mkdtempSync(join(tmpdir(), "spool-image-"));
  try {
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    cpSync(join(ROOT, "package-lock.json"), join(dir, "package-lock.json"));
    note(`replaying in ${dir}: ${npmCi}`);
    const run = spawnSync("sh", ["-c", npmCi], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (run.status !== 0) return void problems.push(`"${npmCi}" failed (exit ${run.status})`);
    const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
    for (const [path, info] of Object.entries(lock.packages ?? {}) as [
      string,
      { dev?: boolean },
    ][]) {
      if (path && info.dev && existsSync(join(dir, path)))
        problems.push(`dev package installed: ${path}`);
    }
    for (const name of dev) {
      if (
        !deps.has(name) &&
        existsSync(join(dir, "node_modules", name)) &&
        lock.packages?.[`node_modules/${name}`]?.dev
      )
        problems.push(`devDependency ${name} installed`);
    }
    for (const name of importedPackages()) {
      if (!existsSync(join(dir, "node_modules", name, "package.json")))
        problems.push(`runtime install lacks ${name}`);
    }
    const du = spawnSync("du", ["-sm", join(dir, "node_modules")], { encoding: "utf8" });
    note(`runtime node_modules: ${du.stdout.split("\t")[0]} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const instructions = parseDockerfile(dockerfile);
lint(instructions);
if (!process.argv.includes("--lint-only")) {
  const ci = instructions
    .filter((i) => i.op === "RUN")
    .map((i) => /npm ci [^&]*/.exec(i.args)?.[0]?.trim())
    .find(Boolean);
  if (!ci) problems.push("no npm ci step to replay");
  else scratchInstall(ci);
}
if (problems.length > 0) {
  process.stderr.write(`image check failed:\n  - ${problems.join("\n  - ")}\n`);
  process.exit(1);
}
note("image check passed");
