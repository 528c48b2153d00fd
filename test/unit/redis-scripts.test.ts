/**
 * The Lua scripts as they load: includes pasted in (the fencing check is written once), and the
 * one return-code convention mapped in one function. (What the scripts do against a real Redis
 * is the checkpoint and lease contract suites' job.)
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { assembleScript, SCRIPT_NAMES, scriptRefusal } from "../../src/adapters/redis/scripts.ts";

const DIR = new URL("../../src/adapters/redis/scripts/", import.meta.url);
const raw = (name: string) => readFileSync(new URL(`${name}.lua`, DIR), "utf8");

describe("lua includes", () => {
  test("every fenced write includes the one fencing check; no include line is left", () => {
    const fenced = [
      "append-events-n",
      "append-messages-4",
      "append-messages-n",
      "init-seq-2",
      "put-message-2",
    ];
    for (const name of SCRIPT_NAMES) {
      const lua = assembleScript(name);
      expect(lua).not.toMatch(/^--- @include/m);
      expect(lua.includes("local function holdsEpoch")).toBe(fenced.includes(name));
    }
    for (const name of fenced) {
      expect(raw(name)).toContain('--- @include "includes/holds-epoch"');
      // the prelude is no longer copied into the script itself
      expect(raw(name)).not.toContain('redis.call("GET", KEYS[1])');
    }
  });

  test("an include is pasted once; an include may not include another", () => {
    const files: Record<string, string> = {
      main: '--- @include "inc/a"\n--- @include "inc/a"\nreturn 1',
      "inc/a": "local a = 1",
      nested: '--- @include "inc/b"',
      "inc/b": '--- @include "inc/a"',
    };
    const read = (path: string) => files[path]!;
    expect(assembleScript("main", read)).toBe("local a = 1\n\nreturn 1");
    expect(() => assembleScript("nested", read)).toThrow("may not include others");
  });
});

describe("return codes", () => {
  test("negative integers are refusals, mapped in one place; anything else is a result", () => {
    expect(scriptRefusal(-1)).toBe("stale_epoch");
    expect(scriptRefusal(-2)).toBe("offset_conflict");
    expect(scriptRefusal(-3)).toBe("seq_moved");
    expect(scriptRefusal(0)).toBeNull();
    expect(scriptRefusal(7)).toBeNull();
    expect(scriptRefusal(["appended", "1,2"])).toBeNull();
    expect(() => scriptRefusal(-9)).toThrow("unknown script return code");
  });
});
