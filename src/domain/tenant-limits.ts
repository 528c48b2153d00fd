/**
 * A tenant's limits: its own settings (admin API) over the server defaults (`RATE_LIMIT_*`).
 * `mergeLimits` applies an admin PATCH (number: set, null: back to the default); `effectiveLimits`
 * resolves what applies now. 0 means "no limit" everywhere.
 */
import type { TenantLimits, TenantLimitsPatch } from "../protocol/requests.ts";

export interface EffectiveLimits {
  sendsPerMinutePerEndUser: number;
  sendsPerMinutePerTenant: number;
  requestsPerMinutePerEndUser: number;
  streamsPerEndUser: number;
  streamsPerTenant: number;
  dailyTokensPerEndUser: number;
}

export function mergeLimits(current: TenantLimits, patch: TenantLimitsPatch): TenantLimits {
  const next: TenantLimits = { ...current };
  for (const [name, value] of Object.entries(patch) as [keyof TenantLimits, number | null][]) {
    if (value === null) delete next[name];
    else if (value !== undefined) next[name] = value;
  }
  return next;
}

export function effectiveLimits(defaults: EffectiveLimits, own: TenantLimits): EffectiveLimits {
  return {
    sendsPerMinutePerEndUser:
      own.sends_per_minute_per_end_user ?? defaults.sendsPerMinutePerEndUser,
    sendsPerMinutePerTenant: own.sends_per_minute ?? defaults.sendsPerMinutePerTenant,
    requestsPerMinutePerEndUser:
      own.requests_per_minute_per_end_user ?? defaults.requestsPerMinutePerEndUser,
    streamsPerEndUser: own.streams_per_end_user ?? defaults.streamsPerEndUser,
    streamsPerTenant: own.streams ?? defaults.streamsPerTenant,
    dailyTokensPerEndUser: own.daily_tokens_per_end_user ?? defaults.dailyTokensPerEndUser,
  };
}
