/**
 * The LeaseStore contract (ports/lease.ts), run on Redis and on memory: one holder at a time,
 * a new epoch for every grant (also to the same node id), renew / release only by the exact
 * holder, and a lease that lapses by its TTL unless renewed.
 */
import { describe, expect } from "bun:test";
import { freshId } from "../support/records.ts";
import { type ContractOptions, contractKit, type StoreFactory } from "./contract-kit.ts";
import type { HotTierPorts } from "./hot-tier-kit.ts";

export function leaseStoreContract(
  name: string,
  factory: StoreFactory<HotTierPorts>,
  options: ContractOptions = {},
): void {
  describe(`LeaseStore contract: ${name}`, () => {
    const kit = contractKit(factory, options);

    kit.test("one holder at a time; the other learns who and for how long", async (p) => {
      const thread = freshId("thr");
      const first = await p.leases.acquire(thread, "a", 10_000);
      expect(first.ok).toBe(true);
      const second = await p.leases.acquire(thread, "b", 10_000);
      expect(second.ok).toBe(false);
      if (second.ok || !first.ok) return;
      expect(second.ownerNodeId).toBe("a");
      expect(second.ownerEpoch).toBe(first.epoch);
      expect(second.ttlMs).toBeGreaterThan(0);
      expect(second.ttlMs).toBeLessThanOrEqual(10_000);
      expect(await p.leases.owner(thread)).toEqual({ nodeId: "a", epoch: first.epoch });
    });

    kit.test("every grant takes a new epoch, also for the same node id", async (p) => {
      const thread = freshId("thr");
      const epochs: number[] = [];
      for (const node of ["a", "a", "b"]) {
        const grant = await p.leases.acquire(thread, node, 10_000);
        if (!grant.ok) {
          const owner = await p.leases.owner(thread);
          await p.leases.release(thread, owner!.nodeId, owner!.epoch);
          const retry = await p.leases.acquire(thread, node, 10_000);
          if (!retry.ok) throw new Error("lease not free after release");
          epochs.push(retry.epoch);
        } else epochs.push(grant.epoch);
      }
      expect(epochs[1]).toBeGreaterThan(epochs[0]!);
      expect(epochs[2]).toBeGreaterThan(epochs[1]!);
    });

    kit.test("renew and release work only for the exact holder", async (p) => {
      const thread = freshId("thr");
      const grant = await p.leases.acquire(thread, "a", 10_000);
      if (!grant.ok) throw new Error("not granted");
      expect(await p.leases.renew(thread, "b", grant.epoch, 10_000)).toBe(false);
      expect(await p.leases.renew(thread, "a", grant.epoch + 1, 10_000)).toBe(false);
      expect(await p.leases.renew(thread, "a", grant.epoch, 10_000)).toBe(true);
      expect(await p.leases.release(thread, "b", grant.epoch)).toBe(false);
      expect(await p.leases.release(thread, "a", grant.epoch)).toBe(true);
      expect(await p.leases.release(thread, "a", grant.epoch)).toBe(false);
      expect(await p.leases.owner(thread)).toBeNull();
    });

    kit.test("a lease lapses by its ttl; a renewed one does not", async (p) => {
      const lapsing = freshId("thr");
      const renewed = freshId("thr");
      await p.leases.acquire(lapsing, "a", 300);
      const kept = await p.leases.acquire(renewed, "a", 300);
      await p.wait(200);
      if (kept.ok) expect(await p.leases.renew(renewed, "a", kept.epoch, 600)).toBe(true);
      await p.wait(250);
      expect(await p.leases.owner(lapsing)).toBeNull();
      expect((await p.leases.acquire(lapsing, "b", 10_000)).ok).toBe(true);
      expect((await p.leases.owner(renewed))?.nodeId).toBe("a");
    });

    kit.checkSkips();
  });
}
