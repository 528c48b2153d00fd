/**
 * Writes the SDK bundle (`/sdk/spool.js`) to dist/sdk/spool.js, for runtimes that cannot build it
 * themselves (Deno serves this file). Bun builds it in memory on first request instead.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { buildSdk, PREBUILT_SDK } from "../src/http/sdk-bundle.ts";

const code = await buildSdk();
if (code === null) throw new Error("build-sdk needs Bun (Bun.build)");
mkdirSync(dirname(PREBUILT_SDK), { recursive: true });
writeFileSync(PREBUILT_SDK, code);
console.log(`wrote ${PREBUILT_SDK} (${code.length} bytes)`);
