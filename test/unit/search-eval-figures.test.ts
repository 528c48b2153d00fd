/**
 * docs/search.md quotes the figures scripts/eval-search.ts prints; this runs the script (about a
 * second: 220 messages in memory) and checks the default row and the ceiling it states, so the
 * page cannot drift from the measurement when the fusion, the embedder or the labelled set change.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);

interface Figures {
  hit1: string;
  mrr: string;
  found: string;
  empty: string;
}

/** The test-half figures of the script's line starting with `label`. */
function testHalf(output: string, label: string): Figures {
  const line = output.split("\n").find((l) => l.startsWith(label));
  if (!line) throw new Error(`no line "${label}" in:\n${output}`);
  const test = line.split("| test:")[1] ?? "";
  const match = test.match(
    /hit@1 ([\d.]+)\s+MRR ([\d.]+)\s+found ([\d.]+)\s+unrelated→0 hits\s+(\d+)%/,
  );
  if (!match) throw new Error(`unparsable line: ${line}`);
  const [, hit1, mrr, found, empty] = match as unknown as [string, string, string, string, string];
  return { hit1, mrr, found, empty };
}

test("docs/search.md quotes the default figures that scripts/eval-search.ts prints", () => {
  const run = Bun.spawnSync([process.execPath, "scripts/eval-search.ts"], {
    cwd: ROOT.pathname,
    stderr: "pipe",
  });
  expect(run.exitCode).toBe(0);
  const output = run.stdout.toString();
  const defaults = testHalf(output, "default: ratio");
  const page = readFileSync(new URL("docs/search.md", ROOT), "utf8");
  const defaultRow = page.split("\n").find((l) => l.startsWith("| **default**"));
  expect(defaultRow).toContain(`**${defaults.hit1}**`);
  expect(defaultRow).toContain(`**${defaults.mrr}**`);
  expect(defaultRow).toContain(` ${defaults.found} `);
  expect(defaultRow).toContain(`**${defaults.empty} %**`);
  // The stated ceiling: MRR cannot exceed the share of targets above the floor.
  expect(Number(defaults.mrr)).toBeLessThanOrEqual(Number(defaults.found));
  expect(page).toContain(`hit@1 ${defaults.hit1}, MRR ${defaults.mrr}, ${defaults.empty} %`);
});
