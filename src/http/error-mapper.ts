/**
 * The one place HTTP errors are shaped (API.md "Errors"). AppErrors keep their code; Elysia's
 * own errors are translated (body schema → 422 validation_failed, query/params → 400
 * invalid_request, unparseable JSON → 400); anything else is a logged, internals-free 500.
 */

import type { Logger } from "../ports/logger.ts";
import {
  AppError,
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  type RateLimitInfo,
  toErrorBody,
  ValidationError,
} from "../protocol/errors.ts";

interface ElysiaValidation {
  type?: string;
  message?: string;
}

function validationDetail(error: ElysiaValidation): { message: string; param?: string } {
  try {
    const parsed = JSON.parse(error.message ?? "") as {
      property?: string;
      summary?: string;
      message?: string;
    };
    const param = parsed.property?.replace(/^\//, "").replaceAll("/", ".") || undefined;
    const message = parsed.summary ?? parsed.message ?? "Invalid value.";
    return param === undefined ? { message } : { message, param };
  } catch {
    return { message: "Invalid value." };
  }
}

export function toAppError(code: string | number, error: unknown, maxBodyBytes: number): AppError {
  if (error instanceof AppError) return error;
  switch (code) {
    case "VALIDATION": {
      const detail = validationDetail(error as ElysiaValidation);
      return (error as ElysiaValidation).type === "body"
        ? new ValidationError(detail.message, detail.param)
        : new InvalidRequestError(detail.message, detail.param);
    }
    case "PARSE": {
      // Elysia wraps what the body guard (onParse) throws: keep the guard's own error.
      const cause = (error as { cause?: unknown } | null)?.cause;
      if (cause instanceof AppError) return cause;
      return new InvalidRequestError("The request body is not valid JSON.");
    }
    case "NOT_FOUND":
      return new NotFoundError("route");
    case 413:
      return new PayloadTooLargeError(maxBodyBytes);
    default:
      return new AppError("internal_error", "Internal server error.", { cause: error });
  }
}

/** The error answer; `requestId` goes into the body as `error.request_id` (API.md Operations). */
export function errorResponse(error: AppError, logger: Logger, requestId?: string): Response {
  if (error.status >= 500 && !error.expose) {
    logger.error("request failed", { code: error.code, error: error.cause ?? error });
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(error.retryAfterSeconds);
  if (error.rateLimit) Object.assign(headers, rateLimitHeaders(error.rateLimit));
  const body = toErrorBody(error);
  if (requestId !== undefined) body.error.request_id = requestId;
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

/** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), seconds rounded up. */
export function rateLimitHeaders(info: RateLimitInfo): Record<string, string> {
  return {
    "ratelimit-limit": String(info.limit),
    "ratelimit-remaining": String(Math.max(0, info.remaining)),
    "ratelimit-reset": String(Math.ceil(info.resetMs / 1000)),
  };
}
