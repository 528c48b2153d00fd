/**
 * A node's hold on one thread's lease: renews it every `renewEveryMs`, and declares it lost the
 * moment it cannot prove it still holds it (a failed renewal, or no successful renewal within the
 * TTL minus a safety margin). Losing it calls `onLost`, and the actor stops writing: self-fencing,
 * on top of every Redis write being checked against the epoch.
 */
import type { Clock, TimerHandle } from "../src/ports/clock.ts";
import type { LeaseStore } from "../src/ports/lease.ts";

export interface LeaseTiming {
  ttlMs: number;
  renewEveryMs: number;
}

/** A tenth of the TTL: far above real clock drift, far below a renewal interval. */
const DRIFT_ALLOWANCE = 0.1;

export class Ownership {
  #timer: TimerHandle | null = null;
  #lastRenewedAt: number;
  #lost = false;
  #released = false;

  constructor(
    readonly threadId: string,
    readonly nodeId: string,
    readonly epoch: number,
    private readonly leases: LeaseStore,
    private readonly clock: Clock,
    private readonly timing: LeaseTiming,
    private readonly onLost: () => void,
    /** When the grant was requested: the lease runs from then, not from construction. */
    grantedAt: number = clock.now(),
  ) {
    this.#lastRenewedAt = grantedAt;
    this.#schedule();
  }

  /**
   * True while the lease is provably ours: the last successful renewal was sent less than the TTL
   * ago, less a tenth for clock drift between this process and Redis. (A tighter bound only stops
   * healthy actors on a loaded machine; the Lua epoch check refuses a truly stale writer anyway.)
   */
  get held(): boolean {
    if (this.#lost || this.#released) return false;
    return this.clock.now() - this.#lastRenewedAt < this.timing.ttlMs * (1 - DRIFT_ALLOWANCE);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#cancel();
    if (!this.#lost) await this.leases.release(this.threadId, this.nodeId, this.epoch);
  }

  #schedule(): void {
    this.#timer = this.clock.setTimeout(() => void this.#renew(), this.timing.renewEveryMs);
  }

  #cancel(): void {
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #renew(): Promise<void> {
    if (this.#released || this.#lost) return;
    const startedAt = this.clock.now();
    let renewed = false;
    try {
      renewed = await this.leases.renew(this.threadId, this.nodeId, this.epoch, this.timing.ttlMs);
    } catch {
      // Redis unreachable: keep trying while the lease may still be ours; `held` decides.
      renewed = false;
      if (this.held) return this.#schedule();
    }
    if (this.#released) return;
    if (!renewed) return this.#markLost();
    this.#lastRenewedAt = startedAt;
    this.#schedule();
  }

  #markLost(): void {
    this.#lost = true;
    this.#cancel();
    this.onLost();
  }
}
