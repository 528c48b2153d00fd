// The committed openapi.yaml must be what the routes serve; `npm run openapi` refreshes it.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { openApiDocument, openApiYaml } from "../src/http/openapi.ts";

test("openapi.yaml is up to date with the routes (run `npm run openapi`)", async () => {
  const committed = readFileSync(new URL("../openapi.yaml", import.meta.url), "utf8");
  expect(committed).toBe(await openApiYaml());
});

test("the document lists the API.md endpoints and hides internal pages", async () => {
  const paths = Object.keys((await openApiDocument()).paths as Record<string, unknown>);
  for (const path of [
    "/v1/threads",
    "/v1/threads/{id}/messages",
    "/v1/threads/{id}/stream",
    "/v1/end_user_tokens",
  ]) {
    expect(paths).toContain(path);
  }
  expect(paths.some((p) => p.startsWith("/docs"))).toBe(false);
});
