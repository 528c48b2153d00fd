/**
 * The OpenAPI document at /openapi.json (built from the routes by openapi-build.ts on
 * @elysiajs/openapi's generator) and a Swagger UI page at /docs whose assets come from the
 * swagger-ui-dist package, not a CDN, so it renders with no internet. The plugin's own page is
 * not used: its spec route cannot be post-processed (named `$ref`s, extra parameters).
 * /asyncapi.json serves the streaming protocol's document (the same as asyncapi.yaml).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Elysia } from "elysia";
import { asyncApiDocument } from "../protocol/asyncapi-document.ts";
import { buildOpenApiDocument } from "./openapi-build.ts";

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

export function docsRoutes() {
  const dir = assetDir();
  const cache = new Map<string, Buffer>();
  // Built on first request: by then every route of the app is mounted (global routes are shared).
  let document: { routes: number; body: string } | null = null;
  const plugin: Elysia = new Elysia();
  const asyncApi = asyncApiDocument();
  return plugin
    .get(
      "/openapi.json",
      () => {
        // getGlobalRoutes is protected in the types; @elysiajs/openapi's own plugin calls it too.
        const routes = (plugin as unknown as { getGlobalRoutes(): unknown[] }).getGlobalRoutes()
          .length;
        if (document?.routes !== routes)
          document = { routes, body: JSON.stringify(buildOpenApiDocument(plugin)) };
        return new Response(document.body, { headers: { "content-type": "application/json" } });
      },
      { detail: { hide: true } },
    )
    .get("/asyncapi.json", () => asyncApi, { detail: { hide: true } })
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
