/** `/healthz` (the process answers), `/readyz` (dependencies answer, workers consume), `/metrics`. */
import { Elysia } from "elysia";
import {
  HealthSchema,
  ModelListSchema,
  NotReadySchema,
  ReadySchema,
} from "../protocol/resources.ts";
import { routeDoc } from "./route-docs.ts";
import type { Services } from "./services.ts";

export function healthRoutes(services: Services) {
  return new Elysia()
    .get(
      "/healthz",
      () => ({ status: "ok" }),
      routeDoc({
        operationId: "health",
        tag: "operations",
        summary: "Liveness",
        access: "public",
        responses: { 200: HealthSchema },
      }),
    )
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
      routeDoc({
        operationId: "ready",
        tag: "operations",
        summary: "Readiness: Redis, the store and a canary job through the workers",
        access: "public",
        responses: { 200: ReadySchema, 503: NotReadySchema },
      }),
    )
    .get(
      "/metrics",
      async () =>
        new Response(await services.metrics.render(), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        }),
      routeDoc({
        operationId: "metrics",
        tag: "operations",
        summary: "Prometheus metrics",
        access: "public",
        responses: { 200: { description: "Prometheus text format 0.0.4.", text: "text/plain" } },
      }),
    )
    .get(
      "/v1/models",
      () => ({ object: "list", data: services.catalog.list(), has_more: false, next_cursor: null }),
      routeDoc({
        operationId: "listModels",
        tag: "models",
        summary: "Models this server can use",
        access: "public",
        responses: { 200: ModelListSchema },
      }),
    );
}
