/**
 * The size of the SDK bundle served at /sdk/spool.js: minified, and minified + gzip (goal < 15 kB
 * gzip), plus the React entry on its own (React itself excluded). Also checks that no server
 * dependency (TypeBox, Elysia) leaked into the bundle. `bun test/bench/sdk-size.ts`
 */
import { gzipSync } from "node:zlib";
import { buildSdk, SDK_ENTRY } from "../../src/http/sdk-bundle.ts";

const GOAL_GZIP_BYTES = 15 * 1024;

async function measure(label: string, code: string): Promise<number> {
  const gzip = gzipSync(code, { level: 9 }).length;
  console.log(
    `${label}: ${(code.length / 1024).toFixed(1)} kB minified, ${(gzip / 1024).toFixed(1)} kB gzip`,
  );
  return gzip;
}

const sdk = (await buildSdk(SDK_ENTRY))!;
const gzip = await measure("spool/client (/sdk/spool.js)", sdk);
const leaked = ["TypeBox", "@sinclair", "elysia", "ioredis"].filter((name) => sdk.includes(name));
if (leaked.length) throw new Error(`server code in the SDK bundle: ${leaked.join(", ")}`);

const react = await Bun.build({
  entrypoints: [SDK_ENTRY.replace("index.ts", "react.ts")],
  minify: true,
  format: "esm",
  target: "browser",
  external: ["react"],
});
await measure("spool/client/react (react external)", await react.outputs[0]!.text());
console.log(gzip < GOAL_GZIP_BYTES ? "goal met: < 15 kB gzip" : "GOAL MISSED: >= 15 kB gzip");
if (gzip >= GOAL_GZIP_BYTES) process.exitCode = 1;
