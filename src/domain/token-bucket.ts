/**
 * Token-bucket math, pure (the memory adapter runs it; the Redis script take-tokens-2.lua is the
 * same arithmetic in Lua). A bucket holds at most `capacity` tokens and refills continuously at
 * `perMinute` tokens a minute; a take of `cost` succeeds only when every bucket has that many, and
 * then takes from all of them (all or nothing), so one send never spends half its budget.
 */

export interface BucketRule {
  /** Tokens when full: the burst. Spool uses one minute's worth (= perMinute). */
  capacity: number;
  perMinute: number;
}

export interface BucketState {
  tokens: number;
  /** Epoch ms of the last write. */
  at: number;
}

export interface TakeOutcome {
  allowed: boolean;
  /** Index of the bucket that refused, or (allowed) the one with the fewest tokens left. */
  binding: number;
  /** Whole tokens left in the binding bucket after the take. */
  remaining: number;
  /** 0 when allowed; else ms until the refusing bucket holds `cost` tokens. */
  retryAfterMs: number;
  /** Ms until the binding bucket is full again. */
  resetMs: number;
  /** The new states (unchanged when refused). */
  states: BucketState[];
}

const MS_PER_MINUTE = 60_000;

/** The bucket's tokens at `now`: a missing bucket is full; time running backwards adds nothing. */
export function refill(state: BucketState | null, rule: BucketRule, now: number): number {
  if (!state) return rule.capacity;
  const elapsed = Math.max(0, now - state.at);
  return Math.min(rule.capacity, state.tokens + (elapsed * rule.perMinute) / MS_PER_MINUTE);
}

export function take(
  states: (BucketState | null)[],
  rules: BucketRule[],
  now: number,
  cost = 1,
): TakeOutcome {
  const tokens = rules.map((rule, i) => refill(states[i] ?? null, rule, now));
  const refusing = tokens.findIndex((t) => t < cost);
  if (refusing >= 0) {
    const rule = rules[refusing]!;
    const missing = cost - tokens[refusing]!;
    return {
      allowed: false,
      binding: refusing,
      remaining: Math.floor(tokens[refusing]!),
      retryAfterMs: Math.ceil((missing * MS_PER_MINUTE) / rule.perMinute),
      resetMs: Math.ceil(((rule.capacity - tokens[refusing]!) * MS_PER_MINUTE) / rule.perMinute),
      states: states.map((s, i) => s ?? { tokens: tokens[i]!, at: now }),
    };
  }
  const after = tokens.map((t) => t - cost);
  let binding = 0;
  for (let i = 1; i < after.length; i++) {
    if (after[i]! / rules[i]!.capacity < after[binding]! / rules[binding]!.capacity) binding = i;
  }
  const rule = rules[binding]!;
  return {
    allowed: true,
    binding,
    remaining: Math.floor(after[binding]!),
    retryAfterMs: 0,
    resetMs: Math.ceil(((rule.capacity - after[binding]!) * MS_PER_MINUTE) / rule.perMinute),
    states: after.map((t) => ({ tokens: t, at: now })),
  };
}
