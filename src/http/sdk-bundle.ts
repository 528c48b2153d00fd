/**
 * The SDK as one minified ES module (`/sdk/spool.js`), built from src/client with `Bun.build` on
 * first use and kept in memory: always in step with the code, no build step, no network. Deno
 * has no bundler built in, so there the route serves `dist/sdk/spool.js` when `npm run build:sdk`
 * wrote it (start:deno does), and answers 503 saying so otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname ?? ".", "../..");
export const SDK_ENTRY = join(ROOT, "src/client/index.ts");
export const PREBUILT_SDK = join(ROOT, "dist/sdk/spool.js");

interface BunBuild {
  build(options: {
    entrypoints: string[];
    minify: boolean;
    format: "esm";
    target: "browser";
  }): Promise<{ success: boolean; logs: unknown[]; outputs: { text(): Promise<string> }[] }>;
}

/** Builds the bundle now (Bun only); null on a runtime without `Bun.build`. */
export async function buildSdk(entry = SDK_ENTRY): Promise<string | null> {
  const bun = (globalThis as { Bun?: BunBuild }).Bun;
  if (!bun) return null;
  const result = await bun.build({
    entrypoints: [entry],
    minify: true,
    format: "esm",
    target: "browser",
  });
  const output = result.outputs[0];
  if (!result.success || !output)
    throw new Error(`sdk build failed: ${JSON.stringify(result.logs)}`);
  return output.text();
}

let cached: Promise<string | null> | null = null;

/** The served bundle: built once per process, or the prebuilt file; null when neither exists. */
export function sdkBundle(): Promise<string | null> {
  cached ??= buildSdk().then((built) => {
    if (built !== null) return built;
    return existsSync(PREBUILT_SDK) ? readFileSync(PREBUILT_SDK, "utf8") : null;
  });
  const current = cached;
  // a failed build, or a prebuilt file not written yet, is looked for again on the next request
  current.then(
    (code) => {
      if (code === null && cached === current) cached = null;
    },
    () => {
      if (cached === current) cached = null;
    },
  );
  return current;
}
