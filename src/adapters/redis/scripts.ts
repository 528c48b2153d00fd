/**
 * Loads the Lua scripts of ./scripts (files named <verb>-<noun>-<numKeys>.lua, each documenting
 * its KEYS and ARGV) and registers them on a connection with `defineCommand`, so ioredis sends
 * EVALSHA and falls back to EVAL after a Redis restart flushed the script cache. Shared Lua
 * (the fencing check) lives in ./scripts/includes and is pasted in at load time where a script
 * says `--- @include "includes/<name>"` (BullMQ's convention). The scripts' one return-code
 * convention (a negative integer is a refusal) is mapped in `scriptRefusal`. A name ending in `-n`
 * takes a variable number of keys (Redis' numkeys goes first; `runScript` passes it).
 */
import { readFileSync } from "node:fs";
import type { ChainableCommander, Redis } from "ioredis";

export const SCRIPT_NAMES = [
  "acquire-lease-2",
  "renew-lease-1",
  "release-lease-1",
  "append-messages-4",
  "append-messages-n",
  "put-message-2",
  "append-events-n",
  "init-seq-2",
  "trim-tail-1",
  "untrack-thread-1",
  "take-tokens-2",
  "open-stream-2",
  "renew-streams-2",
  "delete-draft-1",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

function commandName(name: ScriptName): string {
  return `spool_${name.replaceAll("-", "_")}`;
}

/** The fixed key count in a script's name; undefined for `-n` (variable: numkeys is passed). */
function numberOfKeys(name: string): number | undefined {
  const suffix = name.slice(name.lastIndexOf("-") + 1);
  if (suffix === "n") return undefined;
  const n = Number(suffix);
  if (!Number.isInteger(n)) throw new Error(`script ${name} does not end in its number of keys`);
  return n;
}

/** What a negative integer reply of a script means; every script keeps to these codes. */
const REFUSALS = {
  "-1": "stale_epoch",
  "-2": "offset_conflict",
  "-3": "seq_moved",
} as const;
export type ScriptRefusal = (typeof REFUSALS)[keyof typeof REFUSALS];

/** The refusal a reply stands for, or null when the script did its work. */
export function scriptRefusal(reply: unknown): ScriptRefusal | null {
  if (typeof reply !== "number" || reply >= 0) return null;
  const refusal = REFUSALS[String(reply) as keyof typeof REFUSALS];
  if (!refusal) throw new Error(`unknown script return code ${reply}`);
  return refusal;
}

const INCLUDE = /^--- @include "([a-z0-9/-]+)"$/gm;
const NESTED = /^--- @include /m;

function readLua(path: string): string {
  return readFileSync(new URL(`./scripts/${path}.lua`, import.meta.url), "utf8");
}

/** A script's source with its includes pasted in, each at most once. */
export function assembleScript(name: string, read: (path: string) => string = readLua): string {
  const seen = new Set<string>();
  return read(name).replace(INCLUDE, (_line, path: string) => {
    if (seen.has(path)) return "";
    seen.add(path);
    const included = read(path);
    if (NESTED.test(included)) throw new Error(`include ${path} may not include others`);
    return included;
  });
}

let sources: Map<ScriptName, string> | null = null;
function scriptSources(): Map<ScriptName, string> {
  sources ??= new Map(SCRIPT_NAMES.map((name) => [name, assembleScript(name)]));
  return sources;
}

export function registerScripts(redis: Redis): void {
  for (const [name, lua] of scriptSources()) {
    redis.defineCommand(commandName(name), { numberOfKeys: numberOfKeys(name), lua });
  }
}

/** Runs a registered script on a connection or queues it on a pipeline. */
export function runScript(
  target: Redis | ChainableCommander,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  const fn = (target as unknown as Record<string, ScriptFn>)[commandName(name)];
  if (!fn) throw new Error(`script ${name} is not registered on this connection`);
  if (numberOfKeys(name) === undefined) return fn.call(target, keys.length, ...keys, ...args);
  return fn.call(target, ...keys, ...args);
}
