/**
 * Token buckets shared by every node (API.md "Rate limits"). A take names one or two buckets of
 * one tenant (`scope`), each with its rule; it takes `cost` tokens from all of them or from none.
 * Atomic per call across processes (the Redis adapter is one Lua script; the memory adapter is
 * one synchronous step). A bucket never seen before is full. Buckets of one scope share a Redis
 * Cluster slot. Callers never await a take on the hot path more than once per request.
 */
export interface Bucket {
  /** Unique within the scope, e.g. `send:u:<end_user_id>`, `send:t`. */
  name: string;
  /** Tokens when full: the burst (Spool uses one minute's worth). */
  capacity: number;
  /** Refill rate, continuous. */
  perMinute: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** The bucket that refused, or (allowed) the one closest to empty. */
  bucket: string;
  /** Its capacity (RateLimit-Limit). */
  limit: number;
  remaining: number;
  retryAfterMs: number;
  resetMs: number;
}

export interface RateLimiter {
  /** `buckets` has one or two entries. */
  take(scope: string, buckets: Bucket[], cost?: number): Promise<RateLimitResult>;
  /** Drops these buckets of the scope (they are full again); erasure of an end user. */
  forget(scope: string, names: string[]): Promise<void>;
}
