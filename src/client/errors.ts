/**
 * Typed errors of the client: one class per API error code (API.md "Errors"), built from the
 * `{error:{type, code, message, param?}}` body, plus `ConnectionError` for the network. Callers
 * branch on `error.code` (stable across bundles) or `instanceof` the classes below.
 */
import type { ErrorCode } from "../protocol/errors.ts";

export type SpoolErrorCode = ErrorCode | "quota_exceeded" | "connection_error" | (string & {});

export class SpoolError extends Error {
  readonly code: SpoolErrorCode;
  readonly status: number | null;
  readonly param: string | null;
  /** `X-Request-Id` of the failed request, or `error.request_id` of the body. */
  readonly requestId: string | null;
  /** From `Retry-After` (429, 503) or a WS error frame's `retry_after_ms`. */
  readonly retryAfterMs: number | null;
  /** The whole `error` object (extra fields like `last_seq`, `busy_seq`). */
  readonly body: Record<string, unknown>;

  constructor(
    code: SpoolErrorCode,
    message: string,
    init: {
      status?: number | null;
      param?: string | null;
      requestId?: string | null;
      retryAfterMs?: number | null;
      body?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = init.status ?? null;
    this.param = init.param ?? null;
    this.requestId = init.requestId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.body = init.body ?? {};
  }
}

export class InvalidRequestError extends SpoolError {}
export class InvalidCursorError extends SpoolError {}
export class AuthenticationError extends SpoolError {}
export class NotFoundError extends SpoolError {}
export class ThreadBusyError extends SpoolError {}
export class SeqConflictError extends SpoolError {}
export class PayloadTooLargeError extends SpoolError {}
export class ValidationError extends SpoolError {}
export class IdempotencyMismatchError extends SpoolError {}
export class RateLimitedError extends SpoolError {}
export class QuotaExceededError extends SpoolError {}
export class UnavailableError extends SpoolError {}
export class InternalServerError extends SpoolError {}
/** The network failed (refused, reset, EOF, timeout) and the retries ran out. */
export class ConnectionError extends SpoolError {}

const CLASSES: Record<string, typeof SpoolError> = {
  invalid_request: InvalidRequestError,
  invalid_cursor: InvalidCursorError,
  unauthorized: AuthenticationError,
  not_found: NotFoundError,
  thread_busy: ThreadBusyError,
  seq_conflict: SeqConflictError,
  payload_too_large: PayloadTooLargeError,
  validation_failed: ValidationError,
  idempotency_key_mismatch: IdempotencyMismatchError,
  rate_limited: RateLimitedError,
  quota_exceeded: QuotaExceededError,
  unavailable: UnavailableError,
  internal_error: InternalServerError,
};

const FALLBACK_CODE: Record<number, string> = {
  400: "invalid_request",
  401: "unauthorized",
  404: "not_found",
  409: "thread_busy",
  413: "payload_too_large",
  422: "validation_failed",
  429: "rate_limited",
  503: "unavailable",
};

/** Retry-After is seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The typed error for an API error (any body: a proxy's HTML 502 is still an error). */
export function errorFromResponse(status: number, body: unknown, headers: Headers): SpoolError {
  const error =
    body && typeof body === "object" && "error" in body
      ? ((body as { error: Record<string, unknown> }).error ?? {})
      : {};
  const code =
    typeof error.code === "string"
      ? error.code
      : (FALLBACK_CODE[status] ?? (status >= 500 ? "internal_error" : "invalid_request"));
  const message = typeof error.message === "string" ? error.message : `HTTP ${status}`;
  return errorFromCode(code, message, {
    status,
    param: typeof error.param === "string" ? error.param : null,
    requestId:
      headers.get("x-request-id") ??
      (typeof error.request_id === "string" ? error.request_id : null),
    retryAfterMs: retryAfterMs(headers.get("retry-after")),
    body: error,
  });
}

export function errorFromCode(
  code: string,
  message: string,
  init: ConstructorParameters<typeof SpoolError>[2] = {},
): SpoolError {
  const Class = CLASSES[code] ?? SpoolError;
  return new Class(code, message, init);
}
