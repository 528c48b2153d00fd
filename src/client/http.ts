/**
 * One HTTP request with Spool's retry rules: a 401 refreshes the token once; 429 waits for
 * `Retry-After` (the request had no effect, so any method may repeat); network errors, 502/503/504
 * are retried with backoff only for idempotent requests (reads, and sends carrying a request_id).
 * Anything else becomes the typed error of its code.
 */
import { backoffDelay, DEFAULT_RETRY, type RetryOptions, sleep } from "./backoff.ts";
import type { Credentials } from "./credentials.ts";
import { ConnectionError, errorFromResponse, type SpoolError } from "./errors.ts";

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** Safe to repeat after a network error or a 5xx (default: GET and DELETE). */
  idempotent?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** `fetch`, or any function of its shape (a test's, a proxy's). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpConfig {
  baseUrl: string;
  credentials: Credentials;
  fetch: FetchLike;
  retry: RetryOptions;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

export class HttpClient {
  readonly config: HttpConfig;

  constructor(config: Partial<HttpConfig> & Pick<HttpConfig, "baseUrl" | "credentials">) {
    this.config = {
      fetch: config.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init)),
      retry: config.retry ?? DEFAULT_RETRY,
      ...config,
      baseUrl: config.baseUrl.replace(/\/+$/, ""),
    };
  }

  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.config.baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  /** The ok Response (its body unread), after the retries; throws a SpoolError otherwise. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const idempotent = options.idempotent ?? (method === "GET" || method === "DELETE");
    const { retry } = this.config;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.config.credentials.get();
      let response: Response;
      try {
        response = await this.config.fetch(this.url(path, options.query), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(options.body === undefined ? {} : { "content-type": "application/json" }),
            ...options.headers,
          },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (cause) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!idempotent || attempt >= retry.maxRetries) {
          throw new ConnectionError("connection_error", `${method} ${path}: network error`, {
            cause,
          });
        }
        await sleep(backoffDelay(attempt, retry), options.signal);
        continue;
      }
      if (response.ok) return response;
      const error = await readError(response);
      if (response.status === 401 && this.config.credentials.refreshable && !refreshed) {
        refreshed = true;
        this.config.credentials.invalidate(token);
        attempt--;
        continue;
      }
      const retryable =
        response.status === 429 || (idempotent && RETRYABLE_STATUS.has(response.status));
      if (!retryable || attempt >= retry.maxRetries) throw error;
      await sleep(backoffDelay(attempt, retry, error.retryAfterMs), options.signal);
    }
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }
}

async function readError(response: Response): Promise<SpoolError> {
  let body: unknown = null;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's error page): the status alone decides the error
  }
  return errorFromResponse(response.status, body, response.headers);
}
