/**
 * The Elysia application: every route plugin, one error handler, and the request-size limit.
 * Served by `Bun.serve` / `Deno.serve` through `app.fetch` (entry files); WebSocket upgrades are
 * handled by the entry files before Elysia (runtime-neutral session in ws-session.ts).
 */
import { type AnyElysia, Elysia } from "elysia";
import { PayloadTooLargeError } from "../protocol/errors.ts";
import { accountRoutes } from "./accounts.ts";
import { preflight, withCors } from "./cors.ts";
import { docsRoutes } from "./docs.ts";
import { errorResponse, toAppError } from "./error-mapper.ts";
import { healthRoutes } from "./health.ts";
import { internalRoutes } from "./internal.ts";
import { messageRoutes } from "./messages.ts";
import {
  noteRoute,
  REQUEST_ID_HEADER,
  type RequestInfo,
  requestInfo,
  withRequestScope,
} from "./request-context.ts";
import { searchRoutes } from "./search.ts";
import type { Services } from "./services.ts";
import { threadRoutes } from "./threads.ts";
import { toolRoutes } from "./tools.ts";
import { usageRoutes } from "./usage.ts";

export interface AppOptions {
  /** Called when a key is revoked here, to close its sockets on every node. */
  onKeyRevoked(keyId: string): void;
  /** Extra plugins (the queue admin page). */
  plugins?: AnyElysia[];
}

export function buildApp(services: Services, options: AppOptions) {
  const maxBodyBytes = services.config.limits.maxBodyBytes;
  let app = new Elysia({ normalize: false })
    .onRequest(({ request }) => {
      const info = requestInfo(request);
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes)
        return errorResponse(new PayloadTooLargeError(maxBodyBytes), services.logger, info.id);
    })
    .onAfterHandle({ as: "global" }, ({ request, route }) => noteRoute(request, route))
    .onError({ as: "global" }, ({ code, error, request, route }) => {
      if (code !== "NOT_FOUND") noteRoute(request, route);
      const appError = toAppError(code, error, maxBodyBytes);
      return errorResponse(appError, services.logger, requestInfo(request).id);
    })
    .use(docsRoutes())
    .use(healthRoutes(services))
    .use(threadRoutes(services))
    .use(messageRoutes(services))
    .use(toolRoutes(services))
    .use(searchRoutes(services))
    .use(accountRoutes(services, options.onKeyRevoked))
    .use(usageRoutes(services))
    .use(internalRoutes(services));
  for (const plugin of options.plugins ?? []) app = app.use(plugin) as typeof app;
  return app;
}

export type SpoolApp = ReturnType<typeof buildApp>;

/**
 * What the listeners serve: CORS preflights, then the app, inside the request's log scope; every
 * answer gets CORS headers and `X-Request-Id`, and one access log line. (For a stream the
 * duration is the time to its headers; the stream itself is counted by the stream metrics.)
 */
export async function handleHttp(
  app: SpoolApp,
  request: Request,
  services: Services,
): Promise<Response> {
  const info = requestInfo(request);
  return withRequestScope(info, async () => {
    let response: Response;
    try {
      response = preflight(request) ?? (await app.fetch(request));
    } catch (error) {
      response = errorResponse(toAppError("UNKNOWN", error, 0), services.logger, info.id);
    }
    withCors(response);
    response.headers.set(REQUEST_ID_HEADER, info.id);
    accessLog(services, request, info, response.status);
    return response;
  });
}

function accessLog(services: Services, request: Request, info: RequestInfo, status: number): void {
  const durationMs = Math.round((performance.now() - info.startedAt) * 1000) / 1000;
  const route = info.route ?? "unmatched";
  services.metrics.httpRequest(route, request.method, status, durationMs / 1000);
  const fields: Record<string, unknown> = {
    method: request.method,
    route,
    status,
    duration_ms: durationMs,
    tenant: info.tenantId,
  };
  if (services.config.logLevel === "debug") {
    const url = new URL(request.url);
    fields.path = url.pathname;
    fields.query_keys = [...new Set(url.searchParams.keys())];
    fields.user_agent = request.headers.get("user-agent");
    fields.content_length = request.headers.get("content-length");
  }
  services.logger.info("request", fields);
}
