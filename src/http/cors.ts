/**
 * CORS for browser apps: end-user tokens are made to be handed to a browser, so any origin may
 * call the API. Credentials are bearer tokens (never cookies), which is why `*` is safe here.
 */
const ALLOWED_HEADERS =
  "authorization, content-type, idempotency-key, last-event-id, spool-thread-id";
const ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
/** Browsers may cache a preflight for 10 minutes. */
const PREFLIGHT_MAX_AGE_S = 600;

export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "retry-after, spool-thread-id, spool-message-seq",
};

export function preflight(request: Request): Response | undefined {
  if (request.method !== "OPTIONS") return undefined;
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS_HEADERS,
      // The OpenAI and Anthropic SDKs in a browser send their own headers (x-api-key,
      // anthropic-version, x-stainless-*): any requested header is allowed, credentials being
      // bearer tokens either way.
      "access-control-allow-headers": requestedHeaders(request) ?? ALLOWED_HEADERS,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_S),
    },
  });
}

/** 1 KiB: far more than any SDK's header list; anything longer falls back to the fixed list. */
const MAX_REQUESTED_HEADERS_CHARS = 1024;

function requestedHeaders(request: Request): string | null {
  const requested = request.headers.get("access-control-request-headers");
  if (!requested || requested.length > MAX_REQUESTED_HEADERS_CHARS) return null;
  return /^[A-Za-z0-9!#$%&'*+.^_`|~, -]+$/.test(requested) ? requested : null;
}

export function withCors(response: Response): Response {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
  return response;
}
