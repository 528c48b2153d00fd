/**
 * Per-identity limits across nodes (API.md "Rate limits", "token quotas"): sends per end user and
 * per tenant, other requests per end user, and the daily token quota. The seam calls `send` and
 * `quota`; authentication (REST) and the WS session call `request` for every other request or
 * frame of an end-user token. A tenant's own limits are read through a short cache, so a change
 * through the admin API holds everywhere within TENANT_LIMITS_CACHE_MS.
 */

import type { AuthContext } from "../domain/auth-context.ts";
import { type EffectiveLimits, effectiveLimits } from "../domain/tenant-limits.ts";
import type { Clock } from "../ports/clock.ts";
import type { Bucket, RateLimiter, RateLimitResult } from "../ports/rate-limiter.ts";
import type { TenantStore } from "../ports/tenant-store.ts";
import type { ThreadStore } from "../ports/thread-store.ts";
import { RateLimitedError } from "../protocol/errors.ts";

/** 5 s: an admin change lands quickly; a busy tenant costs one store read per node per 5 s. */
export const TENANT_LIMITS_CACHE_MS = 5000;
/** 2 s: a quota is checked against a ledger that lags by the backfill job anyway. */
export const QUOTA_CACHE_MS = 2000;
const MS_PER_DAY = 86_400_000;

export interface RateLimitsDeps {
  limiter: RateLimiter;
  tenants: Pick<TenantStore, "getLimits">;
  usage: Pick<ThreadStore, "usageTotals">;
  defaults: EffectiveLimits;
  clock: Pick<Clock, "now">;
}

export class RateLimits {
  readonly #cache = new Map<string, { at: number; limits: EffectiveLimits }>();
  readonly #quota = new Map<string, { at: number; used: number }>();

  constructor(private readonly deps: RateLimitsDeps) {}

  /** The limits that apply to a tenant now (its own settings over the defaults). */
  async limitsFor(tenantId: string): Promise<EffectiveLimits> {
    const now = this.deps.clock.now();
    const cached = this.#cache.get(tenantId);
    if (cached && now - cached.at < TENANT_LIMITS_CACHE_MS) return cached.limits;
    const own = (await this.deps.tenants.getLimits(tenantId)) ?? {};
    const limits = effectiveLimits(this.deps.defaults, own);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(tenantId, { at: now, limits });
    return limits;
  }

  /** Forgets a tenant's cached limits on this node (after an admin change here). */
  forget(tenantId: string): void {
    this.#cache.delete(tenantId);
  }

  /** Drops an erased end user's buckets (their names carry the end user id). */
  forgetEndUser(tenantId: string, endUserId: string): Promise<void> {
    return this.deps.limiter.forget(tenantId, [`send:u:${endUserId}`, `req:u:${endUserId}`]);
  }

  /** A send: the end user's bucket (end-user tokens) and the tenant's; throws 429 when empty. */
  async send(auth: AuthContext): Promise<void> {
    const limits = await this.limitsFor(auth.tenantId);
    const buckets: Bucket[] = [];
    if (auth.endUserId !== null && limits.sendsPerMinutePerEndUser > 0) {
      buckets.push(bucket(`send:u:${auth.endUserId}`, limits.sendsPerMinutePerEndUser));
    }
    if (limits.sendsPerMinutePerTenant > 0) {
      buckets.push(bucket("send:t", limits.sendsPerMinutePerTenant));
    }
    if (buckets.length === 0) return;
    refuseUnless(await this.deps.limiter.take(auth.tenantId, buckets), "sends");
  }

  /** Any other request or WS frame of an end-user token (secret keys are not limited here). */
  async request(auth: AuthContext): Promise<void> {
    if (auth.endUserId === null) return;
    const limits = await this.limitsFor(auth.tenantId);
    if (limits.requestsPerMinutePerEndUser <= 0) return;
    const rule = bucket(`req:u:${auth.endUserId}`, limits.requestsPerMinutePerEndUser);
    refuseUnless(await this.deps.limiter.take(auth.tenantId, [rule]), "requests");
  }

  /** The daily token quota of an end user (UTC day, from the usage ledger): 429 past it. */
  async quota(auth: AuthContext): Promise<void> {
    if (auth.endUserId === null) return;
    const { dailyTokensPerEndUser: budget } = await this.limitsFor(auth.tenantId);
    if (budget <= 0) return;
    const now = this.deps.clock.now();
    const dayStart = now - (now % MS_PER_DAY);
    const key = `${auth.tenantId}\u0000${auth.endUserId}`;
    let entry = this.#quota.get(key);
    if (!entry || now - entry.at >= QUOTA_CACHE_MS || entry.at < dayStart) {
      const totals = await this.deps.usage.usageTotals({
        tenantId: auth.tenantId,
        endUserId: auth.endUserId,
        from: dayStart,
        to: dayStart + MS_PER_DAY,
      });
      entry = { at: now, used: totals.input_tokens + totals.output_tokens };
      if (this.#quota.size > 100_000) this.#quota.clear();
      this.#quota.set(key, entry);
    }
    if (entry.used < budget) return;
    const untilReset = dayStart + MS_PER_DAY - now;
    throw new RateLimitedError(
      `The daily token quota of this end user (${budget}) is used up; it resets at 00:00 UTC.`,
      Math.ceil(untilReset / 1000),
      { limit: budget, remaining: 0, resetMs: untilReset, retryAfterMs: untilReset },
      "quota_exceeded",
    );
  }
}

/** Burst of one minute's worth (API.md). */
function bucket(name: string, perMinute: number): Bucket {
  return { name, capacity: perMinute, perMinute };
}

function refuseUnless(result: RateLimitResult, what: string): void {
  if (result.allowed) return;
  const scope = result.bucket.includes(":u:") ? "this end user" : "this tenant";
  throw new RateLimitedError(
    `Too many ${what} for ${scope} (${result.limit} a minute). Retry after the Retry-After delay.`,
    Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
    {
      limit: result.limit,
      remaining: result.remaining,
      resetMs: result.resetMs,
      retryAfterMs: result.retryAfterMs,
    },
  );
}
