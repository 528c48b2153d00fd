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
import { clientPageRoutes } from "./client-pages.ts";
import { anthropicRoutes } from "./compat/anthropic/routes.ts";
import { openaiRoutes } from "./compat/openai/routes.ts";
import { compatErrorResponse, compatProtocolOf } from "./compat/shared/compat-errors.ts";
import { uiChatRoutes } from "./compat/ui/ui-chat-routes.ts";
import { preflight, withCors } from "./cors.ts";
import { docsRoutes } from "./docs.ts";
import { errorResponse, toAppError } from "./error-mapper.ts";
import { healthRoutes } from "./health.ts";
import { internalRoutes } from "./internal.ts";
import { messageRoutes } from "./messages.ts";
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
  // The compatibility endpoints answer in their protocol's error shape, even before a route runs.
  const errorFor = (request: Request, error: AppError) => {
    const protocol = compatProtocolOf(new URL(request.url).pathname);
    return protocol
      ? compatErrorResponse(protocol, error, services.logger, maxBodyBytes)
      : errorResponse(error, services.logger);
  };
  let app = new Elysia({ normalize: false })
    .onRequest(({ request }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes) return errorFor(request, new PayloadTooLargeError(maxBodyBytes));
      try {
        checkUrl(request.url);
      } catch (error) {
        return errorFor(request, toAppError("", error, maxBodyBytes));
      }
    })
    .onError(({ code, error, request }) => errorFor(request, toAppError(code, error, maxBodyBytes)))
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
    .use(messageRoutes(services))
    .use(toolRoutes(services))
    .use(searchRoutes(services))
    .use(accountRoutes(services, options.onKeyRevoked))
    .use(usageRoutes(services))
    .use(internalRoutes(services));
}

export type SpoolApp = ReturnType<typeof buildApp>;

/** What the entry files serve: CORS preflights, then the app, with CORS headers on every answer. */
export async function handleHttp(app: SpoolApp, request: Request): Promise<Response> {
  return preflight(request) ?? withCors(await app.fetch(request));
}
