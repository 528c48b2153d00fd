/**
 * The OpenAPI document (generated from the routes by @elysiajs/swagger at /openapi.json) and a
 * Swagger UI page at /docs whose assets come from the swagger-ui-dist package, not a CDN, so it
 * renders with no internet.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { swagger } from "@elysiajs/swagger";
import { Elysia } from "elysia";

const ASSETS = [
  "swagger-ui.css",
  "swagger-ui-bundle.js",
  "swagger-ui-standalone-preset.js",
] as const;
const TYPES: Record<string, string> = { css: "text/css", js: "application/javascript" };

function assetDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spool API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "BaseLayout" });</script>
</body></html>`;

export const OPENAPI_INFO = {
  title: "Spool API",
  version: "0.1.0",
  description:
    "Self-hosted backend for AI chat: resumable streams, ordered deduplicated history, tenancy. " +
    "Errors are {error:{type, code, message, param?}}. Body schema violations are 422 " +
    "validation_failed; bad query parameters and unparseable JSON are 400 invalid_request.",
};

export function docsRoutes() {
  const dir = assetDir();
  const cache = new Map<string, Buffer>();
  return new Elysia()
    .use(
      swagger({
        path: "/docs/generated",
        specPath: "/openapi.json",
        exclude: [/^\/docs/, "/openapi.json", /^\/admin\/queues/, /^\/internal/],
        documentation: {
          info: OPENAPI_INFO,
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
          security: [{ bearer: [] }],
        },
      }),
    )
    .get(
      "/docs",
      () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }),
      {
        detail: { hide: true },
      },
    )
    .get(
      "/docs/assets/:file",
      ({ params, set }) => {
        const file = ASSETS.find((name) => name === params.file);
        if (!file) {
          set.status = 404;
          return "not found";
        }
        let body = cache.get(file);
        if (!body) {
          body = readFileSync(join(dir, file));
          cache.set(file, body);
        }
        return new Response(new Uint8Array(body), {
          headers: { "content-type": TYPES[file.split(".").pop()!]! },
        });
      },
      { detail: { hide: true } },
    );
}
