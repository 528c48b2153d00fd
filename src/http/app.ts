/**
 * The Elysia application: every route plugin, one error handler, and the input bounds (body
 * limit also for chunked bodies, JSON depth, well-formed strings and URLs: body-guard.ts).
 * Served by `Bun.serve` / `Deno.serve` through `app.fetch` (entry files); WebSocket upgrades are
 * handled by the entry files before Elysia (runtime-neutral session in ws-session.ts).
 */
import { type AnyElysia, Elysia } from "elysia";
import { type AppError, PayloadTooLargeError } from "../protocol/errors.ts";
import { accountRoutes } from "./accounts.ts";
import { checkUrl, parseBody } from "./body-guard.ts";
import { branchRoutes } from "./branches.ts";
import { clientPageRoutes } from "./client-pages.ts";
import { anthropicRoutes } from "./compat/anthropic/routes.ts";
import { openaiRoutes } from "./compat/openai/routes.ts";
import { compatErrorResponse, compatProtocolOf } from "./compat/shared/compat-errors.ts";
import { uiChatRoutes } from "./compat/ui/ui-chat-routes.ts";
import { preflight, withCors } from "./cors.ts";
import { docsRoutes } from "./docs.ts";
import { endUserRoutes } from "./end-users.ts";
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
import { exportRoutes } from "./thread-export.ts";
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
  // The compatibility endpoints answer in their protocol's error shape, even before a route runs.
  const errorFor = (request: Request, error: AppError) => {
    const protocol = compatProtocolOf(new URL(request.url).pathname);
    return protocol
      ? compatErrorResponse(protocol, error, services.logger, maxBodyBytes)
      : errorResponse(error, services.logger, requestInfo(request).id);
  };
  let app = new Elysia({ normalize: false })
    .onRequest(({ request }) => {
      requestInfo(request); // the request id exists before anything can fail
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes) return errorFor(request, new PayloadTooLargeError(maxBodyBytes));
      try {
        checkUrl(request.url);
      } catch (error) {
        return errorFor(request, toAppError("", error, maxBodyBytes));
      }
    })
    .onAfterHandle({ as: "global" }, ({ request, route }) => noteRoute(request, route))
    .onError({ as: "global" }, ({ code, error, request, route }) => {
      if (code !== "NOT_FOUND") noteRoute(request, route);
      return errorFor(request, toAppError(code, error, maxBodyBytes));
    })
    // The compatibility routes check their own bodies (errors in their protocol's shape, with
    // the param their clients expect; OpenAI/Anthropic read them through body-guard's
    // readBodyText); they come before the body guard, which Elysia applies to later routes.
    // Their sends still pass the seam's checks (strings, limits, policy).
    .use(openaiRoutes(services))
    .use(anthropicRoutes(services))
    .use(uiChatRoutes(services));
  // The extra plugins (the queue admin page) read their own bodies too: bull-board parses the
  // request itself, and a body the guard had consumed would reach it empty (admin key only; the
  // Content-Length limit above still holds).
  for (const plugin of options.plugins ?? []) app = app.use(plugin) as typeof app;
  return app
    .onParse(({ request, contentType }) => parseBody(request, contentType ?? "", maxBodyBytes))
    .use(docsRoutes())
    .use(clientPageRoutes(services))
    .use(healthRoutes(services))
    .use(threadRoutes(services))
    .use(exportRoutes(services))
    .use(endUserRoutes(services))
    .use(messageRoutes(services))
    .use(branchRoutes(services))
    .use(toolRoutes(services))
    .use(searchRoutes(services))
    .use(accountRoutes(services, options.onKeyRevoked))
    .use(usageRoutes(services))
    .use(internalRoutes(services));
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
