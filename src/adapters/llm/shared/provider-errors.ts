/**
 * The one HTTP-status → ModelProviderError mapping shared by the model adapters (each adapter only
 * pulls status, headers and body type out of its SDK's error). SDK-free. Retry policy lives in the
 * actor; this only classifies. Aborts are not provider errors: they rethrow the signal's reason so
 * that a cancelled generation is never counted as an outage and retried.
 */
import { type ModelErrorKind, ModelProviderError } from "../../../ports/llm.ts";

export interface HttpFailure {
  provider: string;
  status: number | null;
  headers: Headers | null;
  /** Error type from the body, for errors delivered inside an open stream (no status). */
  type?: string | null;
  message: string;
  cause: unknown;
}

/** Upper bound on a provider's Retry-After we pass on: 10 min, past that it is an outage. */
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

export function kindForStatus(status: number): ModelErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  // 408 request timeout, 409 conflict (OpenAI: "retry your request"): transient, not a refusal.
  if (status === 408 || status === 409 || status >= 500) return "unavailable";
  return "rejected";
}

/** Error types providers send inside a stream (`event: error`, `{error: {type}}`). */
export function kindForType(type: string): ModelErrorKind {
  if (type === "rate_limit_error" || type === "rate_limited") return "rate_limited";
  if (type === "authentication_error" || type === "permission_error") return "auth";
  if (type === "invalid_request_error" || type === "request_too_large") return "rejected";
  return "unavailable";
}

export function toProviderError(failure: HttpFailure): ModelProviderError {
  const kind =
    failure.status !== null
      ? kindForStatus(failure.status)
      : failure.type
        ? kindForType(failure.type)
        : "unavailable";
  const retryAfterMs = kind === "rate_limited" ? retryAfterMsFrom(failure.headers) : null;
  const status = failure.status !== null ? ` (${failure.status})` : "";
  return new ModelProviderError(kind, `${failure.provider}${status}: ${failure.message}`, {
    cause: failure.cause,
    ...(retryAfterMs !== null ? { retryAfterMs } : {}),
  });
}

/** `retry-after-ms` (OpenAI, Anthropic), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMsFrom(headers: Headers | null, now: number = Date.now()): number | null {
  if (!headers) return null;
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.min(Math.round(ms), MAX_RETRY_AFTER_MS);
  const raw = headers.get("retry-after");
  if (raw === null || raw.trim() === "") return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(Math.round(seconds * 1000), MAX_RETRY_AFTER_MS);
  }
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** What an aborted stream throws: the signal's own reason, so callers see their cancellation. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Text of an unknown thrown value, for error messages. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
