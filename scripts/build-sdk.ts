/**
 * Builds the SDK for runtimes that cannot bundle or strip types themselves:
 * - dist/sdk/spool.js: the `/sdk/spool.js` bundle, which Deno serves (Bun builds it in memory);
 * - dist/client/index.js and dist/client/react.js: what `spool/client` and `spool/client/react`
 *   resolve to on Node (its type stripping refuses files under node_modules); Bun, Deno and
 *   TypeScript use the sources (the `bun`, `deno` and `types` export conditions).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildSdk, PREBUILT_SDK, SDK_ENTRY } from "../src/http/sdk-bundle.ts";

const code = await buildSdk();
if (code === null) throw new Error("build-sdk needs Bun (Bun.build)");
mkdirSync(dirname(PREBUILT_SDK), { recursive: true });
writeFileSync(PREBUILT_SDK, code);
console.log(`wrote ${PREBUILT_SDK} (${code.length} bytes)`);

const outdir = join(dirname(PREBUILT_SDK), "../client");
const built = await Bun.build({
  entrypoints: [
    SDK_ENTRY,
    SDK_ENTRY.replace("index.ts", "react.ts"),
    SDK_ENTRY.replace("index.ts", "ai-sdk.ts"),
  ],
  outdir,
  format: "esm",
  target: "node",
  external: ["react"],
  splitting: true,
});
if (!built.success) throw new Error(JSON.stringify(built.logs));
console.log(`wrote ${built.outputs.map((o) => o.path).join(", ")}`);
