/**
 * The Elysia application: every route plugin, one error handler, and the request-size limit.
 * Served by `Bun.serve` / `Deno.serve` through `app.fetch` (entry files); WebSocket upgrades are
 * handled by the entry files before Elysia (runtime-neutral session in ws-session.ts).
 */
import { type AnyElysia, Elysia } from "elysia";
import { PayloadTooLargeError } from "../protocol/errors.ts";
import { accountRoutes } from "./accounts.ts";
import { clientPageRoutes } from "./client-pages.ts";
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
  let app = new Elysia({ normalize: false })
    .onRequest(({ request }) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes)
        return errorResponse(new PayloadTooLargeError(maxBodyBytes), services.logger);
    })
    .onError(({ code, error }) =>
      errorResponse(toAppError(code, error, maxBodyBytes), services.logger),
    )
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
  for (const plugin of options.plugins ?? []) app = app.use(plugin) as typeof app;
  return app;
}

export type SpoolApp = ReturnType<typeof buildApp>;

/** What the entry files serve: CORS preflights, then the app, with CORS headers on every answer. */
export async function handleHttp(app: SpoolApp, request: Request): Promise<Response> {
  return preflight(request) ?? withCors(await app.fetch(request));
}
