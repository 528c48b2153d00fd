/**
 * Reconnect delays: exponential backoff with full jitter (a uniform draw in [0, min(cap, base·2^n)]),
 * so a thousand clients cut by one restart do not come back in one wave. A server's Retry-After
 * wins over the draw when it is longer.
 */

export interface RetryOptions {
  /** First backoff ceiling: 250 ms, quick after a blip. */
  baseDelayMs: number;
  /** Longest wait between attempts: 8 s, a server restart's order of magnitude. */
  maxDelayMs: number;
  /** Attempts after the first before giving up; reset by every attempt that made progress. */
  maxRetries: number;
}

export const DEFAULT_RETRY: RetryOptions = { baseDelayMs: 250, maxDelayMs: 8000, maxRetries: 10 };

export function backoffDelay(
  attempt: number,
  options: RetryOptions,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  const drawn = Math.floor(random() * ceiling);
  return retryAfterMs === null ? drawn : Math.max(drawn, retryAfterMs);
}

/** Resolves after `ms`, or at once (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
