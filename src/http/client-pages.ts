/**
 * `/sdk/spool.js` (the SDK for pages without a bundler) and `/playground`, a demo chat built on
 * it, served from files in this repository: both work offline. The page never holds a secret
 * key: it uses an end-user token, pasted (minted with curl) or, when PLAYGROUND_SECRET_KEY is set
 * (dev only), minted by `POST /playground/token` with that key on the server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Elysia, t } from "elysia";
import { NotFoundError, UnauthorizedError, UnavailableError } from "../protocol/errors.ts";
import { EndUserIdSchema } from "../protocol/objects.ts";
import { requireSecretKey } from "./auth.ts";
import { sdkBundle } from "./sdk-bundle.ts";
import type { Services } from "./services.ts";

/** 1 hour: a demo session; the page asks for a new token when it expires (401). */
const PLAYGROUND_TOKEN_TTL_SECONDS = 3600;
const DIR = join(import.meta.dirname ?? ".", "playground");
const FILES: Record<string, string> = {
  "app.js": "application/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

function asset(name: string, type: string): Response {
  return new Response(readFileSync(join(DIR, name)), {
    headers: { "content-type": type, "cache-control": "no-cache" },
  });
}

/** No Origin (curl, same-origin GET) or an Origin naming this very host. */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  try {
    return new URL(origin).host === (request.headers.get("host") ?? new URL(request.url).host);
  } catch {
    return false;
  }
}

export function clientPageRoutes(services: Services) {
  return new Elysia()
    .get(
      "/sdk/spool.js",
      async () => {
        const code = await sdkBundle();
        if (code === null) {
          throw new UnavailableError("The SDK bundle is not built here: run `npm run build:sdk`.");
        }
        return new Response(code, {
          headers: {
            "content-type": "application/javascript; charset=utf-8",
            "cache-control": "no-cache",
          },
        });
      },
      { detail: { summary: "The client SDK as one ES module (spool/client)", tags: ["sdk"] } },
    )
    .get("/playground", () => asset("index.html", "text/html; charset=utf-8"), {
      detail: { hide: true },
    })
    .get(
      "/playground/:file",
      ({ params }) => {
        const type = FILES[params.file];
        if (!type) throw new NotFoundError("file");
        return asset(params.file, type);
      },
      { detail: { hide: true } },
    )
    .post(
      "/playground/token",
      ({ body, set, request }) => {
        const key = services.config.playgroundSecretKey;
        if (!key) throw new NotFoundError("route (set PLAYGROUND_SECRET_KEY to enable it)");
        // CORS allows every origin on the API; this route must not: any page the developer
        // visits could otherwise mint (and read) a token of the playground's end user.
        if (!sameOrigin(request)) {
          throw new UnauthorizedError("The playground token route answers its own page only.");
        }
        return services.tokens.authenticate(key).then((auth) => {
          requireSecretKey(auth);
          const endUser = body.end_user_id ?? "playground";
          const ttl = PLAYGROUND_TOKEN_TTL_SECONDS;
          const { token, expiresAt } = services.tokens.mintEndUserToken(auth, endUser, ttl);
          set.status = 201;
          return { token, end_user_id: endUser, expires_at: new Date(expiresAt).toISOString() };
        });
      },
      {
        body: t.Object(
          { end_user_id: t.Optional(EndUserIdSchema) },
          { additionalProperties: false },
        ),
        detail: { hide: true },
      },
    );
}
