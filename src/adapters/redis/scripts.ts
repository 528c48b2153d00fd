/**
 * Loads the Lua scripts of ./scripts (files named <verb>-<noun>-<numKeys>.lua, each documenting
 * its KEYS and ARGV) and registers them on a connection with `defineCommand`, so ioredis sends
 * EVALSHA and falls back to EVAL after a Redis restart flushed the script cache.
 */
import { readFileSync } from "node:fs";
import type { ChainableCommander, Redis } from "ioredis";

export const SCRIPT_NAMES = [
  "acquire-lease-2",
  "renew-lease-1",
  "release-lease-1",
  "append-messages-4",
  "put-message-2",
  "append-events-2",
  "init-seq-2",
  "trim-tail-1",
  "untrack-thread-1",
  "take-tokens-2",
  "open-stream-2",
  "renew-streams-2",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

function commandName(name: ScriptName): string {
  return `spool_${name.replaceAll("-", "_")}`;
}

function numberOfKeys(name: string): number {
  const n = Number(name.slice(name.lastIndexOf("-") + 1));
  if (!Number.isInteger(n)) throw new Error(`script ${name} does not end in its number of keys`);
  return n;
}

let sources: Map<ScriptName, string> | null = null;
function scriptSources(): Map<ScriptName, string> {
  if (!sources) {
    sources = new Map(
      SCRIPT_NAMES.map((name) => [
        name,
        readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), "utf8"),
      ]),
    );
  }
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
  return fn.call(target, ...keys, ...args);
}
