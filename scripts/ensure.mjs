#!/usr/bin/env node
// Runs before `npm start` and `npm test` (package.json pre-scripts), with nothing but Node:
// installs the npm dependencies when they are missing or stale, and makes sure a redis-server
// binary exists (installed with apt-get when running as root, else an exact instruction).
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (line) => process.stderr.write(`spool: ${line}\n`);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return result.status === 0;
}

function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function dependenciesStale() {
  const marker = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(join(root, "node_modules", ".bin", "bun")) || !existsSync(marker)) return true;
  return statSync(join(root, "package-lock.json")).mtimeMs > statSync(marker).mtimeMs;
}

function ensureDependencies() {
  if (!dependenciesStale()) return;
  say("installing npm dependencies (npm ci)…");
  if (!run("npm", ["ci", "--no-audit", "--no-fund"])) {
    say("npm ci failed; see the output above");
    process.exit(1);
  }
}

let aptUpdated = false;
function aptUpdate() {
  if (!aptUpdated) aptUpdated = run("apt-get", ["update", "-qq"]);
  return aptUpdated;
}

function ensureRedis() {
  if (has("redis-server")) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && has("apt-get")) {
    say("installing redis-server with apt-get…");
    const ok = aptUpdate() && run("apt-get", ["install", "-y", "-qq", "redis-server"]);
    if (ok && has("redis-server")) return;
  }
  say("redis-server is required and is not installed.");
  say("  Debian/Ubuntu: sudo apt-get install -y redis-server");
  say("  macOS:         brew install redis");
  say("  or run Spool against an existing Redis 7: REDIS_URL=redis://host:6379 npm start");
  process.exit(1);
}

/** Browser tests use Debian's Chromium (never a downloaded build); without it they are skipped. */
function ensureChromium() {
  if (existsSync("/usr/bin/chromium")) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !has("apt-get")) {
    say("chromium not found: browser tests will be skipped (apt-get install -y chromium)");
    return;
  }
  say("installing chromium for the browser tests (apt-get)…");
  if (!aptUpdate() || !run("apt-get", ["install", "-y", "-qq", "chromium"]))
    say("chromium install failed: browser tests will be skipped");
}

ensureDependencies();
const task = process.env.npm_lifecycle_event ?? "";
// `npm start` with REDIS_URL set needs no local server; tests always start their own.
if (task !== "prestart" || !process.env.REDIS_URL) ensureRedis();
if (task === "pretest") ensureChromium();
