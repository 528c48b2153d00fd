/** `/healthz` (the process answers), `/readyz` (dependencies answer, workers consume), `/metrics`. */
import { Elysia } from "elysia";
import type { Services } from "./services.ts";

export function healthRoutes(services: Services) {
  return new Elysia()
    .get("/healthz", () => ({ status: "ok" }), { detail: { summary: "Liveness" } })
    .get(
      "/readyz",
      async ({ set }) => {
        if (services.host.draining) {
          // A load balancer stops sending new requests here; running answers still finish.
          set.status = 503;
          return { status: "draining", reason: "this node is shutting down" };
        }
        try {
          return { status: "ready", checks: await services.readiness.check() };
        } catch (error) {
          set.status = 503;
          return {
            status: "unavailable",
            reason: error instanceof Error ? error.message : String(error),
          };
        }
      },
      { detail: { summary: "Readiness: Redis, the store and a canary job through the workers" } },
    )
    .get(
      "/metrics",
      async () =>
        new Response(await services.metrics.render(), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        }),
      { detail: { summary: "Prometheus metrics" } },
    )
    .get(
      "/v1/models",
      () => ({ object: "list", data: services.catalog.list(), has_more: false, next_cursor: null }),
      { detail: { summary: "Models this server can use" } },
    );
}
