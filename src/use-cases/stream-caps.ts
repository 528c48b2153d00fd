/**
 * Stream caps (API.md): an end user has at most `streams_per_end_user` open streams (SSE + WS
 * subscriptions) and a tenant `streams`, counted across nodes through the StreamSlots port. Each
 * open stream holds a slot with a lease this node renews every STREAM_LEASE_MS / 3, so the slots
 * of a crashed node lapse within STREAM_LEASE_MS. The seam takes a slot before it makes a gateway,
 * so refused subscriptions never create actors.
 */
import type { AuthContext } from "../domain/auth-context.ts";
import type { Clock, TimerHandle } from "../ports/clock.ts";
import type { StreamSlots } from "../ports/stream-slots.ts";
import { RateLimitedError } from "../protocol/errors.ts";
import type { RateLimits } from "./rate-limits.ts";

/** 30 s: three renewals may fail before a live stream's slot lapses; a dead node's go soon. */
export const STREAM_LEASE_MS = 30_000;

export interface StreamSlot {
  /** Gives the slot back; idempotent. */
  release(): void;
}

interface Held {
  scope: string;
  endUser: string | null;
}

export class StreamCaps {
  readonly #held = new Map<string, Held>();
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(
    private readonly slots: StreamSlots,
    private readonly limits: RateLimits,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
    private readonly leaseMs = STREAM_LEASE_MS,
  ) {}

  get size(): number {
    return this.#held.size;
  }

  /** Takes a slot for one stream of `auth`, or throws 429 `rate_limited` past a cap. */
  async acquire(auth: AuthContext): Promise<StreamSlot> {
    const limits = await this.limits.limitsFor(auth.tenantId);
    const id = crypto.randomUUID();
    const held: Held = { scope: auth.tenantId, endUser: auth.endUserId };
    const result = await this.slots.open(
      auth.tenantId,
      {
        endUser: auth.endUserId,
        endUserCap: limits.streamsPerEndUser,
        tenantCap: limits.streamsPerTenant,
      },
      id,
      this.leaseMs,
    );
    if (!result.ok) {
      const who = result.which === "end_user" ? "this end user" : "this tenant";
      const retryAfterMs = 1000;
      throw new RateLimitedError(
        `Too many open streams for ${who} (at most ${result.cap}). Close one first.`,
        1,
        { limit: result.cap, remaining: 0, resetMs: retryAfterMs, retryAfterMs },
      );
    }
    this.#held.set(id, held);
    this.#schedule();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#held.delete(id);
        this.slots.close(held.scope, held.endUser, id).catch(this.onError);
      },
    };
  }

  /** Drops an erased end user's open-stream set (its key carries the end user id). */
  forgetEndUser(tenantId: string, endUserId: string): Promise<void> {
    return this.slots.forgetEndUser(tenantId, endUserId);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#timer !== null || this.#stopped) return;
    this.#timer = this.clock.setTimeout(
      () => {
        this.#timer = null;
        void this.#renew().finally(() => {
          if (this.#held.size > 0) this.#schedule();
        });
      },
      Math.floor(this.leaseMs / 3),
    );
    // A renewal timer must never keep a process alive that has nothing else to do.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #renew(): Promise<void> {
    const groups = new Map<
      string,
      { scope: string; endUser: string | null; streamIds: string[] }
    >();
    for (const [id, { scope, endUser }] of this.#held) {
      const key = `${scope}\u0000${endUser ?? ""}\u0000${endUser === null ? "t" : "u"}`;
      let group = groups.get(key);
      if (!group) {
        group = { scope, endUser, streamIds: [] };
        groups.set(key, group);
      }
      group.streamIds.push(id);
    }
    await this.slots.renew([...groups.values()], this.leaseMs).catch(this.onError);
  }
}
