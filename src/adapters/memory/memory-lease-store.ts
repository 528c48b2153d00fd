/**
 * LeaseStore in memory, with the Redis adapter's semantics (acquire-lease-2.lua): a lease lapses
 * `ttlMs` after its grant or last renewal on the given clock; every grant takes a new epoch from
 * a per-thread counter that never goes back. The checkpoint store of the same memory hot tier
 * reads `currentEpoch` to fence its writes, as the Lua scripts read the lease key.
 */
import type { Clock } from "../../ports/clock.ts";
import type { AcquireResult, LeaseStore } from "../../ports/lease.ts";

interface Lease {
  nodeId: string;
  epoch: number;
  expiresAt: number;
}

export class MemoryLeaseStore implements LeaseStore {
  readonly #leases = new Map<string, Lease>();
  readonly #epochs = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async acquire(threadId: string, nodeId: string, ttlMs: number): Promise<AcquireResult> {
    const current = this.#live(threadId);
    if (current && current.nodeId !== nodeId) {
      return {
        ok: false,
        ownerNodeId: current.nodeId,
        ownerEpoch: current.epoch,
        ttlMs: current.expiresAt - this.clock.now(),
      };
    }
    const epoch = (this.#epochs.get(threadId) ?? 0) + 1;
    this.#epochs.set(threadId, epoch);
    this.#leases.set(threadId, { nodeId, epoch, expiresAt: this.clock.now() + ttlMs });
    return { ok: true, epoch };
  }

  async renew(threadId: string, nodeId: string, epoch: number, ttlMs: number): Promise<boolean> {
    const current = this.#live(threadId);
    if (!current || current.nodeId !== nodeId || current.epoch !== epoch) return false;
    current.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  async release(threadId: string, nodeId: string, epoch: number): Promise<boolean> {
    const current = this.#live(threadId);
    if (!current || current.nodeId !== nodeId || current.epoch !== epoch) return false;
    this.#leases.delete(threadId);
    return true;
  }

  async owner(threadId: string): Promise<{ nodeId: string; epoch: number } | null> {
    const current = this.#live(threadId);
    return current ? { nodeId: current.nodeId, epoch: current.epoch } : null;
  }

  /** The epoch of the live lease, null when none: what a fenced write compares with. */
  currentEpoch(threadId: string): number | null {
    return this.#live(threadId)?.epoch ?? null;
  }

  /** Removes the thread's lease (the checkpoint's deleteThread), keeping its epoch counter. */
  drop(threadId: string): void {
    this.#leases.delete(threadId);
  }

  #live(threadId: string): Lease | null {
    const lease = this.#leases.get(threadId);
    if (!lease) return null;
    if (lease.expiresAt <= this.clock.now()) {
      this.#leases.delete(threadId);
      return null;
    }
    return lease;
  }
}
