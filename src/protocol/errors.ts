/**
 * Error codes of the wire contract (API.md) and the one error class every layer throws.
 * Transports translate AppError in exactly one place each (http/error-mapper.ts, the WS session).
 * `expose: false` errors are logged with their cause and answered as a generic 500.
 */

export type ErrorCode =
  | "invalid_request"
  | "invalid_cursor"
  | "unauthorized"
  | "not_found"
  | "thread_busy"
  | "seq_conflict"
  | "payload_too_large"
  | "validation_failed"
  | "idempotency_key_mismatch"
  | "rate_limited"
  | "quota_exceeded"
  | "unavailable"
  | "internal_error";

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  not_found: 404,
  thread_busy: 409,
  seq_conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  idempotency_key_mismatch: 422,
  rate_limited: 429,
  quota_exceeded: 429,
  unavailable: 503,
  internal_error: 500,
};

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "not_found_error"
  | "conflict_error"
  | "rate_limit_error"
  | "api_error";

export function errorTypeOf(status: number): ErrorType {
  if (status === 401) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

export interface AppErrorOptions {
  status?: number;
  expose?: boolean;
  cause?: unknown;
  param?: string;
  /** Extra fields copied into the error body (e.g. `last_seq` for seq_conflict). */
  details?: Record<string, unknown>;
  retryAfterSeconds?: number;
  /** Rate-limit state for the `RateLimit-*` headers and the WS error frame's `retry_after_ms`. */
  rateLimit?: RateLimitInfo;
}

export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** Ms until the bucket is full again (RateLimit-Reset, rounded up to seconds). */
  resetMs: number;
  retryAfterMs: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly param: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly rateLimit: RateLimitInfo | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = options.status ?? STATUS_BY_CODE[code];
    this.expose = options.expose ?? this.status < 500;
    this.param = options.param;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.rateLimit = options.rateLimit;
  }
}

export class InvalidRequestError extends AppError {
  constructor(message: string, param?: string) {
    super("invalid_request", message, param === undefined ? {} : { param });
  }
}

export class ValidationError extends AppError {
  constructor(message: string, param?: string) {
    super("validation_failed", message, param === undefined ? {} : { param });
  }
}

export class InvalidCursorError extends AppError {
  constructor(param = "cursor") {
    super("invalid_cursor", "The cursor is malformed, expired or does not belong here.", { param });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "Missing or invalid credentials.") {
    super("unauthorized", message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super("not_found", `No such ${what}.`);
  }
}

export class ThreadBusyError extends AppError {
  constructor(busySeq: number) {
    super("thread_busy", `A generation is still running in this thread (seq ${busySeq}).`, {
      details: { busy_seq: busySeq },
    });
  }
}

export class SeqConflictError extends AppError {
  constructor(lastSeq: number) {
    super("seq_conflict", `The thread moved on: last_seq is ${lastSeq}.`, {
      param: "if_last_seq",
      details: { last_seq: lastSeq },
    });
  }
}

export class IdempotencyMismatchError extends AppError {
  constructor() {
    super(
      "idempotency_key_mismatch",
      "This request_id was already used with a different request body.",
      { param: "request_id" },
    );
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super("payload_too_large", `The request body is larger than ${limitBytes} bytes.`);
  }
}

export class RateLimitedError extends AppError {
  /** `info` absent: a caller-supplied Retry-After only (legacy callers). */
  constructor(
    message: string,
    retryAfterSeconds: number,
    info?: RateLimitInfo,
    code: "rate_limited" | "quota_exceeded" = "rate_limited",
  ) {
    super(code, message, info ? { retryAfterSeconds, rateLimit: info } : { retryAfterSeconds });
  }
}

export class UnavailableError extends AppError {
  constructor(message: string, cause?: unknown, retryAfterSeconds?: number) {
    super("unavailable", message, {
      cause,
      expose: true,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
}

/** The wire shape of an error (API.md: `{error:{type, code, message, param?}}`). */
export interface ErrorBody {
  error: { type: ErrorType; code: ErrorCode; message: string; param?: string } & Record<
    string,
    unknown
  >;
}

export function toErrorBody(err: AppError): ErrorBody {
  const body: ErrorBody["error"] = {
    type: errorTypeOf(err.status),
    code: err.expose ? err.code : "internal_error",
    message: err.expose ? err.message : "Internal server error.",
    ...(err.expose ? err.details : {}),
  };
  if (err.expose && err.param !== undefined) body.param = err.param;
  return { error: body };
}
