/**
 * The one place compatibility errors are shaped: every AppError (or unknown error: a logged,
 * internals-free 500) becomes the protocol's own error body, with Spool's code kept where the
 * protocol has a slot for it. A failed generation (the provider broke off) is answered with
 * `x-should-retry: false`, because the SDKs' automatic retry would start a second turn.
 */
import type { Logger } from "../../../ports/logger.ts";
import { AppError } from "../../../protocol/errors.ts";
import { toAppError } from "../../error-mapper.ts";

export type CompatProtocol = "openai" | "anthropic";

const OPENAI_TYPES: Record<number, string> = {
  401: "invalid_request_error",
  404: "invalid_request_error",
  409: "invalid_request_error",
  413: "invalid_request_error",
  429: "requests",
};

const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  409: "invalid_request_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  503: "overloaded_error",
};

/** A turn whose generation failed, as an error of the protocol (status 502: the upstream broke). */
export class GenerationFailedError extends AppError {
  constructor(message: string) {
    super("unavailable", message, { status: 502, expose: true });
  }
}

export function compatErrorBody(protocol: CompatProtocol, error: AppError): unknown {
  const message = error.expose ? error.message : "Internal server error.";
  const code = error.expose ? error.code : "internal_error";
  if (protocol === "anthropic") {
    const type =
      ANTHROPIC_TYPES[error.status] ??
      (error.status >= 500 ? "api_error" : "invalid_request_error");
    return { type: "error", error: { type, message } };
  }
  const type =
    OPENAI_TYPES[error.status] ?? (error.status >= 500 ? "server_error" : "invalid_request_error");
  const openaiCode =
    code === "unauthorized"
      ? "invalid_api_key"
      : code === "rate_limited"
        ? "rate_limit_exceeded"
        : code;
  return {
    error: { message, type, param: (error.expose && error.param) || null, code: openaiCode },
  };
}

export function compatErrorResponse(
  protocol: CompatProtocol,
  raw: unknown,
  logger: Logger,
  maxBodyBytes: number,
): Response {
  const error = raw instanceof AppError ? raw : toAppError("UNKNOWN", raw, maxBodyBytes);
  if (error.status >= 500 && !error.expose)
    logger.error("compat request failed", { code: error.code, error: error.cause ?? error });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(error.retryAfterSeconds);
  if (error instanceof GenerationFailedError) headers["x-should-retry"] = "false";
  return new Response(JSON.stringify(compatErrorBody(protocol, error)), {
    status: error.status,
    headers,
  });
}

/** Which protocol a path belongs to (for errors raised before a route runs: 404, 413). */
export function compatProtocolOf(pathname: string): CompatProtocol | null {
  if (pathname.startsWith("/compat/openai/")) return "openai";
  if (pathname.startsWith("/compat/anthropic/")) return "anthropic";
  return null;
}
