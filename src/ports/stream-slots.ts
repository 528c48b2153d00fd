/**
 * Open streams (SSE + WS subscriptions) counted across nodes, for the stream caps (API.md).
 * `open` adds a stream id to its end user's set and its tenant's set when both are under their
 * caps (0 = unchecked), atomically; entries carry a lease that `renew` extends while the stream
 * is open, so a crashed node's streams lapse by themselves within one lease. `close` is
 * idempotent. Scope = tenant id (one Redis Cluster slot per tenant).
 */
export interface StreamSlotSets {
  /** End user's set (null for a secret key: only the tenant cap applies). */
  endUser: string | null;
  endUserCap: number;
  tenantCap: number;
}

export type OpenResult = { ok: true } | { ok: false; which: "end_user" | "tenant"; cap: number };

export interface StreamSlots {
  open(scope: string, sets: StreamSlotSets, streamId: string, leaseMs: number): Promise<OpenResult>;
  /** Extends the leases of the given open streams (grouped by scope and end user). */
  renew(
    entries: { scope: string; endUser: string | null; streamIds: string[] }[],
    leaseMs: number,
  ): Promise<void>;
  close(scope: string, endUser: string | null, streamId: string): Promise<void>;
  /** Drops the end user's set (erasure); the tenant set's entries lapse with their leases. */
  forgetEndUser(scope: string, endUser: string): Promise<void>;
}
