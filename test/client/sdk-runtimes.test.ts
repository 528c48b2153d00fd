// The SDK outside Bun: a streamed turn from Node (the dist build that `spool/client` resolves to
// there) and from Deno (the TypeScript sources), each a real child process against a real server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BunServer } from "../../src/serve-bun.ts";
import { startSpool, type TestSpool } from "../support/spool.ts";

const ROOT = resolve(import.meta.dir, "../..");
let spool: TestSpool;
let server: BunServer;
let dir: string;

beforeAll(async () => {
  spool = await startSpool();
  server = await spool.listen();
  dir = mkdtempSync(join(tmpdir(), "spool-sdk-"));
  const built = await Bun.build({
    entrypoints: [join(ROOT, "src/client/index.ts")],
    outdir: dir,
    format: "esm",
    target: "node",
  });
  if (!built.success) throw new Error(JSON.stringify(built.logs));
});
afterAll(() => spool?.close());

const script = (importPath: string, url: string, key: string) => `
import { Spool } from ${JSON.stringify(importPath)};
const spool = new Spool({ baseUrl: ${JSON.stringify(url)}, apiKey: ${JSON.stringify(key)} });
const thread = await spool.threads.create({ end_user_id: "runtime" });
const stream = spool.messages.stream(thread.id, { content: "[chunks=5][delay_ms=5]", model: "spool/echo" });
let text = "";
stream.on("text", (d) => { text += d; });
const final = await stream.finalMessage();
console.log(JSON.stringify({ text, status: final.status, seq: final.seq }));
`;

async function run(cmd: string[]): Promise<{ text: string; status: string; seq: number }> {
  const child = Bun.spawn(cmd, { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [out, err] = [
    await new Response(child.stdout).text(),
    await new Response(child.stderr).text(),
  ];
  await child.exited;
  if (child.exitCode !== 0) throw new Error(`${cmd[0]} failed: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

test("Node runs the dist build", async () => {
  const file = join(dir, "node-client.mjs");
  writeFileSync(file, script("./index.js", `http://127.0.0.1:${server.port}`, spool.secretKey));
  const result = await run(["node", file]);
  expect(result).toEqual({ text: "w1 w2 w3 w4 w5 ", status: "completed", seq: 2 });
}, 30_000);

test("Deno runs the TypeScript sources", async () => {
  const file = join(dir, "deno-client.ts");
  writeFileSync(
    file,
    script(join(ROOT, "src/client/index.ts"), `http://127.0.0.1:${server.port}`, spool.secretKey),
  );
  const result = await run([
    join(ROOT, "node_modules/.bin/deno"),
    "run",
    "--allow-net",
    "--no-config",
    file,
  ]);
  expect(result).toEqual({ text: "w1 w2 w3 w4 w5 ", status: "completed", seq: 2 });
}, 60_000);
